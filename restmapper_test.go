package kobj

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/restmapper"
)

// TestRESTMapperAgreesWithClientGo asks kobj's mapper and client-go's
// discovery REST mapper over a plain discovery client the same questions,
// for each discovery format.
func TestRESTMapperAgreesWithClientGo(t *testing.T) {
	type query struct {
		name string
		ask  func(meta.RESTMapper) (any, error)
	}
	mapping := func(gk schema.GroupKind, versions ...string) func(meta.RESTMapper) (any, error) {
		return func(m meta.RESTMapper) (any, error) {
			rm, err := m.RESTMapping(gk, versions...)
			if err != nil {
				return nil, err
			}
			return [3]string{rm.Resource.String(), rm.GroupVersionKind.String(), string(rm.Scope.Name())}, nil
		}
	}
	queries := []query{
		{"Deployment apps/v1", mapping(schema.GroupKind{Group: "apps", Kind: "Deployment"}, "v1")},
		{"Deployment, any version", mapping(schema.GroupKind{Group: "apps", Kind: "Deployment"})},
		{"Pod", mapping(schema.GroupKind{Kind: "Pod"}, "v1")},
		{"Namespace", mapping(schema.GroupKind{Kind: "Namespace"})},
		{"Widget, a custom kind", mapping(schema.GroupKind{Group: "example.com", Kind: "Widget"}, "v1")},
		{"KindFor deployments", func(m meta.RESTMapper) (any, error) {
			return m.KindFor(schema.GroupVersionResource{Resource: "deployments"})
		}},
		{"KindsFor pod", func(m meta.RESTMapper) (any, error) { return m.KindsFor(schema.GroupVersionResource{Resource: "pod"}) }},
		{"ResourceFor widget", func(m meta.RESTMapper) (any, error) {
			return m.ResourceFor(schema.GroupVersionResource{Group: "example.com", Resource: "widget"})
		}},
		{"ResourcesFor namespaces", func(m meta.RESTMapper) (any, error) {
			return m.ResourcesFor(schema.GroupVersionResource{Resource: "namespaces"})
		}},
		{"RESTMappings Deployment", func(m meta.RESTMapper) (any, error) {
			ms, err := m.RESTMappings(schema.GroupKind{Group: "apps", Kind: "Deployment"})
			var rs []string
			for _, rm := range ms {
				rs = append(rs, rm.Resource.String())
			}
			return rs, err
		}},
		{"ResourceSingularizer", func(m meta.RESTMapper) (any, error) { return m.ResourceSingularizer("daemonsets") }},
	}
	for name, format := range map[string]string{"aggregated": aggregatedV2, "legacy": "legacy"} {
		t.Run(name, func(t *testing.T) {
			e := newDiscoveryEnv(t, format)
			groups, err := restmapper.GetAPIGroupResources(e.dc)
			if err != nil {
				t.Fatal(err)
			}
			theirs := restmapper.NewDiscoveryRESTMapper(groups)
			ours := (&Client{disc: e.cache()}).RESTMapper()
			for _, q := range queries {
				want, werr := q.ask(theirs)
				got, gerr := q.ask(ours)
				if werr != nil || gerr != nil {
					t.Errorf("%s: errors: kobj %v, client-go %v", q.name, gerr, werr)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s: kobj's mapper differs from client-go's (-client-go +kobj):\n%s", q.name, diff)
				}
			}
		})
	}
}

func TestRESTMapperMisses(t *testing.T) {
	e := newDiscoveryEnv(t, aggregatedV2)
	m := (&Client{disc: e.cache()}).RESTMapper()
	if _, err := m.RESTMapping(schema.GroupKind{Group: "apps", Kind: "Deployment"}, "v1"); err != nil {
		t.Fatal(err)
	}
	e.expect(t, "cold", 2)
	if _, err := m.KindFor(schema.GroupVersionResource{Resource: "pods"}); err != nil {
		t.Fatal(err)
	}
	e.expect(t, "warm", 0)

	// A kind added after discovery was cached: one refetch finds it.
	e.srv.gadget.Store(true)
	rm, err := m.RESTMapping(schema.GroupKind{Group: "example.com", Kind: "Gadget"}, "v1")
	if err != nil {
		t.Fatal(err)
	}
	if rm.Resource.Resource != "gadgets" || rm.Scope.Name() != meta.RESTScopeNameRoot {
		t.Errorf("Gadget: %+v", rm)
	}
	e.expect(t, "miss, then found", 2)

	for _, tt := range []struct {
		name     string
		ask      func() error
		requests int64
	}{
		{"a kind missing from a served group", func() error {
			_, err := m.RESTMapping(schema.GroupKind{Group: "apps", Kind: "Nope"}, "v1")
			return err
		}, 2},
		{"a group without an APIService", func() error {
			_, err := m.RESTMapping(schema.GroupKind{Group: "nope.example.com", Kind: "Nope"}, "v1")
			return err
		}, 3},
		{"a resource in no group", func() error {
			_, err := m.KindFor(schema.GroupVersionResource{Resource: "nopes"})
			return err
		}, 2},
		{"a resource of a version not served", func() error {
			_, err := m.ResourcesFor(schema.GroupVersionResource{Group: "example.com", Version: "v9", Resource: "widgets"})
			return err
		}, 3},
	} {
		if err := tt.ask(); !meta.IsNoMatchError(err) {
			t.Errorf("%s: %v, want a no-match error", tt.name, err)
		}
		e.expect(t, tt.name, tt.requests)
	}
}

func TestRESTMapperWithContext(t *testing.T) {
	e := newDiscoveryEnv(t, aggregatedV2)
	m, ok := (&Client{disc: e.cache()}).RESTMapper().(meta.RESTMapperWithContext)
	if !ok {
		t.Fatal("the mapper does not implement meta.RESTMapperWithContext")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.RESTMappingWithContext(ctx, schema.GroupKind{Kind: "Pod"}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v, want context.Canceled", err)
	}
	e.expect(t, "a canceled call", 0)
	gvk, err := m.KindForWithContext(context.Background(), schema.GroupVersionResource{Group: "apps", Resource: "daemonsets"})
	if err != nil || gvk != (schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "DaemonSet"}) {
		t.Errorf("KindForWithContext: %v, %v", gvk, err)
	}
}
