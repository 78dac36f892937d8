package kobj

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kobj-dev/kobj/internal/discoveryindex"
)

// restMapperTimeout bounds a mapping call of the meta.RESTMapper interface,
// which takes no context: a cold load, a refetch after a miss, and the wait
// for a group-version that is about to be served.
const restMapperTimeout = time.Minute

// RESTMapper returns a meta.RESTMapper over the client's discovery cache,
// for code that speaks client-go (controller-runtime, the dynamic client):
// it asks the server nothing that kobj's own calls have already fetched.
// Its mappings are those of restmapper.NewDiscoveryRESTMapper. A miss
// refetches discovery once, as kobj's calls do, and then fails with a
// meta.NoKindMatchError or meta.NoResourceMatchError (meta.IsNoMatchError
// is true); a fetch that fails returns its error. Each call is bounded by a
// minute; the mapper also implements meta.RESTMapperWithContext for callers
// that have a context of their own.
func (c *Client) RESTMapper() meta.RESTMapper { return &restMapper{disc: c.disc} }

// restMapper maps through the discovery cache's current index.
type restMapper struct{ disc *discoveryCache }

var (
	_ meta.RESTMapper            = (*restMapper)(nil)
	_ meta.RESTMapperWithContext = (*restMapper)(nil)
)

// mapWith runs f on the mapper of the cache's index, refetching on a miss as
// lookup does; gv, when the query names one, is the group-version that may
// be waited for.
func mapWith[T any](ctx context.Context, d *discoveryCache, gv schema.GroupVersion, f func(meta.RESTMapper) (T, error)) (T, error) {
	var out T
	var err error
	_, lerr := d.resolve(ctx, gv, func(ix *discoveryindex.Index) bool {
		out, err = f(ix.RESTMapper())
		return !meta.IsNoMatchError(err)
	})
	if lerr != nil {
		var zero T
		return zero, lerr
	}
	return out, err
}

// bounded runs f with a context that ends after restMapperTimeout.
func bounded[T any](f func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(context.Background(), restMapperTimeout)
	defer cancel()
	return f(ctx)
}

// versionOf is the group-version a query by kind names, if it names one.
func versionOf(gk schema.GroupKind, versions []string) schema.GroupVersion {
	if len(versions) == 0 {
		return schema.GroupVersion{}
	}
	return gk.WithVersion(versions[0]).GroupVersion()
}

// KindFor returns the kind of the partial resource r; see meta.RESTMapper.
func (m *restMapper) KindFor(r schema.GroupVersionResource) (schema.GroupVersionKind, error) {
	return bounded(func(ctx context.Context) (schema.GroupVersionKind, error) { return m.KindForWithContext(ctx, r) })
}

// KindsFor returns the kinds that the partial resource r may be, in
// priority order; see meta.RESTMapper.
func (m *restMapper) KindsFor(r schema.GroupVersionResource) ([]schema.GroupVersionKind, error) {
	return bounded(func(ctx context.Context) ([]schema.GroupVersionKind, error) { return m.KindsForWithContext(ctx, r) })
}

// ResourceFor returns the resource that the partial resource r names; see
// meta.RESTMapper.
func (m *restMapper) ResourceFor(r schema.GroupVersionResource) (schema.GroupVersionResource, error) {
	return bounded(func(ctx context.Context) (schema.GroupVersionResource, error) {
		return m.ResourceForWithContext(ctx, r)
	})
}

// ResourcesFor returns the resources that the partial resource r may name,
// in priority order; see meta.RESTMapper.
func (m *restMapper) ResourcesFor(r schema.GroupVersionResource) ([]schema.GroupVersionResource, error) {
	return bounded(func(ctx context.Context) ([]schema.GroupVersionResource, error) {
		return m.ResourcesForWithContext(ctx, r)
	})
}

// RESTMapping returns the preferred mapping of gk among versions (any
// version when none is given); see meta.RESTMapper.
func (m *restMapper) RESTMapping(gk schema.GroupKind, versions ...string) (*meta.RESTMapping, error) {
	return bounded(func(ctx context.Context) (*meta.RESTMapping, error) {
		return m.RESTMappingWithContext(ctx, gk, versions...)
	})
}

// RESTMappings returns every mapping of gk among versions; see
// meta.RESTMapper.
func (m *restMapper) RESTMappings(gk schema.GroupKind, versions ...string) ([]*meta.RESTMapping, error) {
	return bounded(func(ctx context.Context) ([]*meta.RESTMapping, error) {
		return m.RESTMappingsWithContext(ctx, gk, versions...)
	})
}

// ResourceSingularizer returns the singular name of the plural resource;
// see meta.RESTMapper.
func (m *restMapper) ResourceSingularizer(resource string) (string, error) {
	return bounded(func(ctx context.Context) (string, error) { return m.ResourceSingularizerWithContext(ctx, resource) })
}

// KindForWithContext is KindFor under ctx.
func (m *restMapper) KindForWithContext(ctx context.Context, r schema.GroupVersionResource) (schema.GroupVersionKind, error) {
	return mapWith(ctx, m.disc, r.GroupVersion(), func(rm meta.RESTMapper) (schema.GroupVersionKind, error) { return rm.KindFor(r) })
}

// KindsForWithContext is KindsFor under ctx.
func (m *restMapper) KindsForWithContext(ctx context.Context, r schema.GroupVersionResource) ([]schema.GroupVersionKind, error) {
	return mapWith(ctx, m.disc, r.GroupVersion(), func(rm meta.RESTMapper) ([]schema.GroupVersionKind, error) { return rm.KindsFor(r) })
}

// ResourceForWithContext is ResourceFor under ctx.
func (m *restMapper) ResourceForWithContext(ctx context.Context, r schema.GroupVersionResource) (schema.GroupVersionResource, error) {
	return mapWith(ctx, m.disc, r.GroupVersion(), func(rm meta.RESTMapper) (schema.GroupVersionResource, error) { return rm.ResourceFor(r) })
}

// ResourcesForWithContext is ResourcesFor under ctx.
func (m *restMapper) ResourcesForWithContext(ctx context.Context, r schema.GroupVersionResource) ([]schema.GroupVersionResource, error) {
	return mapWith(ctx, m.disc, r.GroupVersion(), func(rm meta.RESTMapper) ([]schema.GroupVersionResource, error) { return rm.ResourcesFor(r) })
}

// RESTMappingWithContext is RESTMapping under ctx.
func (m *restMapper) RESTMappingWithContext(ctx context.Context, gk schema.GroupKind, versions ...string) (*meta.RESTMapping, error) {
	return mapWith(ctx, m.disc, versionOf(gk, versions), func(rm meta.RESTMapper) (*meta.RESTMapping, error) { return rm.RESTMapping(gk, versions...) })
}

// RESTMappingsWithContext is RESTMappings under ctx.
func (m *restMapper) RESTMappingsWithContext(ctx context.Context, gk schema.GroupKind, versions ...string) ([]*meta.RESTMapping, error) {
	return mapWith(ctx, m.disc, versionOf(gk, versions), func(rm meta.RESTMapper) ([]*meta.RESTMapping, error) { return rm.RESTMappings(gk, versions...) })
}

// ResourceSingularizerWithContext is ResourceSingularizer under ctx.
func (m *restMapper) ResourceSingularizerWithContext(ctx context.Context, resource string) (string, error) {
	return mapWith(ctx, m.disc, schema.GroupVersion{}, func(rm meta.RESTMapper) (string, error) { return rm.ResourceSingularizer(resource) })
}
