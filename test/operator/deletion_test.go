package operator_test

// Deletion through the operator's flow (issue 19, behaviours 6 and 8
// with the suite's kube-controller-manager): the finalizer's cleanup runs,
// the finalizer goes, the parent goes, and the garbage collector deletes
// the children r.Apply rendered, through their ownerReferences.

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	"github.com/kobj-dev/kobj/test/internal/testkit"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// TestDeletionCascadesToChildren: a Website with a Finalizer and three
// children rendered by r.Apply is deleted: the cleanup runs while the
// Website and its children are still there, then the finalizer is
// removed, the Website goes, and the children are garbage-collected.
func TestDeletionCascadesToChildren(t *testing.T) {
	t.Parallel()
	ctx := helpContext(t, 3*time.Minute)
	c := helpClient(t, nil)
	apiVersion := helpCRD(ctx, t, c, true)
	ns := testkit.NewNamespace(t, c, "help")
	site := helpWebsite(ctx, t, c, apiVersion, ns, "web", map[string]any{"color": "blue"})
	m, err := operator.NewManager(helpClient(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	const fin = "helpers.kobj.dev/cleanup"
	var mu sync.Mutex
	var cleanups int
	var atCleanup []string // what the cleanup found
	err = m.Add(operator.For(apiVersion, "Website").Owns("v1", "ConfigMap").Owns("v1", "Secret").
		Finalizer(fin, func(ctx context.Context, r *operator.Reconcile) error {
			cms, err := m.Cache().List(ctx, "v1", "ConfigMapList", kobj.InNamespace(r.Namespace))
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			cleanups++
			atCleanup = nil
			for _, cm := range cms {
				atCleanup = append(atCleanup, cm.Name())
			}
			if !slices.Contains(r.Object.Finalizers(), fin) || r.Object.Unstructured().GetDeletionTimestamp() == nil {
				atCleanup = append(atCleanup, "not deleting with the finalizer")
			}
			return nil
		}).
		Reconcile(func(ctx context.Context, r *operator.Reconcile) (operator.Result, error) {
			if r.Object == nil {
				return operator.Result{}, nil
			}
			_, err := r.Apply(ctx, helpChildren(r)...)
			return operator.Result{}, err
		}))
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- m.Run(runCtx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	children := []*kobj.Object{
		kobj.New("v1", "ConfigMap").SetName("web-a"), kobj.New("v1", "ConfigMap").SetName("web-b"),
		kobj.New("v1", "Secret").SetName("web-secret"),
	}
	for _, ch := range children {
		ch.SetNamespace(ns).SetClient(c)
		helpWaitFor(ctx, t, c, ch.APIVersion(), ch.Kind(), ns, ch.Name(), func(o *kobj.Object, err error) bool {
			return err == nil && len(o.OwnerReferences()) == 1 && o.OwnerReferences()[0].UID == site.UID()
		})
	}
	helpWaitFor(ctx, t, c, apiVersion, "Website", ns, "web", func(o *kobj.Object, err error) bool {
		return err == nil && slices.Contains(o.Finalizers(), fin)
	})

	if _, err := site.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	helpWaitFor(ctx, t, c, apiVersion, "Website", ns, "web", func(o *kobj.Object, err error) bool { return apierrors.IsNotFound(err) })
	for _, ch := range children {
		if _, err := ch.Wait(ctx, kobj.Gone()); err != nil {
			t.Errorf("%s of the deleted Website was not collected (kube-controller-manager log: %s): %v", ch, kcm.LogPath(), err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if cleanups != 1 {
		t.Errorf("cleanup ran %d times; want 1", cleanups)
	}
	slices.Sort(atCleanup)
	if want := []string{"web-a", "web-b"}; !slices.Equal(atCleanup, want) {
		t.Errorf("the cleanup found %v; want the Website being deleted with its finalizer, and its ConfigMaps %v", atCleanup, want)
	}
}
