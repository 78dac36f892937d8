package operator_test

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	"github.com/kobj-dev/kobj/test/internal/testkit"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// ctrlEventually polls cond until it holds, failing the test when ctx
// ends first.
func ctrlEventually(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestControllerFinalizerApplyConditions runs the helpers' hooks through
// the controller loop: the finalizer is added before the first reconcile,
// r.Apply's child and r.SetCondition's condition are written, and on
// deletion the finalizer function runs instead of the reconcile, after
// which the object goes.
func TestControllerFinalizerApplyConditions(t *testing.T) {
	t.Parallel()
	ctx := ctrlContext(t, 2*time.Minute)
	c := ctrlClient(t)
	apiVersion := ctrlCRD(t, c)
	ns := testkit.NewNamespace(t, c, "ctrl")
	const finalizer = "ctrl.kobj.test/cleanup"
	var finalized, reconciledDeleting atomic.Int32

	m, err := operator.NewManager(c)
	if err != nil {
		t.Fatal(err)
	}
	err = m.Add(operator.For(apiVersion, "Widget").Owns("v1", "ConfigMap").
		Finalizer(finalizer, func(ctx context.Context, r *operator.Reconcile) error {
			finalized.Add(1)
			return nil
		}).
		Reconcile(func(ctx context.Context, r *operator.Reconcile) (operator.Result, error) {
			if r.Object == nil {
				return operator.Result{}, nil
			}
			if _, deleting := r.Object.Get("metadata.deletionTimestamp"); deleting {
				reconciledDeleting.Add(1)
			}
			child := kobj.New("v1", "ConfigMap").SetName(r.Name + "-child")
			_ = child.Set("data.size", fmt.Sprint(ctrlSize(r.Object)))
			if _, err := r.Apply(ctx, child); err != nil {
				return operator.Result{}, err
			}
			r.SetCondition("Ready", "True", "Applied", "the child is applied")
			return operator.Result{}, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	ctrlRun(t, m)

	w := ctrlWidget(t, c, apiVersion, ns, "w", 3)
	ctrlEventually(t, ctx, "the finalizer, the child and the condition", func() bool {
		if _, err := w.Read(ctx); err != nil {
			t.Fatal(err)
		}
		conds, _ := w.GetSlice("status.conditions")
		ready := false
		for _, cond := range conds {
			m, _ := cond.(map[string]any)
			ready = ready || m["type"] == "Ready" && m["status"] == "True"
		}
		child, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.Named("w-child"), kobj.InNamespace(ns), kobj.WithClient(c))
		owned := err == nil && len(child.OwnerReferences()) == 1 && child.OwnerReferences()[0].UID == w.UID()
		return ready && owned && slices.Contains(w.Finalizers(), finalizer)
	})

	if _, err := w.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	ctrlEventually(t, ctx, "the Widget to go", func() bool {
		_, err := w.Read(ctx)
		return apierrors.IsNotFound(err)
	})
	if finalized.Load() < 1 {
		t.Error("the finalizer function did not run")
	}
	if reconciledDeleting.Load() != 0 {
		t.Errorf("the reconcile ran %d times on the object being deleted (the finalizer should have)", reconciledDeleting.Load())
	}
}
