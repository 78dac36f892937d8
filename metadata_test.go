package kobj_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kobj-dev/kobj"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
)

func TestMetadataAccessors(t *testing.T) {
	objs, err := kobj.LoadString(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  uid: u-1
  generation: 4
  finalizers: [a/b]
  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: owner, uid: u-0}]
`)
	if err != nil {
		t.Fatal(err)
	}
	d := objs[0]
	if d.UID() != "u-1" || d.Generation() != 4 || d.GroupVersionKind() != (schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}) {
		t.Errorf("UID %q, Generation %d, GVK %v", d.UID(), d.Generation(), d.GroupVersionKind())
	}
	if f := d.Finalizers(); len(f) != 1 || f[0] != "a/b" {
		t.Errorf("Finalizers = %v", f)
	}
	if refs := d.OwnerReferences(); len(refs) != 1 || refs[0].Name != "owner" {
		t.Errorf("OwnerReferences = %v", refs)
	}
	d.SetLabels(map[string]string{"a": "1"}).SetAnnotations(map[string]string{"n": "x"})
	labels := d.Labels()
	labels["b"] = "2" // a copy: the object keeps its own
	if got := d.Labels(); len(got) != 1 || got["a"] != "1" || d.Annotations()["n"] != "x" {
		t.Errorf("after SetLabels, SetAnnotations: %v %v", got, d.Annotations())
	}
	d.SetLabels(nil)
	if _, ok := d.Get("metadata.labels"); ok {
		t.Error("SetLabels(nil) left metadata.labels")
	}
}

func TestAddOwnerReference(t *testing.T) {
	owner := func(ns string) *kobj.Object {
		o := kobj.New("apps/v1", "Deployment").SetName("web").SetNamespace(ns)
		o.Set("metadata.uid", "u-"+ns)
		return o
	}
	tests := []struct {
		name       string
		obj, owner *kobj.Object
		controller bool
		wantErr    string
		wantRefs   int
	}{
		{"same namespace", kobj.New("v1", "ConfigMap").SetNamespace("shop"), owner("shop"), true, "", 1},
		{"cluster-scoped owner of a namespaced object", kobj.New("v1", "ConfigMap").SetNamespace("shop"),
			func() *kobj.Object {
				o := kobj.New("v1", "Namespace").SetName("shop")
				o.Set("metadata.uid", "u-n")
				return o
			}(), false, "", 1},
		{"another namespace", kobj.New("v1", "ConfigMap").SetNamespace("other"), owner("shop"), false, `owner apps/v1 Deployment shop/web is in namespace "shop"`, 0},
		{"namespaced owner of an object without namespace", kobj.New("rbac.authorization.k8s.io/v1", "ClusterRole"), owner("shop"), false, "cluster-scoped", 0},
		{"owner never read", kobj.New("v1", "ConfigMap"), kobj.New("v1", "ConfigMap").SetName("x"), false, "create or read it first", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.obj.Set("metadata.ownerReferences", []any{map[string]any{"apiVersion": "v1", "kind": "Secret", "name": "s", "uid": "u-s"}})
			err := tt.obj.AddOwnerReference(tt.owner, tt.controller)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				if n := len(tt.obj.OwnerReferences()); n != 1 {
					t.Errorf("a refused owner changed the references: %d", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			refs := tt.obj.OwnerReferences()
			if len(refs) != 2 || refs[0].Name != "s" {
				t.Fatalf("references %v: want the existing one kept and the owner appended", refs)
			}
			got := refs[1]
			if got.UID != tt.owner.UID() || got.Kind != tt.owner.Kind() || (got.Controller != nil && *got.Controller) != tt.controller {
				t.Errorf("reference %+v", got)
			}
			// Adding the same owner again replaces, not appends.
			if err := tt.obj.AddOwnerReference(tt.owner, tt.controller); err != nil || len(tt.obj.OwnerReferences()) != 2 {
				t.Errorf("adding the same owner twice: %v, %d references", err, len(tt.obj.OwnerReferences()))
			}
		})
	}
	t.Run("a second controller", func(t *testing.T) {
		o := kobj.New("v1", "ConfigMap").SetNamespace("shop")
		o.Set("metadata.ownerReferences", []any{map[string]any{"apiVersion": "v1", "kind": "Secret", "name": "s", "uid": "u-s", "controller": true}})
		if err := o.AddOwnerReference(owner("shop"), true); err == nil || !strings.Contains(err.Error(), "already has a controller") {
			t.Errorf("error = %v", err)
		}
	})
	var _ []metav1.OwnerReference = kobj.New("v1", "Pod").OwnerReferences()
}

// countingTransport counts the requests of an *http.Client a test hands in.
type countingTransport struct {
	n    atomic.Int32
	next http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

func TestSharedHTTPClientCarriesEveryRequest(t *testing.T) {
	f := newFakeAPI(t, "")
	f.put("/api/v1/namespaces/ns/configmaps/web", configMap("ns", "web").Map())
	ct := &countingTransport{next: http.DefaultTransport}
	c, err := kobj.NewClient(&rest.Config{Host: f.srv.URL}, kobj.CacheDir(""), kobj.WithHTTPClient(&http.Client{Transport: ct}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.WithClient(c), kobj.Named("web"), kobj.InNamespace("ns")); err != nil {
		t.Fatal(err)
	}
	dyn, err := c.Dynamic()
	if err != nil {
		t.Fatal(err)
	}
	before := ct.n.Load()
	u, err := dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}).Namespace("ns").Get(ctx, "web", metav1.GetOptions{})
	if err != nil || u.GetName() != "web" {
		t.Fatalf("dynamic Get = %v, %v", u, err)
	}
	if ct.n.Load() != before+1 || before < 2 {
		t.Errorf("requests through the shared client: %d before the dynamic Get, %d after; want discovery, the read, then the dynamic Get", before, ct.n.Load())
	}
	c.Close()
}
