package operator

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kobj-dev/kobj"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
)

// The cache is client-go's: one SharedIndexInformer (tools/cache) per kind
// and namespace, whose reflector lists and watches through kobj's client
// (internal/watchstore, or client-go's metadata client for MetadataOnly)
// and whose indexer is the store every reader shares. What is kobj's: the
// decoder that keeps each object's JSON as the server sent it, reading only
// its metadata (internal/rawjson's Metadata mode, shared with kobj's Watch;
// cache_decode.go), the transform that makes it an entry, the registry
// that starts informers on first use and stops them one kind at a time,
// selectors over any path, and read-your-writes (expect).

// defaultConsistency bounds how long a read waits for the informer to
// reach a write the operator made (expect), as kopf's consistency_timeout.
const defaultConsistency = 5 * time.Second

// errStopped is returned by the reads and subscriptions of a stopped Cache.
var errStopped = errors.New("operator cache: stopped")

// Cache holds the objects of the kinds an operator reads, kept current by
// one shared informer per kind and scope. An informer starts on the first
// Get, List, Index or subscription of its kind and serves every reader and
// controller after it. Objects the Cache returns are new values, the
// caller's to change. A Cache is safe for concurrent use.
type Cache struct {
	client *kobj.Client
	cfg    cacheConfig
	// consistency bounds a read's wait for a write recorded with expect.
	consistency time.Duration
	// listerWatcher, when not nil, replaces the server's lists and
	// watches (tests).
	listerWatcher func(kc *kindCache, ns string) (cache.ListerWatcher, runtime.Object, error)

	ctx    context.Context // parent of every informer's; ended by Stop
	cancel context.CancelFunc

	mu           sync.Mutex
	kinds        map[kindRef]*kindCache
	stopped      bool
	kw           *kindWatch           // CRDs followed (cache_crd.go); nil until a kind is awaited or gone
	listeners    map[int]kindListener // told of kinds that come and go
	nextListener int
	nw           *namespaceWatch // NamespacesLabeled (cache_namespaces.go); nil without it

	kwMu sync.Mutex // serializes watchKinds
}

// NewCache returns a Cache that reads through c (nil: kobj.DefaultClient)
// with opts. Nothing starts until a kind is first read. It fails on an
// invalid option, naming it, or when c is nil and no default client can be
// made.
func NewCache(c *kobj.Client, opts ...CacheOption) (*Cache, error) {
	if c == nil {
		var err error
		if c, err = kobj.DefaultClient(); err != nil {
			return nil, fmt.Errorf("operator.NewCache: %w", err)
		}
	}
	var cfg cacheConfig
	for i, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("operator.NewCache: option %d is nil", i)
		}
		if err := o.applyToCache(&cfg); err != nil {
			return nil, fmt.Errorf("operator.NewCache: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Cache{client: c, cfg: cfg, consistency: defaultConsistency, ctx: ctx, cancel: cancel,
		kinds: map[kindRef]*kindCache{}}, nil
}

// Stop stops every informer of the cache and returns once their
// goroutines have ended. Reads after Stop fail. Stop may be called more
// than once.
func (c *Cache) Stop() {
	c.mu.Lock()
	c.stopped = true
	kinds := make([]*kindCache, 0, len(c.kinds))
	for _, kc := range c.kinds {
		kinds = append(kinds, kc)
	}
	kw, nw := c.kw, c.nw
	c.mu.Unlock()
	c.cancel()
	if kw != nil {
		kw.stop()
	}
	if nw != nil {
		nw.stop()
	}
	for _, kc := range kinds {
		kc.stop()
	}
}

