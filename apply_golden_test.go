package kobj_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
)

// serveApply makes the fake answer every apply patch with its body, as if
// the server had stored it at resourceVersion "5".
func serveApply(f *fakeAPI) {
	f.intercept = func(w http.ResponseWriter, r *recorded) bool {
		if r.Method != "PATCH" || r.ContentType != "application/apply-patch+yaml" {
			return false
		}
		var m map[string]any
		if json.Unmarshal([]byte(r.Body), &m) != nil {
			writeStatus(w, 400, "BadRequest", "not JSON")
			return true
		}
		m["metadata"].(map[string]any)["resourceVersion"] = "5"
		writeJSON(w, 200, m)
		return true
	}
}

// TestApplyRequests is the golden test of what Apply and ApplyStatus send.
func TestApplyRequests(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		clientOpts []kobj.ClientOption
		setup      func(f *fakeAPI)
		call       func(c *kobj.Client) error
		want       []recorded
	}{
		{"a new object under the default manager, less server-only fields and status",
			nil, nil,
			func(c *kobj.Client) error {
				o := configMap("shop", "web")
				o.Set("metadata.uid", "u")
				o.Set("metadata.resourceVersion", "3")
				o.Set("metadata.managedFields", []any{map[string]any{"manager": "x"}})
				o.Set("status.s", "1")
				_, err := o.Apply(ctx, kobj.WithClient(c))
				return err
			},
			[]recorded{{Method: "PATCH", Path: "/api/v1/namespaces/shop/configmaps/web", Query: "fieldManager=kobj",
				ContentType: "application/apply-patch+yaml",
				Body:        `{"apiVersion":"v1","data":{"a":"1"},"kind":"ConfigMap","metadata":{"name":"web","namespace":"shop"}}`}}},
		{"every option in the query",
			nil, nil,
			func(c *kobj.Client) error {
				_, err := configMap("shop", "web").Apply(ctx, kobj.WithClient(c), kobj.FieldManager("deployer"), kobj.Force(),
					kobj.DryRun(), kobj.FieldValidation("Strict"))
				return err
			},
			[]recorded{{Method: "PATCH", Path: "/api/v1/namespaces/shop/configmaps/web",
				Query: "dryRun=All&fieldManager=deployer&fieldValidation=Strict&force=true", ContentType: "application/apply-patch+yaml",
				Body: `{"apiVersion":"v1","data":{"a":"1"},"kind":"ConfigMap","metadata":{"name":"web","namespace":"shop"}}`}}},
		{"the client's default field manager; name and namespace by option, namespace from the client",
			[]kobj.ClientOption{kobj.DefaultFieldManager("ci"), kobj.DefaultNamespace("dev")}, nil,
			func(c *kobj.Client) error {
				o := kobj.New("v1", "ConfigMap")
				o.Set("data.a", "1")
				_, err := o.Apply(ctx, kobj.WithClient(c), kobj.Named("web"))
				return err
			},
			[]recorded{{Method: "PATCH", Path: "/api/v1/namespaces/dev/configmaps/web", Query: "fieldManager=ci",
				ContentType: "application/apply-patch+yaml",
				Body:        `{"apiVersion":"v1","data":{"a":"1"},"kind":"ConfigMap","metadata":{"name":"web","namespace":"dev"}}`}}},
		{"read then changed: only the manager's fields and the change",
			nil,
			func(f *fakeAPI) {
				f.put("/api/v1/namespaces/shop/configmaps/web", map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
					"metadata": map[string]any{"name": "web", "namespace": "shop", "managedFields": []any{
						map[string]any{"manager": "me", "operation": "Apply", "fieldsV1": map[string]any{"f:data": map[string]any{"f:mine": map[string]any{}}}},
						map[string]any{"manager": "other", "operation": "Apply", "fieldsV1": map[string]any{"f:data": map[string]any{"f:theirs": map[string]any{}}}},
					}},
					"data": map[string]any{"mine": "1", "theirs": "2"}})
			},
			func(c *kobj.Client) error {
				o, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.WithClient(c), kobj.Named("web"), kobj.InNamespace("shop"))
				if err != nil {
					return err
				}
				o.Set("data.added", "3")
				_, err = o.Apply(ctx, kobj.WithClient(c), kobj.FieldManager("me"))
				return err
			},
			[]recorded{{Method: "GET", Path: "/api/v1/namespaces/shop/configmaps/web"},
				{Method: "PATCH", Path: "/api/v1/namespaces/shop/configmaps/web", Query: "fieldManager=me",
					ContentType: "application/apply-patch+yaml",
					Body:        `{"apiVersion":"v1","data":{"added":"3","mine":"1"},"kind":"ConfigMap","metadata":{"name":"web","namespace":"shop"}}`}}},
		{"status to the status subresource, status only",
			nil, nil,
			func(c *kobj.Client) error {
				o := kobj.New("v1", "Pod").SetName("p").SetNamespace("ns")
				o.Set("spec.nodeName", "n1")
				o.Set("status.phase", "Running")
				_, err := o.ApplyStatus(ctx, kobj.WithClient(c), kobj.FieldManager("kubelet"))
				return err
			},
			[]recorded{{Method: "PATCH", Path: "/api/v1/namespaces/ns/pods/p/status", Query: "fieldManager=kubelet",
				ContentType: "application/apply-patch+yaml",
				Body:        `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns"},"status":{"phase":"Running"}}`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, "")
			serveApply(f)
			if tt.setup != nil {
				tt.setup(f)
			}
			if err := tt.call(f.client(tt.clientOpts...)); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, f.requests()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

// TestApplyAdoptsTheAnswer checks that Apply updates the object in place
// from the server's answer, and that a dry run leaves it alone.
func TestApplyAdoptsTheAnswer(t *testing.T) {
	ctx := context.Background()
	f := newFakeAPI(t, "")
	serveApply(f)
	c := f.client()
	o := configMap("shop", "web")
	dry, err := o.Apply(ctx, kobj.WithClient(c), kobj.DryRun())
	if err != nil {
		t.Fatal(err)
	}
	if dry == o || o.ResourceVersion() != "" || dry.ResourceVersion() != "5" {
		t.Errorf("dry run: o rv %q, answer rv %q, same object %v; want o untouched and a new answer at 5",
			o.ResourceVersion(), dry.ResourceVersion(), dry == o)
	}
	got, err := o.Apply(ctx, kobj.WithClient(c))
	if err != nil {
		t.Fatal(err)
	}
	if got != o || o.ResourceVersion() != "5" {
		t.Errorf("apply: returned the same object %v, rv %q; want o itself at 5", got == o, o.ResourceVersion())
	}
}

// TestApplyConflict checks the error of a 409 with FieldManagerConflict
// causes, and that another 409 stays the server's own error.
func TestApplyConflict(t *testing.T) {
	ctx := context.Background()
	f := newFakeAPI(t, "")
	f.intercept = func(w http.ResponseWriter, r *recorded) bool {
		if r.Method != "PATCH" {
			return false
		}
		if strings.Contains(r.Path, "/stale") {
			writeStatus(w, 409, "Conflict", "the object has been modified")
			return true
		}
		writeJSON(w, 409, map[string]any{"apiVersion": "v1", "kind": "Status", "status": "Failure", "reason": "Conflict", "code": 409,
			"message": `Apply failed with 2 conflicts: conflicts with "a":` + "\n- .data.k\nconflicts with \"b\" using v1:\n- .data.j",
			"details": map[string]any{"causes": []any{
				map[string]any{"reason": "FieldManagerConflict", "message": `conflict with "a"`, "field": ".data.k"},
				map[string]any{"reason": "FieldManagerConflict", "message": `conflict with "b" using v1`, "field": ".data.j"},
			}}})
		return true
	}
	c := f.client()
	_, err := configMap("shop", "web").Apply(ctx, kobj.WithClient(c), kobj.FieldManager("me"))
	var ace *kobj.ApplyConflictError
	if !errors.As(err, &ace) {
		t.Fatalf("error %v (%T), want an *kobj.ApplyConflictError", err, err)
	}
	want := []kobj.FieldConflict{{Manager: "a", Field: ".data.k", Message: `conflict with "a"`},
		{Manager: "b", Field: ".data.j", Message: `conflict with "b" using v1`}}
	if diff := cmp.Diff(want, ace.Conflicts); diff != "" {
		t.Errorf("conflicts (-want +got):\n%s", diff)
	}
	if !apierrors.IsConflict(err) {
		t.Errorf("apierrors.IsConflict(%v) = false", err)
	}
	var se *apierrors.StatusError
	if !errors.As(err, &se) || se.ErrStatus.Code != 409 {
		t.Errorf("errors.As(*StatusError) did not find the server's 409 in %v", err)
	}
	for _, way := range []string{"kobj.Force()", "remove the fields", "co-own"} {
		if !strings.Contains(err.Error(), way) {
			t.Errorf("error text lacks %q:\n%s", way, err)
		}
	}
	_, err = configMap("shop", "stale").Apply(ctx, kobj.WithClient(c))
	if errors.As(err, &ace) || !apierrors.IsConflict(err) {
		t.Errorf("a 409 without conflict causes: error %v (%T), want the server's Conflict as is", err, err)
	}
}

// TestApplyBadInputSendsNothing checks what Apply refuses before any
// request, and what each error says.
func TestApplyBadInputSendsNothing(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		call func(c *kobj.Client) error
		want string
	}{
		{"no name", func(c *kobj.Client) error {
			_, err := kobj.New("v1", "ConfigMap").Apply(ctx, kobj.WithClient(c))
			return err
		}, "no name"},
		{"generateName", func(c *kobj.Client) error {
			o := kobj.New("v1", "ConfigMap")
			o.Set("metadata.generateName", "web-")
			_, err := o.Apply(ctx, kobj.WithClient(c))
			return err
		}, `metadata.generateName "web-" cannot be applied`},
		{"kind List", func(c *kobj.Client) error {
			o := kobj.New("v1", "List").SetName("x")
			o.Set("items", []any{})
			_, err := o.Apply(ctx, kobj.WithClient(c))
			return err
		}, "List is a list kind"},
		{"a typed list kind", func(c *kobj.Client) error {
			_, err := kobj.New("v1", "ConfigMapList").SetName("x").Apply(ctx, kobj.WithClient(c))
			return err
		}, "ConfigMapList is a list kind"},
		{"namespace for a cluster-scoped kind", func(c *kobj.Client) error {
			_, err := kobj.New("v1", "Namespace").SetName("x").SetNamespace("ns").Apply(ctx, kobj.WithClient(c))
			return err
		}, `Namespace is cluster-scoped, but namespace "ns" was given`},
		{"empty field manager", func(c *kobj.Client) error {
			_, err := configMap("ns", "web").Apply(ctx, kobj.WithClient(c), kobj.FieldManager(""))
			return err
		}, `FieldManager(""): an apply needs a field manager`},
		{"field manager too long", func(c *kobj.Client) error {
			_, err := configMap("ns", "web").Apply(ctx, kobj.WithClient(c), kobj.FieldManager(strings.Repeat("m", 129)))
			return err
		}, "at most 128 bytes"},
		{"status of a kind without a status subresource", func(c *kobj.Client) error {
			_, err := configMap("ns", "web").ApplyStatus(ctx, kobj.WithClient(c))
			return err
		}, "has no status subresource"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, "")
			err := tt.call(f.client())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
			if n := strings.Count(err.Error(), "kobj:"); n != 1 {
				t.Errorf("error %q says kobj: %d times, want once", err, n)
			}
			if reqs := f.requests(); len(reqs) != 0 {
				t.Errorf("bad input sent %v", reqs)
			}
		})
	}
}

// TestDefaultFieldManagerIsChecked checks that NewClient refuses a default
// field manager that no apply could use.
func TestDefaultFieldManagerIsChecked(t *testing.T) {
	f := newFakeAPI(t, "")
	for _, name := range []string{"", strings.Repeat("m", 129), "a\nb"} {
		_, err := kobj.NewClient(&rest.Config{Host: f.srv.URL}, kobj.DefaultFieldManager(name))
		if err == nil || !strings.Contains(err.Error(), "DefaultFieldManager") {
			t.Errorf("DefaultFieldManager(%q): error %v, want one naming the option", name, err)
		}
	}
}

// The options Apply and ApplyStatus take; a change that drops one does not
// compile.
var _ = []kobj.ApplyOption{kobj.WithClient(nil), kobj.Named("n"), kobj.InNamespace("ns"), kobj.DryRun(),
	kobj.FieldManager("m"), kobj.FieldValidation("Strict"), kobj.Force()}
