package kobj_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/kobj-dev/kobj"
)

// TestApplyAllRefusesABadSetBeforeAnyWrite: a set ApplyAll cannot apply
// whole is refused with an error naming the object, an empty ChangeSet,
// no panic and no request but reads.
func TestApplyAllRefusesABadSetBeforeAnyWrite(t *testing.T) {
	cm := func(name string) *kobj.Object { return kobj.New("v1", "ConfigMap").SetName(name).SetNamespace("shop") }
	shared := cm("twice")
	for _, tc := range []struct {
		name    string
		objs    []*kobj.Object
		opts    []kobj.ApplyAllOption
		wantErr string
	}{
		{name: "a nil object", objs: []*kobj.Object{cm("a"), nil}, wantErr: "object 1 is nil"},
		{name: "an object without a name", objs: []*kobj.Object{cm("a"), kobj.New("v1", "ConfigMap")}, wantErr: "object 1"},
		{name: "an object without a kind", objs: []*kobj.Object{kobj.New("v1", "").SetName("x")}, wantErr: "object 0"},
		{name: "a malformed apiVersion", objs: []*kobj.Object{kobj.New("a/b/c", "ConfigMap").SetName("x")}, wantErr: "a/b/c"},
		{name: "the same object twice", objs: []*kobj.Object{shared, shared}, wantErr: "objects 0 and 1"},
		{name: "two copies of one object", objs: []*kobj.Object{cm("a"), cm("a")}, wantErr: "objects 0 and 1"},
		{name: "a kind the server does not know", objs: []*kobj.Object{kobj.New("v1", "ConfigMapp").SetName("x")}, wantErr: "ConfigMapp"},
		{name: "a malformed depends-on", objs: []*kobj.Object{cm("a").SetAnnotation(kobj.DependsOnAnnotation, "ConfigMap")},
			wantErr: kobj.DependsOnAnnotation},
		{name: "a dependency not in the set", objs: []*kobj.Object{cm("a").SetAnnotation(kobj.DependsOnAnnotation, "/namespaces/shop/ConfigMap/b")},
			wantErr: "not in the set"},
		{name: "a Prune parent of a mistyped kind", objs: []*kobj.Object{cm("a")},
			opts: []kobj.ApplyAllOption{kobj.Prune(kobj.New("v1", "ConfigMapp").SetName("set"))}, wantErr: "ConfigMapp"},
		{name: "a Prune parent of a built-in kind", objs: []*kobj.Object{cm("a")},
			opts: []kobj.ApplyAllOption{kobj.Prune(kobj.New("apps/v1", "Deployment").SetName("set"))}, wantErr: "cannot be an ApplySet parent"},
		{name: "a cluster-scoped Prune parent with a namespace", objs: []*kobj.Object{cm("a")},
			opts: []kobj.ApplyAllOption{kobj.Prune(kobj.New("v1", "Namespace").SetName("set").SetNamespace("shop"))}, wantErr: "cluster-scoped"},
		{name: "an empty set with Prune", objs: nil,
			opts: []kobj.ApplyAllOption{kobj.Prune(cm("set"))}, wantErr: "Prune with no objects"},
		{name: "ApplySetTooling without a name", objs: []*kobj.Object{cm("a")},
			opts: []kobj.ApplyAllOption{kobj.Prune(cm("set")), kobj.ApplySetTooling("/v1")}, wantErr: "want <tool name>/<version>"},
		{name: "ApplySetTooling without a version", objs: []*kobj.Object{cm("a")},
			opts: []kobj.ApplyAllOption{kobj.Prune(cm("set")), kobj.ApplySetTooling("kobj/")}, wantErr: "want <tool name>/<version>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t, "")
			cs, err := f.client().ApplyAll(context.Background(), tc.objs, tc.opts...)
			switch {
			case err == nil:
				t.Fatalf("ApplyAll succeeded: %+v", cs.Changes)
			case !strings.Contains(err.Error(), tc.wantErr):
				t.Errorf("error %v, want one saying %q", err, tc.wantErr)
			}
			if cs == nil || len(cs.Changes) != 0 {
				t.Errorf("ChangeSet %+v, want an empty one", cs)
			}
			for _, r := range f.requests() {
				if r.Method != "GET" {
					t.Errorf("sent %s %s", r.Method, r.Path)
				}
			}
		})
	}
}