// kind returns the informers of a kind, starting them on first use. It
// fails, before anything starts, for a kind the server does not know or
// whose CRD the cache saw go (a no-match error), a scope that does not
// fit the kind, a NamespacesLabeled set that cannot be listed, or a
// stopped cache.
func (c *Cache) kind(ctx context.Context, apiVersion, kind string) (*kindCache, error) {
	ref := kindRef{apiVersion, kind}
	c.mu.Lock()
	kc, ok := c.kinds[ref]
	stopped := c.stopped
	c.mu.Unlock()
	if stopped {
		return nil, errStopped
	}
	if ok {
		return kc, nil
	}
	if err := validKind(ref); err != nil {
		return nil, fmt.Errorf("operator cache: %q %q: %w", apiVersion, kind, err)
	}
	if c.isGone(ref) {
		return nil, goneError(ref) // discovery may still list it
	}
	gvr, namespaced, err := c.resolve(ctx, ref)
	if err != nil {
		return nil, err
	}
	if c.followsNamespaces(ref, namespaced) {
		if err := c.namespaces(ctx); err != nil {
			return nil, err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil, errStopped
	}
	if kc, ok := c.kinds[ref]; ok {
		return kc, nil
	}
	kc, err = c.newKindCache(ref, gvr, namespaced)
	if err != nil {
		return nil, err
	}
	c.kinds[ref] = kc
	kc.start()
	return kc, nil
}

// existingKind returns the informers of a kind if they have started.
func (c *Cache) existingKind(apiVersion, kind string) *kindCache {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.kinds[kindRef{apiVersion, kind}]
}

// remove stops the informers of a kind and forgets them (a kind whose
// custom resource definition is gone); a later read starts them again.
func (c *Cache) remove(apiVersion, kind string) {
	c.mu.Lock()
	kc := c.kinds[kindRef{apiVersion, kind}]
	delete(c.kinds, kindRef{apiVersion, kind})
	c.mu.Unlock()
	if kc != nil {
		kc.retire(goneError(kindRef{apiVersion, kind}))
	}
}

// resolve maps a kind to its resource and scope through the client's
// RESTMapper (its discovery cache).
func (c *Cache) resolve(ctx context.Context, ref kindRef) (schema.GroupVersionResource, bool, error) {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return schema.GroupVersionResource{}, false, fmt.Errorf("operator cache: %s %s: %w", ref.APIVersion, ref.Kind, err)
	}
	gk := schema.GroupKind{Group: gv.Group, Kind: ref.Kind}
	var mapping *meta.RESTMapping
	if m, ok := c.client.RESTMapper().(meta.RESTMapperWithContext); ok {
		mapping, err = m.RESTMappingWithContext(ctx, gk, gv.Version)
	} else {
		mapping, err = c.client.RESTMapper().RESTMapping(gk, gv.Version)
	}
	if err != nil {
		return schema.GroupVersionResource{}, false, fmt.Errorf("operator cache: %s %s: %w", ref.APIVersion, ref.Kind, err)
	}
	return mapping.Resource, mapping.Scope.Name() == meta.RESTScopeNameNamespace, nil
}

// namespaced reports whether a kind's objects live in namespaces, from
// the RESTMapper; it fails for a kind the server does not know.
func (c *Cache) namespaced(apiVersion, kind string) (bool, error) {
	if kc := c.existingKind(apiVersion, kind); kc != nil {
		return kc.namespaced, nil
	}
	ref := kindRef{apiVersion, kind}
	if err := validKind(ref); err != nil {
		return false, fmt.Errorf("operator cache: %q %q: %w", apiVersion, kind, err)
	}
	_, namespaced, err := c.resolve(c.ctx, ref)
	return namespaced, err
}

// waitForSync returns once every informer started so far has synced, or
// with the error that stopped one, or ctx's.
func (c *Cache) waitForSync(ctx context.Context) error {
	c.mu.Lock()
	kinds := make([]*kindCache, 0, len(c.kinds))
	for _, kc := range c.kinds {
		kinds = append(kinds, kc)
	}
	c.mu.Unlock()
	for _, kc := range kinds {
		for _, ki := range kc.all() {
			if err := ki.waitSynced(ctx); err != nil {
				if ctx.Err() == nil && !c.current(kc, ki) {
					continue // its CRD went, or its namespace left, meanwhile
				}
				return err
			}
		}
		// A synced informer may still be handing its first list to the
		// subscribers: wait until each has been told of every object, so
		// that a controller starts with its whole initial list queued
		// (else the first live event waits behind the rest of it).
		for _, reg := range kc.registrations() {
			select {
			case <-reg.HasSyncedChecker().Done():
			case <-c.ctx.Done():
				return errStopped
			case <-ctx.Done():
				return fmt.Errorf("operator cache: waiting for the subscribers of %s %s: %w", kc.ref.APIVersion, kc.ref.Kind, ctx.Err())
			}
		}
	}
	return nil
}

// current reports whether ki is still an informer of kc and kc still the
// cache's for its kind.
func (c *Cache) current(kc *kindCache, ki *kindInformer) bool {
	if c.existingKind(kc.ref.APIVersion, kc.ref.Kind) != kc {
		return false
	}
	kc.imu.RLock()
	defer kc.imu.RUnlock()
	return kc.informers[ki.namespace] == ki
}
