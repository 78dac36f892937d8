package operator

import (
	"context"
	"strings"
	"testing"

	"github.com/kobj-dev/kobj"
)

// finalizeOrAdd does nothing, and sends nothing, for a controller without
// a finalizer or a reconcile without an object; AddFinalizer and
// RemoveFinalizer refuse bad input before any request (the objects here
// have no client: any request would fail differently).
func TestFinalizerNoOpsAndBadInput(t *testing.T) {
	ctx := context.Background()
	obj := kobj.New("v1", "ConfigMap").SetName("c").SetNamespace("ns")
	for _, r := range []*Reconcile{
		{Object: obj, ctl: &controller{}},
		{ctl: &controller{finalizer: "x.io/f"}},
	} {
		if handled, err := r.finalizeOrAdd(ctx); handled || err != nil {
			t.Errorf("finalizeOrAdd = %v, %v; want false, nil", handled, err)
		}
	}
	listed := obj.DeepCopy()
	listed.Unstructured().SetFinalizers([]string{"x.io/f"})
	listed.Unstructured().SetResourceVersion("3")
	deleting := listed.DeepCopy()
	_ = deleting.Set("metadata.deletionTimestamp", "2026-01-01T00:00:00Z")
	cases := []struct {
		name string
		call func() (bool, error)
		want string // "" = false, nil
	}{
		{"add nil", func() (bool, error) { return AddFinalizer(ctx, nil, "x.io/f") }, "nil object"},
		{"add empty", func() (bool, error) { return AddFinalizer(ctx, listed, "") }, "empty finalizer name"},
		{"add unread", func() (bool, error) { return AddFinalizer(ctx, obj, "x.io/f") }, "has no resourceVersion"},
		{"remove unread", func() (bool, error) { return RemoveFinalizer(ctx, obj, "x.io/f") }, "has no resourceVersion"},
		{"add to a deleting object", func() (bool, error) { return AddFinalizer(ctx, deleting, "x.io/g") }, "is being deleted"},
		{"add listed", func() (bool, error) { return AddFinalizer(ctx, listed, "x.io/f") }, ""},
		{"remove absent", func() (bool, error) { return RemoveFinalizer(ctx, listed, "x.io/g") }, ""},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			changed, err := tt.call()
			if tt.want == "" && (changed || err != nil) || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("= %v, %v; want %q", changed, err, tt.want)
			}
		})
	}
}