// TestSetRefusalNamesTheMissingField: an object of a set (or a Prune
// parent) that lacks part of its identity is refused with an error that
// names exactly what is missing, as Apply's does, not "apiVersion, kind or
// name" whatever is missing.
func TestSetRefusalNamesTheMissingField(t *testing.T) {
	cm := kobj.New("v1", "ConfigMap").SetName("a").SetNamespace("shop")
	generated := kobj.New("v1", "ConfigMap")
	if err := generated.Set("metadata.generateName", "gen-"); err != nil {
		t.Fatal(err)
	}
	applyAll := func(objs []*kobj.Object, opts ...kobj.ApplyAllOption) func(*kobj.Client) error {
		return func(c *kobj.Client) error {
			_, err := c.ApplyAll(context.Background(), objs, opts...)
			return err
		}
	}
	for _, tc := range []struct {
		name string
		run  func(*kobj.Client) error
		want string // the error's end
	}{
		{"no name", applyAll([]*kobj.Object{cm, kobj.New("v1", "ConfigMap")}),
			"object 1 (v1 ConfigMap) has no name"},
		{"only generateName", applyAll([]*kobj.Object{generated}),
			`object 0 (v1 ConfigMap) has no name (only metadata.generateName "gen-")`},
		{"no kind", applyAll([]*kobj.Object{kobj.New("v1", "").SetName("x")}),
			"has no kind"},
		{"no apiVersion", applyAll([]*kobj.Object{kobj.New("", "ConfigMap").SetName("x")}),
			"has no apiVersion"},
		{"no apiVersion nor kind", applyAll([]*kobj.Object{kobj.New("", "").SetName("x")}),
			"has no apiVersion and no kind"},
		{"nothing", applyAll([]*kobj.Object{kobj.New("", "")}),
			"has no apiVersion, no kind and no name"},
		{"a Prune parent without a name", applyAll([]*kobj.Object{cm}, kobj.Prune(kobj.New("v1", "ConfigMap"))),
			"Prune: the parent v1 ConfigMap has no name"},
		{"a Prune parent without a kind", applyAll([]*kobj.Object{cm}, kobj.Prune(kobj.New("v1", "").SetName("set"))),
			"has no kind"},
		{"a nil Prune parent", applyAll([]*kobj.Object{cm}, kobj.Prune(nil)),
			"Prune: the parent is nil"},
		{"DeleteAll, no name", func(c *kobj.Client) error {
			return c.DeleteAll(context.Background(), []*kobj.Object{kobj.New("v1", "ConfigMap")})
		}, "object 0 (v1 ConfigMap) has no name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t, "")
			err := tc.run(f.client())
			if err == nil || !strings.HasSuffix(err.Error(), tc.want) {
				t.Errorf("error %v, want one ending %q", err, tc.want)
			}
		})
	}
}

// servedConfigMap is ConfigMap name in shop as the server holds it after
// manager "kobj-test" applied data {k: v}.
func servedConfigMap(name string) map[string]any {
	return map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": name, "namespace": "shop", "managedFields": []any{map[string]any{
			"manager": "kobj-test", "operation": "Apply", "apiVersion": "v1", "fieldsType": "FieldsV1",
			"fieldsV1": map[string]any{"f:data": map[string]any{"f:k": map[string]any{}}}}}},
		"data": map[string]any{"k": "v"}}
}

