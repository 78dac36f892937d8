//go:build kobj_operator_ctrl

package operator_test

// The tests of r.Apply, SetCondition, finalizers and events through a
// real Manager and For(...).Reconcile(...), as DESIGN.md ("Operators")
// writes them. They need H-ctrl's Manager and builder, which this branch
// (oHelp) does not have: the build tag keeps them out until the lead
// merges it and removes the tag. Written against the public API only,
// never compiled on oHelp: expect small fixes.

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	"github.com/kobj-dev/kobj/test/internal/testkit"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// helpRun runs m until the end of the test and waits for it to return.
func helpRun(t *testing.T, m *operator.Manager) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
	})
}

// helpWaitFor polls the Website ns/name with c until ok holds.
func helpWaitFor(ctx context.Context, t *testing.T, c *kobj.Client, apiVersion, ns, name string, ok func(*kobj.Object, error) bool) {
	t.Helper()
	for {
		o, err := helpRead(ctx, t, c, apiVersion, "Website", ns, name)
		if ok(o, err) {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("Website %s/%s: never as wanted (last: %v, %v)", ns, name, o, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestApplyFlowConvergedReconcileSendsNoWrites is
// TestApplyConvergedReconcileSendsNoWrites through a real controller: a
// reconcile of a converged Website with 3 children and a Ready condition
// sends no write (counted between two reconciles, so that the first's
// status write, after it returns, is in the count).
func TestApplyFlowConvergedReconcileSendsNoWrites(t *testing.T) {
	t.Parallel()
	ctx := helpContext(t, 2*time.Minute)
	c := helpClient(t, nil)
	apiVersion := helpCRD(ctx, t, c, true)
	ns := testkit.NewNamespace(t, c, "help")
	site := helpWebsite(ctx, t, c, apiVersion, ns, "web", map[string]any{"color": "blue"})

	log := &testkit.RequestLog{}
	oc := helpClient(t, log) // the operator's own client
	m, err := operator.NewManager(oc)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	writesAt := map[string]int{} // annotation "touch" -> writes seen when its reconcile began
	err = m.Add(operator.For(apiVersion, "Website").Owns("v1", "ConfigMap").Owns("v1", "Secret").
		Reconcile(func(ctx context.Context, r *operator.Reconcile) (operator.Result, error) {
			if r.Object == nil {
				return operator.Result{}, nil
			}
			mu.Lock()
			if touch := r.Object.Annotations()["touch"]; touch != "" {
				if _, seen := writesAt[touch]; !seen {
					writesAt[touch] = len(helpWrites(log))
				}
			}
			mu.Unlock()
			if _, err := r.Apply(ctx, helpChildren(r)...); err != nil {
				return operator.Result{}, err
			}
			r.SetCondition("Ready", "True", "Rendered", "3 children")
			return operator.Result{}, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	helpRun(t, m)
	helpWaitFor(ctx, t, c, apiVersion, ns, "web", func(o *kobj.Object, err error) bool {
		conds, _ := o.GetSlice("status.conditions")
		return err == nil && len(conds) == 1
	})

	touch := func(v string) {
		if _, err := site.Edit(ctx, func(o *kobj.Object) error { o.SetAnnotation("touch", v); return nil }, kobj.RetryOnConflict()); err != nil {
			t.Fatal(err)
		}
		for {
			mu.Lock()
			_, seen := writesAt[v]
			mu.Unlock()
			if seen {
				return
			}
			select {
			case <-ctx.Done():
				t.Fatalf("no reconcile after touch %s", v)
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	touch("1")
	touch("2") // begins once touch 1's reconcile and its status write are done
	mu.Lock()
	defer mu.Unlock()
	if w := helpWrites(log)[writesAt["1"]:writesAt["2"]]; len(w) != 0 {
		t.Errorf("converged reconcile sent %d writes: %v; want 0", len(w), w)
	}
}

// TestFinalizerFlowCleanupBeforeDeletion is
// TestFinalizerControllerRunsCleanupBeforeDeletion through a real
// controller: Finalizer adds it, a failing cleanup keeps the object and
// is retried, a succeeding one lets it go.
func TestFinalizerFlowCleanupBeforeDeletion(t *testing.T) {
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
	calls := 0
	err = m.Add(operator.For(apiVersion, "Website").
		Finalizer(fin, func(ctx context.Context, r *operator.Reconcile) error {
			mu.Lock()
			defer mu.Unlock()
			calls++
			if calls == 1 {
				return errors.New("cleanup failed once")
			}
			return nil
		}).
		Reconcile(func(ctx context.Context, r *operator.Reconcile) (operator.Result, error) {
			return operator.Result{}, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	helpRun(t, m)
	helpWaitFor(ctx, t, c, apiVersion, ns, "web", func(o *kobj.Object, err error) bool {
		return err == nil && slices.Contains(o.Finalizers(), fin)
	})
	if _, err := site.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	helpWaitFor(ctx, t, c, apiVersion, ns, "web", func(o *kobj.Object, err error) bool { return apierrors.IsNotFound(err) })
	mu.Lock()
	defer mu.Unlock()
	if calls != 2 {
		t.Errorf("cleanup ran %d times; want 2 (a failure, then the retry)", calls)
	}
}

// TestEventFlowRecordedRegardingObject: r.Event through a real controller
// writes an Event regarding the object, reported by the controller's
// field manager (kobj-operator-website).
func TestEventFlowRecordedRegardingObject(t *testing.T) {
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
	err = m.Add(operator.For(apiVersion, "Website").
		Reconcile(func(ctx context.Context, r *operator.Reconcile) (operator.Result, error) {
			if r.Object != nil {
				r.Event("Normal", "Seen", "saw %s", r.Object.Name())
			}
			return operator.Result{}, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	helpRun(t, m)
	evs := helpEvents(ctx, t, c, ns, func(evs []*kobj.Object) bool { return len(evs) > 0 })
	e := evs[0]
	for path, want := range map[string]any{"regarding.uid": string(site.UID()), "reason": "Seen", "note": "saw web",
		"reportingController": helpManagerName} {
		if got, _ := e.Get(path); got != want {
			t.Errorf("Event %s = %v; want %v", path, got, want)
		}
	}
}
