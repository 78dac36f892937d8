package kobj_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kobj-dev/kobj"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func configMap(ns, name string) *kobj.Object {
	o := kobj.New("v1", "ConfigMap").SetName(name)
	if ns != "" {
		o.SetNamespace(ns)
	}
	o.Set("data.a", "1")
	return o
}

// TestCRUDRequests is the golden test of what each verb sends: method,
// path, query, content type and body, as client-go's dynamic golden tests
// check them.
func TestCRUDRequests(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		setup func(f *fakeAPI)
		call  func(c *kobj.Client) error
		want  []recorded
	}{
		{"create with options in the query",
			nil,
			func(c *kobj.Client) error {
				_, err := configMap("shop", "web").Create(ctx, kobj.WithClient(c), kobj.DryRun(), kobj.FieldManager("me"), kobj.FieldValidation("Strict"))
				return err
			},
			[]recorded{{Method: "POST", Path: "/api/v1/namespaces/shop/configmaps", Query: "dryRun=All&fieldManager=me&fieldValidation=Strict",
				ContentType: "application/json", Body: `{"apiVersion":"v1","data":{"a":"1"},"kind":"ConfigMap","metadata":{"name":"web","namespace":"shop"}}`}}},
		{"create takes the name and namespace from options",
			nil,
			func(c *kobj.Client) error {
				o := kobj.New("v1", "ConfigMap")
				_, err := o.Create(ctx, kobj.WithClient(c), kobj.Named("n"), kobj.InNamespace("ns"))
				return err
			},
			[]recorded{{Method: "POST", Path: "/api/v1/namespaces/ns/configmaps", ContentType: "application/json",
				Body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"n"}}`}}},
		{"read of a namespaced kind without namespace uses the client's default",
			func(f *fakeAPI) {
				f.put("/api/v1/namespaces/default/configmaps/web", configMap("default", "web").Map())
			},
			func(c *kobj.Client) error {
				_, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.WithClient(c), kobj.Named("web"))
				return err
			},
			[]recorded{{Method: "GET", Path: "/api/v1/namespaces/default/configmaps/web"}}},
		{"read at a resourceVersion",
			func(f *fakeAPI) {
				f.put("/api/v1/namespaces/default/configmaps/web", configMap("default", "web").Map())
			},
			func(c *kobj.Client) error {
				_, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.WithClient(c), kobj.Named("web"), kobj.AtResourceVersion("0"))
				return err
			},
			[]recorded{{Method: "GET", Path: "/api/v1/namespaces/default/configmaps/web", Query: "resourceVersion=0"}}},
		{"list with selectors and a page size",
			nil,
			func(c *kobj.Client) error {
				_, err := kobj.New("v1", "ConfigMapList").Read(ctx, kobj.WithClient(c), kobj.InNamespace("ns"),
					kobj.LabelSelector("app=web"), kobj.FieldSelector("metadata.name=x"), kobj.Limit(2))
				return err
			},
			[]recorded{{Method: "GET", Path: "/api/v1/namespaces/ns/configmaps", Query: "fieldSelector=metadata.name%3Dx&labelSelector=app%3Dweb&limit=2"}}},
		{"list across namespaces",
			nil,
			func(c *kobj.Client) error {
				_, err := kobj.New("v1", "ConfigMapList").Read(ctx, kobj.WithClient(c), kobj.AllNamespaces())
				return err
			},
			[]recorded{{Method: "GET", Path: "/api/v1/configmaps"}}},
		{"a kind ending in List that the server serves is read as an object",
			func(f *fakeAPI) {
				f.put("/apis/example.com/v1/namespaces/ns/allowlists/a", map[string]any{"apiVersion": "example.com/v1", "kind": "AllowList", "metadata": map[string]any{"name": "a"}})
			},
			func(c *kobj.Client) error {
				_, err := kobj.New("example.com/v1", "AllowList").Read(ctx, kobj.WithClient(c), kobj.Named("a"), kobj.InNamespace("ns"))
				return err
			},
			[]recorded{{Method: "GET", Path: "/apis/example.com/v1/namespaces/ns/allowlists/a"}}},
		{"update clearing a field sends null with the resourceVersion",
			func(f *fakeAPI) { f.put("/api/v1/namespaces/ns/configmaps/web", configMap("ns", "web").Map()) },
			func(c *kobj.Client) error {
				o, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.WithClient(c), kobj.Named("web"), kobj.InNamespace("ns"))
				if err != nil {
					return err
				}
				o.Remove("data.a")
				o.SetLabel("x", "y")
				_, err = o.Update(ctx, kobj.WithClient(c), kobj.FieldManager("me"))
				return err
			},
			[]recorded{{Method: "GET", Path: "/api/v1/namespaces/ns/configmaps/web"},
				{Method: "PATCH", Path: "/api/v1/namespaces/ns/configmaps/web", Query: "fieldManager=me", ContentType: "application/merge-patch+json",
					Body: `{"data":{"a":null},"metadata":{"labels":{"x":"y"},"resourceVersion":"1"}}`}}},
		{"delete with every option in DeleteOptions",
			func(f *fakeAPI) { f.put("/api/v1/namespaces/ns/configmaps/web", configMap("ns", "web").Map()) },
			func(c *kobj.Client) error {
				_, err := kobj.New("v1", "ConfigMap").Delete(ctx, kobj.WithClient(c), kobj.Named("web"), kobj.InNamespace("ns"),
					kobj.PropagationPolicy(metav1.DeletePropagationForeground), kobj.GracePeriod(1500*time.Millisecond),
					kobj.Preconditions{UID: "u1", ResourceVersion: "7"}, kobj.DryRun())
				return err
			},
			[]recorded{{Method: "DELETE", Path: "/api/v1/namespaces/ns/configmaps/web", ContentType: "application/json",
				Body: `{"kind":"DeleteOptions","apiVersion":"v1","gracePeriodSeconds":2,"preconditions":{"uid":"u1","resourceVersion":"7"},"propagationPolicy":"Foreground","dryRun":["All"]}`}}},
		{"a sub-second grace period rounds up, never to 0",
			func(f *fakeAPI) { f.put("/api/v1/namespaces/ns/configmaps/web", configMap("ns", "web").Map()) },
			func(c *kobj.Client) error {
				_, err := kobj.New("v1", "ConfigMap").Delete(ctx, kobj.WithClient(c), kobj.Named("web"), kobj.InNamespace("ns"), kobj.GracePeriod(500*time.Millisecond))
				return err
			},
			[]recorded{{Method: "DELETE", Path: "/api/v1/namespaces/ns/configmaps/web", ContentType: "application/json",
				Body: `{"kind":"DeleteOptions","apiVersion":"v1","gracePeriodSeconds":1}`}}},
		{"cluster-scoped kind has no namespace in its path",
			func(f *fakeAPI) {
				f.put("/api/v1/namespaces/team", map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "team"}})
			},
			func(c *kobj.Client) error {
				_, err := kobj.New("v1", "Namespace").Read(ctx, kobj.WithClient(c), kobj.Named("team"))
				return err
			},
			[]recorded{{Method: "GET", Path: "/api/v1/namespaces/team"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, "")
			if tt.setup != nil {
				tt.setup(f)
			}
			if err := tt.call(f.client()); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, f.requests()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBadInputSendsNothing checks that input a call can judge by itself
// fails before any request, with an error that says what is wrong.
func TestBadInputSendsNothing(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		call func(c *kobj.Client) error
		want string
	}{
		{"negative grace period", func(c *kobj.Client) error {
			_, err := configMap("ns", "web").Delete(ctx, kobj.WithClient(c), kobj.GracePeriod(-time.Second))
			return err
		}, "GracePeriod(-1s): a grace period cannot be negative"},
		{"unknown field validation", func(c *kobj.Client) error {
			_, err := configMap("ns", "web").Create(ctx, kobj.WithClient(c), kobj.FieldValidation("strict"))
			return err
		}, `FieldValidation("strict"): want Strict, Warn or Ignore`},
		{"empty preconditions", func(c *kobj.Client) error {
			_, err := configMap("ns", "web").Delete(ctx, kobj.WithClient(c), kobj.Preconditions{})
			return err
		}, "neither UID nor ResourceVersion"},
		{"name that cannot be a path segment", func(c *kobj.Client) error {
			_, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.WithClient(c), kobj.Named(".."), kobj.InNamespace("ns"))
			return err
		}, `invalid name "..": may not be '..'`},
		{"namespace that disagrees with metadata", func(c *kobj.Client) error {
			_, err := configMap("a", "web").Create(ctx, kobj.WithClient(c), kobj.InNamespace("b"))
			return err
		}, `namespace "b" given by option, but metadata.namespace is "a"`},
		{"namespace for a cluster-scoped kind", func(c *kobj.Client) error {
			_, err := kobj.New("v1", "Namespace").Read(ctx, kobj.WithClient(c), kobj.Named("x"), kobj.InNamespace("ns"))
			return err
		}, `Namespace is cluster-scoped, but namespace "ns" was given`},
		{"bad label selector", func(c *kobj.Client) error {
			_, err := kobj.New("v1", "ConfigMapList").Read(ctx, kobj.WithClient(c), kobj.LabelSelector("app in (web"))
			return err
		}, `LabelSelector("app in (web")`},
		{"list options on an object", func(c *kobj.Client) error {
			_, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.WithClient(c), kobj.Named("x"), kobj.Limit(3))
			return err
		}, "apply to lists; ConfigMap is not a list kind"},
		{"negative limit", func(c *kobj.Client) error {
			_, err := kobj.New("v1", "ConfigMapList").Read(ctx, kobj.WithClient(c), kobj.Limit(-1))
			return err
		}, "Limit(-1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, "")
			err := tt.call(f.client())
			if err == nil || !contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
			if n := countPrefix(err.Error()); n != 1 {
				t.Errorf("error %q says kobj: %d times, want once", err, n)
			}
			if reqs := f.requests(); len(reqs) != 0 {
				t.Errorf("bad input sent %v", reqs)
			}
		})
	}
}
