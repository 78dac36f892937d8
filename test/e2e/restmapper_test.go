package e2e

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/restmapper"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"
)

// TestRESTMapperAgreesWithDeferredDiscovery: kobj's mapper, warmed before
// a CRD exists, maps a Deployment and the CRD's kind as client-go's
// deferred discovery mapper over a plain discovery client does, the way
// controller-runtime asks (RESTMapping(gk, version)); and a
// controller-runtime client built on kobj's mapper reads and writes the
// custom kind.
func TestRESTMapperAgreesWithDeferredDiscovery(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	c, log := newCountingClient(t)
	ns := newNamespace(t, c)
	ours := c.RESTMapper()
	if _, err := ours.RESTMapping(schema.GroupKind{Group: "apps", Kind: "Deployment"}, "v1"); err != nil {
		t.Fatal(err)
	}
	group := "mapper-" + suffix() + ".kobj.example.com"
	createCRD(t, c, group, "Namespaced")
	log.Reset()

	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	theirs := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	for _, q := range []struct {
		gk       schema.GroupKind
		versions []string
	}{
		{schema.GroupKind{Group: "apps", Kind: "Deployment"}, []string{"v1"}},
		{schema.GroupKind{Group: "apps", Kind: "Deployment"}, nil},
		{schema.GroupKind{Kind: "ConfigMap"}, []string{"v1"}},
		{schema.GroupKind{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole"}, []string{"v1"}},
		{schema.GroupKind{Group: group, Kind: "Widget"}, []string{"v1"}},
		{schema.GroupKind{Group: group, Kind: "Widget"}, nil},
	} {
		want, werr := theirs.RESTMapping(q.gk, q.versions...)
		got, gerr := ours.RESTMapping(q.gk, q.versions...)
		if werr != nil || gerr != nil {
			t.Errorf("RESTMapping(%v, %v): kobj %v, client-go %v", q.gk, q.versions, gerr, werr)
			continue
		}
		if got.Resource != want.Resource || got.GroupVersionKind != want.GroupVersionKind || got.Scope.Name() != want.Scope.Name() {
			t.Errorf("RESTMapping(%v, %v): kobj %v %v %s, client-go %v %v %s", q.gk, q.versions,
				got.Resource, got.GroupVersionKind, got.Scope.Name(), want.Resource, want.GroupVersionKind, want.Scope.Name())
		}
	}
	if gvk, err := ours.KindFor(schema.GroupVersionResource{Group: group, Resource: "widgets"}); err != nil || gvk.Kind != "Widget" {
		t.Errorf("KindFor widgets: %v, %v", gvk, err)
	}
	discoveryGets := log.Matching(func(m, p, _ string) bool { return m == "GET" && (p == "/api" || p == "/apis") })
	t.Logf("kobj's mapper after the CRD was created: %d requests %v", log.Count(), log.Requests())
	if len(discoveryGets) == 0 {
		t.Errorf("kobj's mapper, warmed before the CRD existed, found its kind without fetching discovery again: %v", log.Requests())
	}

	nope := schema.GroupKind{Group: "nope-" + suffix() + ".kobj.example.com", Kind: "Nope"}
	if _, err := ours.RESTMapping(nope, "v1"); !meta.IsNoMatchError(err) {
		t.Errorf("RESTMapping of a group that does not exist: %v, want a no-match error", err)
	}
	if _, err := theirs.RESTMapping(nope, "v1"); !meta.IsNoMatchError(err) {
		t.Errorf("client-go: RESTMapping of a group that does not exist: %v, want a no-match error", err)
	}

	// controller-runtime on kobj's mapper.
	cr, err := crclient.New(cfg, crclient.Options{Mapper: ours})
	if err != nil {
		t.Fatal(err)
	}
	w := &unstructured.Unstructured{}
	w.SetAPIVersion(group + "/v1")
	w.SetKind("Widget")
	w.SetNamespace(ns)
	w.SetName("w")
	if err := unstructured.SetNestedField(w.Object, int64(2), "spec", "size"); err != nil {
		t.Fatal(err)
	}
	if err := cr.Create(ctx, w); err != nil {
		t.Fatalf("controller-runtime Create Widget: %v", err)
	}
	back := &unstructured.Unstructured{}
	back.SetGroupVersionKind(w.GroupVersionKind())
	if err := cr.Get(ctx, crclient.ObjectKeyFromObject(w), back); err != nil {
		t.Fatalf("controller-runtime Get Widget: %v", err)
	}
	if size, _, _ := unstructured.NestedInt64(back.Object, "spec", "size"); size != 2 || !strings.HasPrefix(back.GetAPIVersion(), group) {
		t.Errorf("controller-runtime Get Widget: %v", back.Object)
	}
}
