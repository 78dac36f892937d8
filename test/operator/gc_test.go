package operator_test

import (
	"context"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/test/internal/testkit"
)

// The suite's kube-controller-manager collects a child whose owner is
// deleted: the premise of the operator tests of cascading deletion.
func TestControlPlaneCollectsGarbage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := kobj.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ns := testkit.NewNamespace(t, c, "gc")
	owner, err := kobj.New("v1", "ConfigMap").SetName("owner").SetNamespace(ns).SetClient(c).Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	child := kobj.New("v1", "ConfigMap").SetName("child").SetNamespace(ns).SetClient(c)
	if err := child.AddOwnerReference(owner, true); err != nil {
		t.Fatal(err)
	}
	if _, err := child.Create(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := child.Wait(ctx, kobj.Gone()); err != nil {
		t.Fatalf("the child of a deleted owner was not collected (kube-controller-manager log: %s): %v", kcm.LogPath(), err)
	}
}
