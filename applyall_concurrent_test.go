package kobj_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/kobj-dev/kobj"
)

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
