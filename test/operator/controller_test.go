package operator_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	"github.com/kobj-dev/kobj/test/internal/testkit"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// TestControllerOwnsAndWatches checks that a change to a child with a
// controller ownerReference reconciles its owner, and that Watches maps
// any object to requests.
func TestControllerOwnsAndWatches(t *testing.T) {
	t.Parallel()
	ctx := ctrlContext(t, 2*time.Minute)
	c := ctrlClient(t)
	apiVersion := ctrlCRD(t, c)
	ns := testkit.NewNamespace(t, c, "ctrl")
	j := newJournal()

	m, err := operator.NewManager(c)
	if err != nil {
		t.Fatal(err)
	}
	err = m.Add(operator.For(apiVersion, "Widget").
		Owns("v1", "ConfigMap").
		Watches("v1", "Secret", func(s *kobj.Object) []operator.Request {
			if w := s.Labels()["widget"]; w != "" {
				return []operator.Request{{Namespace: s.Namespace(), Name: w}}
			}
			return nil
		}).
		Reconcile(func(ctx context.Context, r *operator.Reconcile) (operator.Result, error) {
			j.note(ctx, r)
			if r.Object == nil {
				return operator.Result{}, nil
			}
			child := kobj.New("v1", "ConfigMap").SetName(r.Name + "-child").SetNamespace(r.Namespace).SetClient(r.Object.Client())
			if err := child.AddOwnerReference(r.Object, true); err != nil {
				return operator.Result{}, err
			}
			_ = child.Set("data.size", fmt.Sprint(ctrlSize(r.Object)))
			if _, err := child.Create(ctx); err != nil && !apierrors.IsAlreadyExists(err) {
				return operator.Result{}, err
			}
			return operator.Result{}, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	ctrlRun(t, m)

	ctrlWidget(t, c, apiVersion, ns, "w1", 1)
	j.waitFor(t, ctx, "w1", 0, func(s seen) bool { return s.reason == operator.Created })
	child := kobj.New("v1", "ConfigMap").SetName("w1-child").SetNamespace(ns).SetClient(c)
	// The child's creation, made by the first reconcile, comes back.
	j.waitFor(t, ctx, "w1", 0, func(s seen) bool { return s.reason == operator.OwnedChanged })
	n := len(j.of("w1"))

	// A change made by hand to the child reconciles the owner.
	ctrlEdit(t, child, func(o *kobj.Object) error { return o.Set("data.hand", "edited") })
	j.waitFor(t, ctx, "w1", n, func(s seen) bool { return s.reason == operator.OwnedChanged })
	n = len(j.of("w1"))

	// So does its deletion.
	if _, err := child.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	j.waitFor(t, ctx, "w1", n, func(s seen) bool { return s.reason == operator.OwnedChanged })

	// A ConfigMap without an owner reconciles nothing; a Secret maps to
	// the Widget its label names.
	if _, err := kobj.New("v1", "ConfigMap").SetName("w1").SetNamespace(ns).Create(ctx, kobj.WithClient(c)); err != nil {
		t.Fatal(err)
	}
	ctrlWidget(t, c, apiVersion, ns, "w2", 1)
	j.waitFor(t, ctx, "w2", 0, func(s seen) bool { return s.reason == operator.Created })
	n = len(j.of("w2"))
	secret := kobj.New("v1", "Secret").SetName("s").SetNamespace(ns).SetLabel("widget", "w2")
	if _, err := secret.Create(ctx, kobj.WithClient(c)); err != nil {
		t.Fatal(err)
	}
	j.waitFor(t, ctx, "w2", n, func(s seen) bool { return s.reason == operator.OwnedChanged })
}

// TestControllerOneKeyAtATime floods a controller of 8 workers with
// updates of a few objects and checks that no object is reconciled by two
// workers at once, and that each one's last reconcile sees its last state.
func TestControllerOneKeyAtATime(t *testing.T) {
	t.Parallel()
	const objects, updates = 6, 15
	ctx := ctrlContext(t, 3*time.Minute)
	c := ctrlClient(t)
	apiVersion := ctrlCRD(t, c)
	ns := testkit.NewNamespace(t, c, "ctrl")
	j := newJournal()
	var inFlight sync.Map
	var overlaps, busy, maxBusy atomic.Int32

	m, err := operator.NewManager(c)
	if err != nil {
		t.Fatal(err)
	}
	err = m.Add(operator.For(apiVersion, "Widget").Workers(8).
		Reconcile(func(ctx context.Context, r *operator.Reconcile) (operator.Result, error) {
			v, _ := inFlight.LoadOrStore(r.Name, new(atomic.Int32))
			if v.(*atomic.Int32).Add(1) > 1 {
				overlaps.Add(1)
			}
			defer v.(*atomic.Int32).Add(-1)
			b := busy.Add(1)
			defer busy.Add(-1)
			for {
				if mb := maxBusy.Load(); b <= mb || maxBusy.CompareAndSwap(mb, b) {
					break
				}
			}
			j.note(ctx, r)
			time.Sleep(5 * time.Millisecond) // let requests pile up behind the key
			return operator.Result{}, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	ctrlRun(t, m)

	var ws []*kobj.Object
	for i := range objects {
		ws = append(ws, ctrlWidget(t, c, apiVersion, ns, fmt.Sprintf("w%d", i), 0))
	}
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Go(func() {
			for u := 1; u <= updates; u++ {
				if _, err := w.Edit(ctx, func(o *kobj.Object) error { return o.Set("spec.size", u) }, kobj.RetryOnConflict()); err != nil {
					t.Errorf("update %d of %s: %v", u, w.Name(), err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, w := range ws {
		j.waitFor(t, ctx, w.Name(), 0, func(s seen) bool { return ctrlSize(s.object) == updates })
	}
	if overlaps.Load() != 0 {
		t.Errorf("%d reconciles ran while another of the same object ran", overlaps.Load())
	}
	total := 0
	for _, w := range ws {
		total += len(j.of(w.Name()))
	}
	t.Logf("%d updates of %d objects: %d reconciles, up to %d at once", objects*updates, objects, total, maxBusy.Load())
}

// TestControllerRetries checks an error retried with backoff, a terminal
// error not retried, RequeueAfter, and a recovered panic after which the
// manager goes on.
func TestControllerRetries(t *testing.T) {
	t.Parallel()
	ctx := ctrlContext(t, 2*time.Minute)
	c := ctrlClient(t)
	apiVersion := ctrlCRD(t, c)
	ns := testkit.NewNamespace(t, c, "ctrl")
	j := newJournal()

	m, err := operator.NewManager(c)
	if err != nil {
		t.Fatal(err)
	}
	err = m.Add(operator.For(apiVersion, "Widget").Workers(2).
		Reconcile(func(ctx context.Context, r *operator.Reconcile) (operator.Result, error) {
			i := len(j.of(r.Name))
			j.note(ctx, r)
			switch {
			case r.Name == "fail-twice" && i < 2:
				return operator.Result{}, fmt.Errorf("attempt %d fails", i+1)
			case r.Name == "terminal" && i == 0:
				return operator.Result{}, operator.Terminal(errors.New("bad spec"))
			case r.Name == "requeue" && i == 0:
				return operator.Result{RequeueAfter: 100 * time.Millisecond}, nil
			case r.Name == "panic" && i == 0:
				var m map[string]int
				m["boom"]++ // a nil map: panics
			}
			return operator.Result{}, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	ctrlRun(t, m)

	for _, name := range []string{"fail-twice", "terminal", "requeue", "panic"} {
		ctrlWidget(t, c, apiVersion, ns, name, 1)
	}
	reasons := func(name string) []operator.Reason {
		var out []operator.Reason
		for _, s := range j.of(name) {
			out = append(out, s.reason)
		}
		return out
	}
	want := func(name string, w ...operator.Reason) {
		t.Helper()
		if got := reasons(name); !slices.Equal(got, w) {
			t.Errorf("%s: reasons %v, want %v", name, got, w)
		}
	}
	j.waitFor(t, ctx, "fail-twice", 2, func(seen) bool { return true })
	j.waitFor(t, ctx, "requeue", 1, func(seen) bool { return true })
	j.waitFor(t, ctx, "panic", 1, func(seen) bool { return true })
	j.waitFor(t, ctx, "terminal", 0, func(seen) bool { return true })
	// The manager goes on after the panic: a new object is reconciled.
	ctrlWidget(t, c, apiVersion, ns, "after-panic", 1)
	j.waitFor(t, ctx, "after-panic", 0, func(s seen) bool { return s.reason == operator.Created })
	// The terminal error is not retried: the next reconcile is the one
	// a change makes, not a retry (a retry would come within 5 ms).
	ctrlEdit(t, ctrlObject(c, apiVersion, ns, "terminal"), func(o *kobj.Object) error { return o.Set("spec.size", 2) })
	j.waitFor(t, ctx, "terminal", 1, func(seen) bool { return true })

	want("fail-twice", operator.Created, operator.Requeued, operator.Requeued)
	want("terminal", operator.Created, operator.Changed)
	want("requeue", operator.Created, operator.Requeued)
	want("panic", operator.Created, operator.Requeued)
}

func ctrlObject(c *kobj.Client, apiVersion, ns, name string) *kobj.Object {
	return kobj.New(apiVersion, "Widget").SetName(name).SetNamespace(ns).SetClient(c)
}

// TestControllerWhatChanged checks Reason, Old and Diff through an
// object's life, and that Old is nil after a restart.
func TestControllerWhatChanged(t *testing.T) {
	t.Parallel()
	ctx := ctrlContext(t, 2*time.Minute)
	c := ctrlClient(t)
	apiVersion := ctrlCRD(t, c)
	ns := testkit.NewNamespace(t, c, "ctrl")
	ctrlWidget(t, c, apiVersion, ns, "before", 1)

	start := func(j *journal) func() error {
		m, err := operator.NewManager(c)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Add(operator.For(apiVersion, "Widget").
			Reconcile(func(ctx context.Context, r *operator.Reconcile) (operator.Result, error) {
				j.note(ctx, r)
				return operator.Result{}, nil
			})); err != nil {
			t.Fatal(err)
		}
		return ctrlRun(t, m)
	}
	j := newJournal()
	stop := start(j)

	s := j.waitFor(t, ctx, "before", 0, func(seen) bool { return true })
	if s.reason != operator.Resynced || s.old != nil || s.object == nil {
		t.Errorf("an object there before Run: reason %s, Old %v", s.reason, s.old)
	}
	w := ctrlWidget(t, c, apiVersion, ns, "w", 1)
	s = j.waitFor(t, ctx, "w", 0, func(seen) bool { return true })
	if s.reason != operator.Created || s.old != nil || ctrlSize(s.object) != 1 {
		t.Errorf("a new object: reason %s, Old %v, size %d", s.reason, s.old, ctrlSize(s.object))
	}
	ctrlEdit(t, w, func(o *kobj.Object) error { return o.Set("spec.size", 2) })
	s = j.waitFor(t, ctx, "w", 1, func(s seen) bool { return ctrlSize(s.object) == 2 })
	if s.reason != operator.Changed || ctrlSize(s.old) != 1 || !slices.Contains(s.diff, "changed spec.size: 1 -> 2") {
		t.Errorf("a change: reason %s, Old size %d, Diff %v", s.reason, ctrlSize(s.old), s.diff)
	}
	n := len(j.of("w"))
	if _, err := w.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	s = j.waitFor(t, ctx, "w", n, func(seen) bool { return true })
	if s.reason != operator.Deleted || s.object != nil || ctrlSize(s.old) != 2 || !slices.Contains(s.diff, "removed spec: {\"size\":2}") {
		t.Errorf("a deletion: reason %s, Object %v, Old size %d, Diff %v", s.reason, s.object, ctrlSize(s.old), s.diff)
	}
	before := ctrlObject(c, apiVersion, ns, "before")
	ctrlEdit(t, before, func(o *kobj.Object) error { return o.Set("spec.size", 5) })
	j.waitFor(t, ctx, "before", 1, func(s seen) bool { return ctrlSize(s.object) == 5 })
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}

	// A restart knows nothing of before.
	j = newJournal()
	start(j)
	s = j.waitFor(t, ctx, "before", 0, func(seen) bool { return true })
	if s.reason != operator.Resynced || s.old != nil || s.diff != nil || ctrlSize(s.object) != 5 {
		t.Errorf("after a restart: reason %s, Old %v, Diff %v", s.reason, s.old, s.diff)
	}
}

// TestControllerGenerationChanged checks that with GenerationChanged a
// status-only or label-only change does not reconcile and a spec change
// does.
func TestControllerGenerationChanged(t *testing.T) {
	t.Parallel()
	ctx := ctrlContext(t, 2*time.Minute)
	c := ctrlClient(t)
	apiVersion := ctrlCRD(t, c)
	ns := testkit.NewNamespace(t, c, "ctrl")
	j := newJournal()
	m, err := operator.NewManager(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Add(operator.For(apiVersion, "Widget").When(operator.GenerationChanged()).
		Reconcile(func(ctx context.Context, r *operator.Reconcile) (operator.Result, error) {
			j.note(ctx, r)
			return operator.Result{}, nil
		})); err != nil {
		t.Fatal(err)
	}
	ctrlRun(t, m)

	w := ctrlWidget(t, c, apiVersion, ns, "w", 1)
	j.waitFor(t, ctx, "w", 0, func(seen) bool { return true })
	// A label, then a status: neither changes the generation.
	ctrlEdit(t, w, func(o *kobj.Object) error { o.SetLabel("tier", "gold"); return nil })
	status := ctrlObject(c, apiVersion, ns, "w")
	_ = status.Set("status.phase", "Ready")
	if _, err := status.ApplyStatus(ctx); err != nil {
		t.Fatal(err)
	}
	// Then the spec: its reconcile is the next one, and it sees the
	// label and the status the others brought.
	ctrlEdit(t, w, func(o *kobj.Object) error { return o.Set("spec.size", 2) })
	s := j.waitFor(t, ctx, "w", 1, func(seen) bool { return true })
	if ctrlSize(s.object) != 2 || s.reason != operator.Changed {
		t.Errorf("the reconcile after a label and a status change: reason %s, size %d (a filtered change reconciled)", s.reason, ctrlSize(s.object))
	}
	if phase, _ := s.object.GetString("status.phase"); phase != "Ready" || s.object.Labels()["tier"] != "gold" {
		t.Errorf("the spec change's reconcile misses the earlier changes: %v", s.object)
	}
	if got := len(j.of("w")); got != 2 {
		t.Errorf("%d reconciles, want 2 (creation, spec change)", got)
	}
}
