package operator_test

// Tests of AddFinalizer/RemoveFinalizer and of the controller's finalizer
// (issue 19, behaviour 8).

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	"github.com/kobj-dev/kobj/test/internal/testkit"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// helpFinalizedConfigMap creates a ConfigMap whose finalizers are cleared
// at the end of the test, so that its namespace can go.
func helpFinalizedConfigMap(ctx context.Context, t *testing.T, c *kobj.Client, ns string) *kobj.Object {
	t.Helper()
	cm := helpConfigMap("guarded", map[string]any{"k": "v"}).SetNamespace(ns).SetClient(c)
	if _, err := cm.Create(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		o, err := helpRead(ctx, t, c, "v1", "ConfigMap", ns, cm.Name())
		if err == nil {
			_, _ = o.Edit(ctx, func(o *kobj.Object) error { o.Unstructured().SetFinalizers(nil); return nil }, kobj.RetryOnConflict())
		}
	})
	return cm
}

// helpConcurrently runs f(0..n-1) at once and returns their errors.
func helpConcurrently(n int, f func(i int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = f(i) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// TestFinalizerConcurrentWritersKeepEachOthers: writers holding the same
// stale copy each add their finalizer at once, then some remove theirs
// while others add: no writer's finalizer is ever lost or resurrected.
func TestFinalizerConcurrentWritersKeepEachOthers(t *testing.T) {
	t.Parallel()
	ctx := helpContext(t, 2*time.Minute)
	c := helpClient(t, nil)
	ns := testkit.NewNamespace(t, c, "help")
	cm := helpFinalizedConfigMap(ctx, t, c, ns)

	name := func(p string, i int) string { return fmt.Sprintf("helpers.kobj.dev/%s%d", p, i) }
	const n = 8
	if err := helpConcurrently(n, func(i int) error {
		changed, err := operator.AddFinalizer(ctx, cm.DeepCopy(), name("f", i))
		if err == nil && !changed {
			err = fmt.Errorf("AddFinalizer %s: changed = false", name("f", i))
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	back, err := helpRead(ctx, t, c, "v1", "ConfigMap", ns, cm.Name())
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range n {
		want = append(want, name("f", i))
	}
	if got := slices.Sorted(slices.Values(back.Finalizers())); !slices.Equal(got, want) {
		t.Fatalf("after %d concurrent adds: %v; want %v", n, got, want)
	}

	// From one stale copy again: half remove theirs, others add.
	if err := helpConcurrently(n, func(i int) error {
		cp := back.DeepCopy()
		if i < n/2 {
			_, err := operator.RemoveFinalizer(ctx, cp, name("f", i))
			return err
		}
		_, err := operator.AddFinalizer(ctx, cp, name("g", i))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if back, err = helpRead(ctx, t, c, "v1", "ConfigMap", ns, cm.Name()); err != nil {
		t.Fatal(err)
	}
	want = nil
	for i := n / 2; i < n; i++ {
		want = append(want, name("f", i), name("g", i))
	}
	slices.Sort(want)
	if got := slices.Sorted(slices.Values(back.Finalizers())); !slices.Equal(got, want) {
		t.Errorf("after concurrent removes and adds: %v; want %v", got, want)
	}
}

// TestFinalizerReportsChangeAndRefusesBadInput: adding a listed finalizer
// or removing an absent one sends nothing and reports false; bad input
// fails before any request.
func TestFinalizerReportsChangeAndRefusesBadInput(t *testing.T) {
	t.Parallel()
	ctx := helpContext(t, 2*time.Minute)
	log := &testkit.RequestLog{}
	c := helpClient(t, log)
	ns := testkit.NewNamespace(t, c, "help")
	cm := helpFinalizedConfigMap(ctx, t, c, ns)
	const f = "helpers.kobj.dev/f"

	log.Reset()
	if changed, err := operator.AddFinalizer(ctx, cm, f); err != nil || !changed {
		t.Fatalf("AddFinalizer = %v, %v; want true", changed, err)
	}
	if !slices.Contains(cm.Finalizers(), f) {
		t.Errorf("o not updated from the answer: finalizers %v", cm.Finalizers())
	}
	if w := helpWrites(log); len(w) != 1 || !strings.HasPrefix(w[0], "PATCH ") {
		t.Errorf("AddFinalizer sent %v; want one PATCH", w)
	}
	log.Reset()
	if changed, err := operator.AddFinalizer(ctx, cm, f); err != nil || changed {
		t.Errorf("AddFinalizer again = %v, %v; want false", changed, err)
	}
	if changed, err := operator.RemoveFinalizer(ctx, cm, "helpers.kobj.dev/absent"); err != nil || changed {
		t.Errorf("RemoveFinalizer of an absent one = %v, %v; want false", changed, err)
	}
	if log.Count() != 0 {
		t.Errorf("no-op calls sent %v; want nothing", log.Requests())
	}
	if changed, err := operator.RemoveFinalizer(ctx, cm, f); err != nil || !changed || len(cm.Finalizers()) != 0 {
		t.Errorf("RemoveFinalizer = %v, %v, finalizers %v; want true and none left", changed, err, cm.Finalizers())
	}

	log.Reset()
	for _, tt := range []struct {
		o    *kobj.Object
		name string
		want string
	}{
		{nil, f, "nil object"},
		{cm, "", "empty finalizer name"},
		{helpConfigMap("never-read", nil).SetNamespace(ns), f, "has no resourceVersion"},
	} {
		if _, err := operator.AddFinalizer(ctx, tt.o, tt.name); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("AddFinalizer(%v, %q): %v; want an error saying %q", tt.o, tt.name, err, tt.want)
		}
	}
	if log.Count() != 0 {
		t.Errorf("bad input sent %v; want nothing", log.Requests())
	}
}

// TestFinalizerControllerRunsCleanupBeforeDeletion: Finalizer adds the
// finalizer to a live object before the first reconcile; on deletion the
// cleanup runs instead of the reconcile; a failing cleanup keeps the
// object, with its finalizer, and is retried; a succeeding one removes the
// finalizer, and the object goes.
func TestFinalizerControllerRunsCleanupBeforeDeletion(t *testing.T) {
	t.Parallel()
	ctx := helpContext(t, 2*time.Minute)
	c := helpClient(t, nil)
	apiVersion := helpCRD(ctx, t, c, true)
	ns := testkit.NewNamespace(t, c, "help")
	site := helpWebsite(ctx, t, c, apiVersion, ns, "web", nil)
	m, err := operator.NewManager(helpClient(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	const fin = "helpers.kobj.dev/cleanup"
	var mu sync.Mutex
	var calls, reconciledDeleting int
	var firstSawFinalizer *bool
	var kept error // what the server held when the retry ran
	err = m.Add(operator.For(apiVersion, "Website").
		Finalizer(fin, func(ctx context.Context, r *operator.Reconcile) error {
			mu.Lock()
			defer mu.Unlock()
			calls++
			if calls == 1 {
				return errors.New("cleanup failed once")
			}
			if calls == 2 {
				o, err := helpRead(ctx, t, c, apiVersion, "Website", ns, "web")
				switch {
				case err != nil:
					kept = err
				case !slices.Contains(o.Finalizers(), fin) || o.Unstructured().GetDeletionTimestamp() == nil:
					kept = fmt.Errorf("finalizers %v, deletionTimestamp %v", o.Finalizers(), o.Unstructured().GetDeletionTimestamp())
				}
			}
			return nil
		}).
		Reconcile(func(ctx context.Context, r *operator.Reconcile) (operator.Result, error) {
			mu.Lock()
			defer mu.Unlock()
			if r.Object == nil {
				return operator.Result{}, nil
			}
			if firstSawFinalizer == nil {
				has := slices.Contains(r.Object.Finalizers(), fin)
				firstSawFinalizer = &has
			}
			if r.Object.Unstructured().GetDeletionTimestamp() != nil {
				reconciledDeleting++
			}
			return operator.Result{}, nil
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
	helpWaitFor(ctx, t, c, apiVersion, "Website", ns, "web", func(o *kobj.Object, err error) bool {
		mu.Lock()
		defer mu.Unlock()
		return err == nil && slices.Contains(o.Finalizers(), fin) && firstSawFinalizer != nil
	})
	if _, err := site.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	helpWaitFor(ctx, t, c, apiVersion, "Website", ns, "web", func(o *kobj.Object, err error) bool { return apierrors.IsNotFound(err) })
	mu.Lock()
	defer mu.Unlock()
	if !*firstSawFinalizer {
		t.Error("the first reconcile was handed the object without the finalizer; want it added before")
	}
	if calls != 2 {
		t.Errorf("cleanup ran %d times; want 2 (a failure, then the retry)", calls)
	}
	if kept != nil {
		t.Errorf("after the failing cleanup the object was not kept with its finalizer: %v", kept)
	}
	if reconciledDeleting != 0 {
		t.Errorf("the reconcile ran %d times on the object being deleted; want the cleanup instead", reconciledDeleting)
	}
}
