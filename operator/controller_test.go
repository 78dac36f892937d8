package operator

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"

	"github.com/kobj-dev/kobj"
)

// fakeLimiter is a rate limiter that records the retries asked of it and
// lets them run at once.
type fakeLimiter struct {
	mu    sync.Mutex
	whens map[Request]int
}

func (f *fakeLimiter) When(r Request) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.whens[r]++
	return 0
}
func (f *fakeLimiter) Forget(Request) {}
func (f *fakeLimiter) NumRequeues(r Request) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.whens[r]
}
func (f *fakeLimiter) retries(r Request) int { return f.NumRequeues(r) }

// fakeStore is the cache a test controller reads: entries by request.
type fakeStore struct {
	mu      sync.Mutex
	entries map[Request]*entry
}

func (s *fakeStore) set(req Request, e *entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e == nil {
		delete(s.entries, req)
	} else {
		s.entries[req] = e
	}
}

// testController returns a controller of Widgets in namespace "ns" over
// a fake store and limiter, its queue made, its workers not started.
func testController(t *testing.T, workers int, fn func(ctx context.Context, r *Reconcile) (Result, error)) (*controller, *fakeStore, *fakeLimiter) {
	t.Helper()
	b := For("example.com/v1", "Widget").Workers(workers).Reconcile(fn)
	c := newController(nil, b, true)
	store := &fakeStore{entries: map[Request]*entry{}}
	lim := &fakeLimiter{whens: map[Request]int{}}
	c.rateLimiter = lim
	c.lookup = func(_ context.Context, req Request) (*entry, bool, error) {
		store.mu.Lock()
		defer store.mu.Unlock()
		e, ok := store.entries[req]
		return e, ok, nil
	}
	c.init(klog.Background())
	return c, store, lim
}

// runWorkers starts c's workers and stops them (queue shut down) at the
// end of the test.
func runWorkers(t *testing.T, c *controller) {
	ctx, cancel := context.WithCancel(context.Background())
	c.start(ctx)
	t.Cleanup(func() {
		c.queue.ShutDown()
		c.running.Wait()
		cancel()
	})
}

func req(name string) Request {
	return Request{APIVersion: "example.com/v1", Kind: "Widget", Namespace: "ns", Name: name}
}

func at(t *testing.T, rv string, spec map[string]any) *entry {
	return testEntry(t, widget(map[string]any{"resourceVersion": rv}, spec))
}

// wait waits for cond, failing the test after a minute (a bound for a
// broken test, not an assertion on timing).
func wait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestPendingMerge checks the reason and Old a reconcile is given when
// events merge while its key waits.
func TestPendingMerge(t *testing.T) {
	type ev struct {
		reason Reason
		old    string // rv of the entry before, "" for none
	}
	cases := []struct {
		name   string
		events []ev
		reason Reason
		oldRV  string
	}{
		{"nothing noted: a retry", nil, Requeued, ""},
		{"created", []ev{{Created, ""}}, Created, ""},
		{"initial list", []ev{{Resynced, ""}}, Resynced, ""},
		{"changed", []ev{{Changed, "1"}}, Changed, "1"},
		{"changed twice: Old before the first", []ev{{Changed, "1"}, {Changed, "2"}}, Changed, "1"},
		{"created then changed: still new", []ev{{Created, ""}, {Changed, "1"}}, Created, ""},
		{"created then deleted", []ev{{Created, ""}, {Deleted, "1"}}, Deleted, "1"},
		{"changed then deleted", []ev{{Changed, "1"}, {Deleted, "2"}}, Deleted, "1"},
		{"deleted then created: a new object", []ev{{Deleted, "1"}, {Created, ""}}, Created, ""},
		{"deleted then relisted", []ev{{Deleted, "1"}, {Resynced, ""}}, Resynced, ""},
		{"changed then relisted", []ev{{Changed, "1"}, {Resynced, ""}}, Changed, "1"},
		{"owned only", []ev{{OwnedChanged, ""}}, OwnedChanged, ""},
		{"owned after changed", []ev{{Changed, "1"}, {OwnedChanged, ""}}, Changed, "1"},
		{"changed after owned", []ev{{OwnedChanged, ""}, {Changed, "1"}}, Changed, "1"},
		{"resynced then changed", []ev{{Resynced, ""}, {Changed, "1"}}, Changed, "1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _, _ := testController(t, 1, noop)
			defer c.queue.ShutDown()
			for _, e := range tc.events {
				var old *entry
				if e.old != "" {
					old = at(t, e.old, nil)
				}
				c.enqueue(req("w"), e.reason, old)
			}
			if len(tc.events) > 0 && c.queue.Len() != 1 {
				t.Errorf("queue length %d, want 1 (merged)", c.queue.Len())
			}
			p := c.take(req("w"))
			gotRV := ""
			if p.old != nil {
				gotRV = p.old.ResourceVersion
			}
			if p.reason != tc.reason || gotRV != tc.oldRV {
				t.Errorf("reason %s, Old at %q; want %s, %q", p.reason, gotRV, tc.reason, tc.oldRV)
			}
			if len(c.pending) != 0 {
				t.Errorf("%d keys still noted after take", len(c.pending))
			}
		})
	}
}