// TestApplyAllUnchangedObjectsShareNothing: objects read with one LIST
// and applied concurrently end up each with its own content, and a set
// applied again sends no write.
func TestApplyAllUnchangedObjectsShareNothing(t *testing.T) {
	f := newFakeAPI(t, "")
	var objs []*kobj.Object
	for i := range 6 {
		name := fmt.Sprintf("cm%d", i)
		f.put("/api/v1/namespaces/shop/configmaps/"+name, servedConfigMap(name))
		objs = append(objs, kobj.New("v1", "ConfigMap").SetName(name).SetNamespace("shop"))
		if err := objs[i].Set("data", map[string]any{"k": "v"}); err != nil {
			t.Fatal(err)
		}
	}
	f.requests()
	cs, err := f.client().ApplyAll(context.Background(), objs, kobj.FieldManager("kobj-test"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range f.requests() {
		if r.Method != http.MethodGet {
			t.Errorf("an unchanged set sent %s %s", r.Method, r.Path)
		}
	}
	if len(cs.Changes) != len(objs) {
		t.Fatalf("%d changes, want %d", len(cs.Changes), len(objs))
	}
	for i, ch := range cs.Changes {
		if ch.Object != objs[i] || ch.Action != kobj.Unchanged || ch.Err != nil {
			t.Errorf("change %d: %s %s %v, want %s Unchanged", i, ch.Object, ch.Action, ch.Err, objs[i])
		}
		if uid, _ := ch.Object.GetString("metadata.uid"); uid == "" {
			t.Errorf("%s: not updated from the server's copy", ch.Object)
		}
	}
	// Each object holds its own maps: writing one, concurrently, leaves the others.
	var wg sync.WaitGroup
	for i, o := range objs {
		wg.Go(func() {
			if err := o.Set("data.k", fmt.Sprint(i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for i, o := range objs {
		if got, _ := o.GetString("data.k"); got != fmt.Sprint(i) {
			t.Errorf("%s: data.k = %q, want %q", o, got, fmt.Sprint(i))
		}
	}
}

// TestApplyAllCancelledMidSet: a context cancelled during a stage fails
// the set with a Change for each object, and with Prune prunes nothing.
func TestApplyAllCancelledMidSet(t *testing.T) {
	f := newFakeAPI(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.put("/api/v1/namespaces/shop/configmaps/stale", map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "stale", "namespace": "shop",
			"labels": map[string]any{kobj.ApplySetPartOfLabel: kobj.ApplySetID("", "Secret", "shop", "set")}}})
	f.put("/api/v1/namespaces/shop/secrets/set", map[string]any{"apiVersion": "v1", "kind": "Secret",
		"metadata": map[string]any{"name": "set", "namespace": "shop",
			"labels":      map[string]any{kobj.ApplySetIDLabel: kobj.ApplySetID("", "Secret", "shop", "set")},
			"annotations": map[string]any{kobj.ApplySetToolingAnnotation: kobj.DefaultApplySetTooling(), kobj.ApplySetGroupKindsAnnotation: "ConfigMap"}}})
	var objs []*kobj.Object
	for i := range 3 {
		name := fmt.Sprintf("cm%d", i)
		f.put("/api/v1/namespaces/shop/configmaps/"+name, map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": name, "namespace": "shop"}})
		objs = append(objs, kobj.New("v1", "ConfigMap").SetName(name).SetNamespace("shop"))
	}
	f.intercept = func(w http.ResponseWriter, r *recorded) bool {
		if r.Method == http.MethodPatch && r.Path == "/api/v1/namespaces/shop/configmaps/cm1" {
			cancel()
			writeStatus(w, 500, "InternalError", "cancelled")
			return true
		}
		return false
	}
	cs, err := f.client().ApplyAll(ctx, objs, kobj.Prune(kobj.New("v1", "Secret").SetName("set").SetNamespace("shop")))
	if err == nil {
		t.Fatal("ApplyAll succeeded")
	}
	for _, ch := range cs.Changes {
		if ch.Action == kobj.Pruned {
			t.Errorf("pruned %s after a failed apply", ch.Object)
		}
	}
	if len(cs.Changes) != len(objs) {
		t.Errorf("%d changes, want one per object: %+v", len(cs.Changes), cs.Changes)
	}
	for _, r := range f.requests() {
		if r.Method == http.MethodDelete {
			t.Errorf("deleted %s after a failed apply", r.Path)
		}
	}
}
