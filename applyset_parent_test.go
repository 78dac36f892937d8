package kobj_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kobj-dev/kobj"
)

// TestApplyAllPruneRefusesBeforeAnyWrite: what ApplyAll with Prune must
// refuse is refused with a ChangeSet empty and no request but reads.
func TestApplyAllPruneRefusesBeforeAnyWrite(t *testing.T) {
	parent := func() *kobj.Object { return kobj.New("v1", "ConfigMap").SetName("set").SetNamespace("shop") }
	member := func() *kobj.Object {
		return kobj.New("v1", "ConfigMap").SetName("a").SetNamespace("shop")
	}
	id := kobj.ApplySetID("", "ConfigMap", "shop", "set")
	for _, tc := range []struct {
		name     string
		live     map[string]any // the parent as stored, if any
		objs     []*kobj.Object
		opts     []kobj.ApplyAllOption
		wantErr  string
		wantIsFn func(error) bool
	}{
		{name: "nil parent", objs: []*kobj.Object{member()}, opts: []kobj.ApplyAllOption{kobj.Prune(nil)},
			wantErr: "the parent is nil"},
		{name: "parent in the set", objs: []*kobj.Object{member(), parent()}, opts: []kobj.ApplyAllOption{kobj.Prune(parent())},
			wantErr: "is also a member of the set"},
		{name: "member of another set",
			objs:    []*kobj.Object{member().SetLabel(kobj.ApplySetPartOfLabel, "applyset-other-v1")},
			opts:    []kobj.ApplyAllOption{kobj.Prune(parent())},
			wantErr: "of another ApplySet"},
		{name: "tooling without a version", objs: []*kobj.Object{member()},
			opts: []kobj.ApplyAllOption{kobj.Prune(parent()), kobj.ApplySetTooling("kubectl")}, wantErr: "want <tool name>/<version>"},
		{name: "a kind that cannot be a parent", objs: []*kobj.Object{member()},
			opts:    []kobj.ApplyAllOption{kobj.Prune(kobj.New("v1", "ServiceAccount").SetName("sa").SetNamespace("shop"))},
			wantErr: "cannot be an ApplySet parent"},
		{name: "parent of another tool", objs: []*kobj.Object{member()}, opts: []kobj.ApplyAllOption{kobj.Prune(parent())},
			live: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "set", "namespace": "shop",
				"labels":      map[string]any{kobj.ApplySetIDLabel: id},
				"annotations": map[string]any{kobj.ApplySetToolingAnnotation: "helm/v3", kobj.ApplySetGroupKindsAnnotation: ""}}},
			wantIsFn: func(err error) bool { return errors.Is(err, kobj.ErrForeignApplySet) }},
		{name: "parent without tooling", objs: []*kobj.Object{member()}, opts: []kobj.ApplyAllOption{kobj.Prune(parent())},
			live:    map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "set", "namespace": "shop"}},
			wantErr: "exists without the annotation"},
		{name: "parent with another id", objs: []*kobj.Object{member()}, opts: []kobj.ApplyAllOption{kobj.Prune(parent())},
			live: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "set", "namespace": "shop",
				"labels":      map[string]any{kobj.ApplySetIDLabel: "applyset-other-v1"},
				"annotations": map[string]any{kobj.ApplySetToolingAnnotation: kobj.DefaultApplySetTooling()}}},
			wantErr: "has label applyset.kubernetes.io/id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t, "")
			if tc.live != nil {
				f.put("/api/v1/namespaces/shop/configmaps/set", tc.live)
			}
			cs, err := f.client().ApplyAll(context.Background(), tc.objs, tc.opts...)
			switch {
			case err == nil:
				t.Fatalf("ApplyAll succeeded: %+v", cs.Changes)
			case tc.wantIsFn != nil && !tc.wantIsFn(err):
				t.Errorf("error %v: not the one wanted", err)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Errorf("error %v, want one saying %q", err, tc.wantErr)
			}
			if len(cs.Changes) != 0 {
				t.Errorf("changes %+v, want none", cs.Changes)
			}
			for _, r := range f.requests() {
				if r.Method != "GET" {
					t.Errorf("sent %s %s", r.Method, r.Path)
				}
			}
		})
	}
}