func TestForHandler(t *testing.T) {
	c, _, _ := testController(t, 1, noop)
	defer c.queue.ShutDown()
	c.predicates = []Predicate{GenerationChanged()}
	h := c.forHandler()
	gen := func(rv string, g int64) *entry {
		return testEntry(t, widget(map[string]any{"resourceVersion": rv, "generation": g}, nil))
	}
	h.update(gen("1", 1), gen("2", 1))
	if c.queue.Len() != 0 {
		t.Fatal("an update that the predicates refuse was queued")
	}
	h.update(gen("2", 1), gen("3", 2))
	if p := c.take(req("w")); p.reason != Changed || p.old == nil || p.old.ResourceVersion != "2" {
		t.Errorf("update: %+v", p)
	}
	h.add(gen("1", 1), true)
	if p := c.take(req("w")); p.reason != Resynced {
		t.Errorf("initial add: %+v", p)
	}
	h.add(gen("1", 1), false)
	if p := c.take(req("w")); p.reason != Created {
		t.Errorf("add: %+v", p)
	}
	h.del(gen("4", 2))
	if p := c.take(req("w")); p.reason != Deleted || p.old.ResourceVersion != "4" {
		t.Errorf("delete: %+v", p)
	}
}

func TestOwnerRequest(t *testing.T) {
	yes := true
	child := func(refs ...metav1.OwnerReference) *entry {
		e := testEntry(t, map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "cm", "namespace": "ns"}})
		e.OwnerReferences = refs
		return e
	}
	ref := func(apiVersion, kind, name string, controller bool) metav1.OwnerReference {
		r := metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: name, UID: "u"}
		if controller {
			r.Controller = &yes
		}
		return r
	}
	cases := []struct {
		name       string
		namespaced bool
		child      *entry
		want       Request
		ok         bool
	}{
		{"controller", true, child(ref("example.com/v1", "Widget", "w1", true)), req("w1"), true},
		{"other version", true, child(ref("example.com/v2", "Widget", "w1", true)), req("w1"), true},
		{"not controller", true, child(ref("example.com/v1", "Widget", "w1", false)), Request{}, false},
		{"other kind", true, child(ref("example.com/v1", "Gadget", "w1", true)), Request{}, false},
		{"other group", true, child(ref("other.com/v1", "Widget", "w1", true)), Request{}, false},
		{"no owner", true, child(), Request{}, false},
		{"the controller among others", true, child(ref("example.com/v1", "Widget", "a", false), ref("example.com/v1", "Widget", "b", true)), req("b"), true},
		{"cluster-scoped owner", false, child(ref("example.com/v1", "Widget", "w1", true)),
			Request{APIVersion: "example.com/v1", Kind: "Widget", Name: "w1"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newController(nil, For("example.com/v1", "Widget").Reconcile(noop), tc.namespaced)
			got, ok := c.ownerRequest(tc.child)
			if got != tc.want || ok != tc.ok {
				t.Errorf("ownerRequest = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestOwnsHandlerOwnerMoved(t *testing.T) {
	c, _, _ := testController(t, 1, noop)
	defer c.queue.ShutDown()
	yes := true
	child := func(owner string) *entry {
		e := testEntry(t, map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "cm", "namespace": "ns"}})
		e.OwnerReferences = []metav1.OwnerReference{{APIVersion: "example.com/v1", Kind: "Widget", Name: owner, Controller: &yes}}
		return e
	}
	c.ownsHandler().update(child("a"), child("b"))
	if c.queue.Len() != 2 || c.take(req("a")).reason != OwnedChanged || c.take(req("b")).reason != OwnedChanged {
		t.Errorf("a child moved from a to b did not queue both: %d queued", c.queue.Len())
	}
}

func TestWatchHandler(t *testing.T) {
	c, _, _ := testController(t, 1, noop)
	defer c.queue.ShutDown()
	w := watchSpec{kindRef{"v1", "Secret"}, func(o *kobj.Object) []Request {
		switch o.Name() {
		case "panic":
			panic("boom")
		case "other":
			return []Request{{APIVersion: "v1", Kind: "ConfigMap", Namespace: "ns", Name: "x"}}
		}
		return []Request{{Namespace: "ns", Name: "from-" + o.Name()}, {APIVersion: "example.com/v2", Kind: "Widget", Namespace: "ns", Name: "v2"}}
	}}
	secret := func(name string) *entry {
		return testEntry(t, map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": name, "namespace": "ns"}})
	}
	h := c.watchHandler(w)
	h.add(secret("panic"), false)
	h.add(secret("other"), false)
	if c.queue.Len() != 0 {
		t.Fatalf("%d requests queued from a panic and another kind", c.queue.Len())
	}
	h.add(secret("s"), false)
	if c.queue.Len() != 2 || c.take(req("from-s")).reason != OwnedChanged || c.take(req("v2")).reason != OwnedChanged {
		t.Errorf("mapped requests not queued for the For kind and version: %v", c.pending)
	}
}

// TestWorkerOutcomes checks what follows a reconcile: backoff after an
// error, none after a terminal one, a new run after RequeueAfter, a retry
// after a panic.
func TestWorkerOutcomes(t *testing.T) {
	cases := []struct {
		name    string
		results []func() (Result, error) // per run; the last repeats
		runs    int                      // wait for this many runs
		retries int                      // rate-limited retries asked
		reasons []Reason
	}{
		{"success", []func() (Result, error){ok}, 1, 0, []Reason{Created}},
		{"error twice", []func() (Result, error){fail, fail, ok}, 3, 2, []Reason{Created, Requeued, Requeued}},
		{"terminal", []func() (Result, error){terminal}, 1, 0, []Reason{Created}},
		{"requeue after", []func() (Result, error){after, ok}, 2, 0, []Reason{Created, Requeued}},
		{"panic", []func() (Result, error){boom, ok}, 2, 1, []Reason{Created, Requeued}},
		{"error with requeue after", []func() (Result, error){failAfter, ok}, 2, 1, []Reason{Created, Requeued}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var reasons []Reason
			c, store, lim := testController(t, 1, func(ctx context.Context, r *Reconcile) (Result, error) {
				mu.Lock()
				n := len(reasons)
				reasons = append(reasons, r.Reason)
				mu.Unlock()
				if r.Object == nil || r.Object.Name() != "w" {
					return Result{}, Terminal(errors.New("no object"))
				}
				return tc.results[min(n, len(tc.results)-1)]()
			})
			store.set(req("w"), at(t, "1", nil))
			runWorkers(t, c)
			c.enqueue(req("w"), Created, nil)
			runs := func() int { mu.Lock(); defer mu.Unlock(); return len(reasons) }
			wait(t, fmt.Sprintf("%d runs", tc.runs), func() bool { return runs() >= tc.runs })
			// A sentinel request, queued after the last expected run:
			// once it is done, a wrongful retry would have been asked.
			store.set(req("sentinel"), at(t, "1", nil))
			c.enqueue(req("sentinel"), Created, nil)
			wait(t, "the sentinel", func() bool { return runs() >= tc.runs+1 })
			mu.Lock()
			got := reasons[:len(reasons)-1]
			mu.Unlock()
			if fmt.Sprint(got) != fmt.Sprint(tc.reasons) {
				t.Errorf("reasons %v, want %v", got, tc.reasons)
			}
			if n := lim.retries(req("w")); n != tc.retries {
				t.Errorf("%d rate-limited retries, want %d", n, tc.retries)
			}
		})
	}
}

func ok() (Result, error)        { return Result{}, nil }
func fail() (Result, error)      { return Result{}, errors.New("transient") }
func terminal() (Result, error)  { return Result{}, Terminal(errors.New("bad spec")) }
func after() (Result, error)     { return Result{RequeueAfter: time.Millisecond}, nil }
func failAfter() (Result, error) { return Result{RequeueAfter: time.Hour}, errors.New("transient") }
func boom() (Result, error)      { panic("boom") }

// TestOneKeyAtATime floods 8 workers with requests for a few keys and
// checks that no key is ever reconciled by two at once, and that every
// key's last reconcile comes after its last request.
func TestOneKeyAtATime(t *testing.T) {
	const keys, rounds = 5, 200
	var inFlight sync.Map // Request -> *atomic.Int32
	var overlaps, total atomic.Int32
	var last sync.Map // Request -> int (round seen by the last reconcile)
	var round atomic.Int32
	c, store, _ := testController(t, 8, func(ctx context.Context, r *Reconcile) (Result, error) {
		v, _ := inFlight.LoadOrStore(r.Request, new(atomic.Int32))
		n := v.(*atomic.Int32)
		if n.Add(1) > 1 {
			overlaps.Add(1)
		}
		total.Add(1)
		seen := round.Load()
		time.Sleep(50 * time.Microsecond)
		last.Store(r.Request, seen)
		n.Add(-1)
		return Result{}, nil
	})
	for i := range keys {
		store.set(req(fmt.Sprint(i)), at(t, "1", nil))
	}
	runWorkers(t, c)
	for r := range rounds {
		round.Store(int32(r))
		for i := range keys {
			c.enqueue(req(fmt.Sprint(i)), Changed, nil)
		}
	}
	for i := range keys {
		wait(t, "the last round", func() bool {
			v, ok := last.Load(req(fmt.Sprint(i)))
			return ok && v.(int32) == rounds-1
		})
	}
	if overlaps.Load() != 0 {
		t.Errorf("%d reconciles overlapped another of the same key", overlaps.Load())
	}
	if total.Load() >= keys*rounds {
		t.Logf("no request merged (%d reconciles)", total.Load())
	}
}

// TestStopIntake checks that after stopIntake a reconcile in flight
// finishes while the queued keys are dropped.
func TestStopIntake(t *testing.T) {
	release := make(chan struct{})
	started := make(chan Request, 10)
	var runs atomic.Int32
	c, store, _ := testController(t, 1, func(ctx context.Context, r *Reconcile) (Result, error) {
		runs.Add(1)
		started <- r.Request
		<-release
		return Result{}, nil
	})
	store.set(req("a"), at(t, "1", nil))
	store.set(req("b"), at(t, "1", nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.start(ctx)
	c.enqueue(req("a"), Created, nil)
	<-started
	c.enqueue(req("b"), Created, nil)
	drained := c.stopIntake()
	c.enqueue(req("c"), Created, nil) // after stopping: ignored
	close(release)
	<-drained
	c.shutDown()
	c.running.Wait()
	if runs.Load() != 1 {
		t.Errorf("%d reconciles ran, want only the one in flight", runs.Load())
	}
}

// TestReconcileGetsObjectAndOld checks what a reconcile is handed.
func TestReconcileGetsObjectAndOld(t *testing.T) {
	got := make(chan *Reconcile, 1)
	c, store, _ := testController(t, 1, func(ctx context.Context, r *Reconcile) (Result, error) {
		got <- r
		return Result{}, nil
	})
	store.set(req("w"), at(t, "2", map[string]any{"size": int64(4)}))
	runWorkers(t, c)
	c.enqueue(req("w"), Changed, at(t, "1", map[string]any{"size": int64(3)}))
	r := <-got
	if r.Reason != Changed || r.Object == nil || r.Old == nil || r.ctl != c {
		t.Fatalf("reconcile %+v", r)
	}
	var diffs []string
	for _, d := range r.Diff() {
		diffs = append(diffs, d.String())
	}
	want := `[changed metadata.resourceVersion: "1" -> "2" changed spec.size: 3 -> 4]`
	if fmt.Sprint(diffs) != want {
		t.Errorf("Diff() = %v, want %s", diffs, want)
	}
	// The objects are the reconciler's own: changing them changes no entry.
	_ = r.Object.Set("spec.size", 9)
	e, _, _ := c.lookup(context.Background(), req("w"))
	if o, _ := e.object(nil); o.Map()["spec"].(map[string]any)["size"] != int64(4) {
		t.Error("changing r.Object changed the cached entry")
	}
	store.set(req("w"), nil)
	c.enqueue(req("w"), Deleted, at(t, "2", map[string]any{"size": int64(4)}))
	r = <-got
	if r.Reason != Deleted || r.Object != nil || r.Old == nil {
		t.Errorf("deleted: reason %s, Object %v, Old %v", r.Reason, r.Object, r.Old)
	}
	if len(r.Diff()) == 0 {
		t.Error("a deleted object's Diff is empty")
	}
	if (&Reconcile{}).Diff() != nil {
		t.Error("Diff without Old is not nil")
	}
}
