package kobj

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// fakeSource is an eventSource the test feeds by hand. Its channel is
// unbuffered, so that a send returns only once waitOn has taken the
// event, and the next send only once waitOn has evaluated it.
type fakeSource struct {
	events  chan WatchEvent
	err     error
	stopped atomic.Bool
}

func newFakeSource() *fakeSource { return &fakeSource{events: make(chan WatchEvent)} }

func (f *fakeSource) Events() <-chan WatchEvent { return f.events }

func (f *fakeSource) Err() error { return f.err }

func (f *fakeSource) Stop() { f.stopped.Store(true) }

// manualDeadline is a context whose deadline passes when the test says so.
type manualDeadline struct {
	context.Context
	done chan struct{}
}

func newManualDeadline() *manualDeadline {
	return &manualDeadline{Context: context.Background(), done: make(chan struct{})}
}

func (c *manualDeadline) Done() <-chan struct{} { return c.done }

func (c *manualDeadline) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

type waitResult struct {
	o   *Object
	err error
}

// startWait runs waitOn in a goroutine; the result arrives on the channel.
func startWait(ctx context.Context, o *Object, src eventSource, conds ...Condition) <-chan waitResult {
	out := make(chan waitResult, 1)
	go func() {
		got, err := o.waitOn(ctx, src, conds)
		out <- waitResult{got, err}
	}()
	return out
}

// sendAll feeds events, reporting false if the wait ended before taking
// them all.
func sendAll(src *fakeSource, done <-chan waitResult, evs ...WatchEvent) (waitResult, bool) {
	for _, ev := range evs {
		select {
		case src.events <- ev:
		case r := <-done:
			return r, false
		}
	}
	return waitResult{}, true
}

// settle makes sure the last event sent was evaluated: waitOn takes this
// one only after it is back in its loop.
var settle = WatchEvent{Type: "TEST-SETTLE"}

func cm(t *testing.T, uid, rv string, extra string) *Object {
	t.Helper()
	o := mustYAML(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ns, uid: "+uid+", resourceVersion: \""+rv+"\"}\n"+extra)
	o.served = []byte(`{"served":"` + rv + `"}`)
	return o
}

func listed(objs ...*Object) []WatchEvent {
	evs := []WatchEvent{{Type: Resync}}
	for _, o := range objs {
		evs = append(evs, WatchEvent{Type: Added, Object: o, Initial: true})
	}
	return append(evs, WatchEvent{Type: Synced})
}

func TestWaitOnMissingObjectAtStart(t *testing.T) {
	tests := []struct {
		name         string
		conds        []Condition
		wantNotFound bool
		wantMet      bool // returns at Synced without error
	}{
		{"Gone holds at once", []Condition{Gone()}, false, true},
		{"ConditionTrue fails with NotFound", []Condition{ConditionTrue("Ready")}, true, false},
		{"Ready fails with NotFound", []Condition{Ready()}, true, false},
		{"Exists waits", []Condition{Exists()}, false, false},
		{"AnyOf with Exists waits", []Condition{AnyOf(Exists(), ConditionTrue("Ready"))}, false, false},
		{"AllOf with Exists waits", []Condition{AllOf(Exists(), ConditionTrue("Ready"))}, false, false},
		{"Exists beside another condition waits", []Condition{Exists(), ConditionTrue("Ready")}, false, false},
		{"two conditions without Exists fail", []Condition{ConditionTrue("Ready"), PathEquals("data.k", "v")}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := newFakeSource()
			ctx := newManualDeadline()
			o := New("v1", "ConfigMap").SetName("c").SetNamespace("ns")
			done := startWait(ctx, o, src, tt.conds...)
			if r, ok := sendAll(src, done, listed()...); !ok {
				if tt.wantMet {
					if r.err != nil {
						t.Fatalf("err = %v, want nil", r.err)
					}
					return
				}
				if !tt.wantNotFound || !apierrors.IsNotFound(r.err) {
					t.Fatalf("err = %v, want NotFound %t", r.err, tt.wantNotFound)
				}
				if !strings.Contains(r.err.Error(), "add Exists()") {
					t.Errorf("err = %v, want a hint about Exists()", r.err)
				}
				return
			}
			if tt.wantMet || tt.wantNotFound {
				// The wait may still be evaluating Synced: a settle event
				// is taken only once it is done.
				if r, ok := sendAll(src, done, settle); !ok {
					if tt.wantMet && r.err == nil || tt.wantNotFound && apierrors.IsNotFound(r.err) {
						return
					}
					t.Fatalf("err = %v", r.err)
				}
				t.Fatal("the wait goes on; it should have ended at Synced")
			}
			// Waiting for creation: the object appears and the wait ends.
			made := cm(t, "u1", "7", "status: {conditions: [{type: Ready, status: \"True\"}]}")
			if _, ok := sendAll(src, done, WatchEvent{Type: Added, Object: made}); !ok {
				t.Fatal("the wait ended before the object was created")
			}
			r := <-done
			if r.err != nil {
				t.Fatalf("err = %v", r.err)
			}
			if r.o != o || o.ResourceVersion() != "7" || o.UID() != "u1" {
				t.Errorf("o = %v rv %s uid %s, want the caller's object refreshed to rv 7", r.o, o.ResourceVersion(), o.UID())
			}
		})
	}
}

func TestWaitOnGoneIsUIDAware(t *testing.T) {
	tests := []struct {
		name   string
		events func(t *testing.T) []WatchEvent
	}{
		{"relist shows a new UID", func(t *testing.T) []WatchEvent {
			return append(listed(cm(t, "u1", "1", "")), listed(cm(t, "u2", "5", ""))...)
		}},
		{"delete and add", func(t *testing.T) []WatchEvent {
			evs := listed(cm(t, "u1", "1", ""))
			return append(evs, WatchEvent{Type: Deleted, Object: cm(t, "u1", "4", "")})
		}},
		{"a modified event with a new UID", func(t *testing.T) []WatchEvent {
			return append(listed(cm(t, "u1", "1", "")), WatchEvent{Type: Modified, Object: cm(t, "u2", "5", "")})
		}},
		{"relist shows nothing", func(t *testing.T) []WatchEvent {
			return append(listed(cm(t, "u1", "1", "")), listed()...)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := newFakeSource()
			o := New("v1", "ConfigMap").SetName("c").SetNamespace("ns")
			done := startWait(newManualDeadline(), o, src, Gone())
			evs := tt.events(t)
			if _, ok := sendAll(src, done, evs[:len(evs)-1]...); !ok {
				t.Fatal("the wait ended before the object went")
			}
			// Gone must not have held before the last event.
			if _, ok := sendAll(src, done, settle); !ok {
				t.Fatal("the wait ended before the object went")
			}
			if _, ok := sendAll(src, done, evs[len(evs)-1]); !ok {
				t.Fatal("the wait ended early")
			}
			if r := <-done; r.err != nil {
				t.Fatalf("err = %v", r.err)
			}
			if !src.stopped.Load() {
				t.Error("the source was not stopped")
			}
		})
	}
}

func TestWaitOnUIDGivenByTheCallerCounts(t *testing.T) {
	src := newFakeSource()
	o := cm(t, "u0", "1", "")
	done := startWait(newManualDeadline(), o, src, Gone())
	sendAll(src, done, listed(cm(t, "u1", "3", ""))...)
	if r := <-done; r.err != nil {
		t.Fatalf("err = %v; an object with another UID than the caller's is gone", r.err)
	}
}

func TestWaitOnDeadlineNamesUnmetConditionsAndLastValues(t *testing.T) {
	src := newFakeSource()
	ctx := newManualDeadline()
	o := New("v1", "ConfigMap").SetName("c").SetNamespace("ns")
	done := startWait(ctx, o, src, Exists(), ConditionTrue("Ready"), PathEquals("data.k", "v"))
	obj := cm(t, "u1", "42", "data: {k: old}\nstatus: {conditions: [{type: Ready, status: \"False\", reason: Starting}]}")
	if _, ok := sendAll(src, done, append(listed(obj), settle)...); !ok {
		t.Fatal("the wait ended early")
	}
	close(ctx.done)
	r := <-done
	if !errors.Is(r.err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want it to wrap context.DeadlineExceeded", r.err)
	}
	for _, want := range []string{
		`ConditionTrue("Ready") (last observed: Ready is "False" (reason Starting))`,
		`PathEquals("data.k", "v") (last observed: data.k is "old")`,
		"resourceVersion 42",
	} {
		if !strings.Contains(r.err.Error(), want) {
			t.Errorf("err = %v\nwant it to contain %s", r.err, want)
		}
	}
	if strings.Contains(r.err.Error(), "Exists()") {
		t.Errorf("err = %v names Exists(), which held", r.err)
	}
	if o.ResourceVersion() != "42" || string(o.served) != `{"served":"42"}` {
		t.Errorf("o at rv %s served %s, want the last observed version and its server copy", o.ResourceVersion(), o.served)
	}
}

func TestWaitOnDeadlineBeforeAnythingObserved(t *testing.T) {
	ctx := newManualDeadline()
	close(ctx.done)
	o := New("v1", "ConfigMap").SetName("c")
	r := <-startWait(ctx, o, newFakeSource(), ConditionTrue("Ready"))
	if !errors.Is(r.err, context.DeadlineExceeded) || !strings.Contains(r.err.Error(), `before the object's state was known; waiting for ConditionTrue("Ready")`) {
		t.Fatalf("err = %v", r.err)
	}
}

func TestWaitOnFailures(t *testing.T) {
	failedJob := func(t *testing.T) *Object {
		return mustYAML(t, `
apiVersion: batch/v1
kind: Job
metadata: {name: j, uid: u1, resourceVersion: "9"}
status: {conditions: [{type: Failed, status: "True"}]}`)
	}
	runningJob := func(t *testing.T) *Object {
		return mustYAML(t, `
apiVersion: batch/v1
kind: Job
metadata: {name: j, uid: u1, resourceVersion: "8"}
status: {startTime: "2026-01-01T00:00:00Z"}`)
	}
	tests := []struct {
		name  string
		conds []Condition
	}{
		{"Ready on a Failed Job", []Condition{Ready()}},
		{"FailWhen", []Condition{ConditionTrue("Complete"), FailWhen(ConditionTrue("Failed"))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := newFakeSource()
			o := New("batch/v1", "Job").SetName("j")
			done := startWait(newManualDeadline(), o, src, tt.conds...)
			if tt.name == "FailWhen" {
				// Neither holds while the Job runs.
				if _, ok := sendAll(src, done, append(listed(runningJob(t)), settle)...); !ok {
					t.Fatal("the wait ended while the Job ran")
				}
				sendAll(src, done, WatchEvent{Type: Modified, Object: failedJob(t)})
			} else {
				sendAll(src, done, listed(failedJob(t))...)
			}
			r := <-done
			if !errors.Is(r.err, ErrConditionFailed) {
				t.Fatalf("err = %v, want ErrConditionFailed", r.err)
			}
			if o.ResourceVersion() != "9" {
				t.Errorf("o at rv %q, want the failed version 9", o.ResourceVersion())
			}
		})
	}
}

func TestWaitOnObservedGenerationRule(t *testing.T) {
	cr := func(t *testing.T, observedGen int) *Object {
		return mustYAML(t, strings.ReplaceAll(`
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, uid: u1, generation: 2}
status: {conditions: [{type: Ready, status: "True", observedGeneration: OG}]}`, "OG", string(rune('0'+observedGen))))
	}
	t.Run("a stale condition does not count", func(t *testing.T) {
		src := newFakeSource()
		done := startWait(newManualDeadline(), New("example.com/v1", "Widget").SetName("w"), src, ConditionTrue("Ready"))
		if _, ok := sendAll(src, done, append(listed(cr(t, 1)), settle)...); !ok {
			t.Fatal("a condition of generation 1 satisfied a wait on generation 2")
		}
		sendAll(src, done, WatchEvent{Type: Modified, Object: cr(t, 2)})
		if r := <-done; r.err != nil {
			t.Fatalf("err = %v", r.err)
		}
	})
	t.Run("IgnoreObservedGeneration", func(t *testing.T) {
		src := newFakeSource()
		done := startWait(newManualDeadline(), New("example.com/v1", "Widget").SetName("w"), src,
			IgnoreObservedGeneration(ConditionTrue("Ready")))
		sendAll(src, done, listed(cr(t, 1))...)
		if r := <-done; r.err != nil {
			t.Fatalf("err = %v", r.err)
		}
	})
}

func TestWaitOnSourceErrorEndsTheWait(t *testing.T) {
	src := newFakeSource()
	src.err = errors.New("forbidden")
	close(src.events)
	r := <-startWait(newManualDeadline(), New("v1", "ConfigMap").SetName("c"), src, Exists())
	if r.err == nil || !strings.Contains(r.err.Error(), "following the object: forbidden") {
		t.Fatalf("err = %v", r.err)
	}
}

func TestWaitRejectsBadCalls(t *testing.T) {
	tests := []struct {
		name  string
		o     *Object
		conds []Condition
		want  string
	}{
		{"no conditions", New("v1", "ConfigMap").SetName("c"), nil, "no conditions"},
		{"no name", New("v1", "ConfigMap"), []Condition{Exists()}, "no name"},
		{"no client", New("v1", "ConfigMap").SetName("c"), []Condition{Exists()}, "no client"},
		// Conditions that can never be evaluated fail before anything is
		// looked up, the client included (issue 17, item 14).
		{"unbalanced JSONPath", New("v1", "ConfigMap").SetName("c"), []Condition{Exists(), JSONPath("{.a")}, `JSONPath("{.a"): JSONPath "{.a": not one expression`},
		{"empty JSONPath", New("v1", "ConfigMap").SetName("c"), []Condition{AnyOf(Exists(), JSONPath("{}"))}, `JSONPath "{}"`},
		{"empty JSONPath value", New("v1", "ConfigMap").SetName("c"), []Condition{FailWhen(JSONPath(".a", ""))}, "empty once its quotes are removed"},
		{"bad PathEquals path", New("v1", "ConfigMap").SetName("c"), []Condition{IgnoreObservedGeneration(PathEquals("a..b", 1))}, "a..b"},
		{"zero Condition", New("v1", "ConfigMap").SetName("c"), []Condition{{}}, "zero Condition"},
		{"Func(nil)", New("v1", "ConfigMap").SetName("c"), []Condition{Func(nil)}, "Func(nil)"},
	}
	// No kubeconfig anywhere, so that no default client can be made.
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "missing"))
	t.Setenv("HOME", t.TempDir())
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	SetDefaultClient(nil)
	t.Cleanup(func() { SetDefaultClient(nil) })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.o.Wait(context.Background(), tt.conds...)
			if err == nil || !strings.HasPrefix(err.Error(), "kobj: Wait") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want a kobj: Wait error containing %q", err, tt.want)
			}
		})
	}
}

// fakeClock is a waitClock whose time moves when the test says so. after
// hands the requested delay to the test and returns the channel the test
// fires.
type fakeClock struct {
	now       time.Time
	requested chan time.Duration
	fire      chan time.Time
}

func newFakeClock(now time.Time) *fakeClock {
	return &fakeClock{now: now, requested: make(chan time.Duration, 10), fire: make(chan time.Time)}
}

func (c *fakeClock) clock() waitClock {
	return waitClock{
		now: func() time.Time { return c.now },
		after: func(d time.Duration) <-chan time.Time {
			c.requested <- d
			return c.fire
		},
	}
}

// requestedRecheck returns the delay of the recheck the wait asked for.
// The caller sent a settle event after the last change: the loop takes it
// only after it armed its timer for the change.
func (c *fakeClock) requestedRecheck(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-c.requested:
		return d
	default:
		t.Fatal("the wait asked for no recheck")
		return 0
	}
}

func unschedulablePod(t *testing.T, created time.Time) *Object {
	t.Helper()
	return mustYAML(t, `
apiVersion: v1
kind: Pod
metadata: {name: p, uid: u1, resourceVersion: "5", creationTimestamp: "`+created.Format(time.RFC3339)+`"}
status: {phase: Pending, conditions: [{type: PodScheduled, status: "False", reason: Unschedulable}]}`)
}

// Issue 17, item 4: an unschedulable Pod is InProgress for 15 s after its
// creation, then Failed, with no event in between; Wait(Ready()) ends with
// ErrConditionFailed at that moment, not at its deadline.
func TestWaitOnRechecksReadinessThatChangesWithTheClock(t *testing.T) {
	created := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	clk := newFakeClock(created.Add(5 * time.Second))
	src := newFakeSource()
	o := New("v1", "Pod").SetName("p")
	done := make(chan waitResult, 1)
	go func() {
		got, err := o.waitOnClock(newManualDeadline(), src, []Condition{Ready()}, clk.clock())
		done <- waitResult{got, err}
	}()
	if _, ok := sendAll(src, done, append(listed(unschedulablePod(t, created)), settle)...); !ok {
		t.Fatal("the wait ended while the Pod was within its schedule window")
	}
	if d := clk.requestedRecheck(t); d != 10*time.Second {
		t.Fatalf("recheck requested in %s, want 10s (the end of the 15 s window)", d)
	}
	clk.now = created.Add(15 * time.Second)
	clk.fire <- clk.now
	r := <-done
	if !errors.Is(r.err, ErrConditionFailed) || !strings.Contains(r.err.Error(), "PodUnschedulable") {
		t.Fatalf("err = %v, want ErrConditionFailed naming PodUnschedulable", r.err)
	}
}

// A change of the object moves the recheck to the new verdict's moment.
func TestWaitOnRechecksAgainWhenTheObjectChanges(t *testing.T) {
	created := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	clk := newFakeClock(created)
	src := newFakeSource()
	o := New("v1", "Pod").SetName("p")
	done := make(chan waitResult, 1)
	go func() {
		got, err := o.waitOnClock(newManualDeadline(), src, []Condition{AllOf(Ready(), Exists())}, clk.clock())
		done <- waitResult{got, err}
	}()
	sendAll(src, done, append(listed(unschedulablePod(t, created)), settle)...)
	if d := clk.requestedRecheck(t); d != 15*time.Second {
		t.Fatalf("first recheck in %s, want 15s", d)
	}
	// The Pod is recreated under its name: a later creationTimestamp.
	later := created.Add(4 * time.Second)
	if _, ok := sendAll(src, done, WatchEvent{Type: Modified, Object: unschedulablePod(t, later)}, settle); !ok {
		t.Fatal("the wait ended on the change")
	}
	if d := clk.requestedRecheck(t); d != 19*time.Second {
		t.Fatalf("recheck after the change in %s, want 19s", d)
	}
	clk.now = later.Add(15 * time.Second)
	clk.fire <- clk.now
	if r := <-done; !errors.Is(r.err, ErrConditionFailed) {
		t.Fatalf("err = %v, want ErrConditionFailed", r.err)
	}
}

// The combinators hand the earliest recheck time of their parts on.
func TestConditionsCarryRecheckAt(t *testing.T) {
	created := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	s := observed{obj: unschedulablePod(t, created), uid: "u1", now: created}
	want := created.Add(15 * time.Second)
	for _, c := range []Condition{
		Ready(), AllOf(Ready(), Exists()), AnyOf(Gone(), Ready()),
		FailWhen(Ready()), IgnoreObservedGeneration(Ready()),
	} {
		if v := c.evaluate(s, evalMode{}); !v.RecheckAt.Equal(want) {
			t.Errorf("%s: recheckAt %s, want %s", c, v.RecheckAt, want)
		}
	}
	for _, c := range []Condition{Exists(), ConditionTrue("Ready"), AllOf(Exists(), Gone())} {
		if v := c.evaluate(s, evalMode{}); !v.RecheckAt.IsZero() {
			t.Errorf("%s: recheckAt %s, want none", c, v.RecheckAt)
		}
	}
}

// TestWaitFuncPanicStopsTheWatch pins that a Func that panics inside Wait
// reaches the caller as that panic (kobj does not hide a program's bug in
// an error) and that the watch is stopped on the way out.
func TestWaitFuncPanicStopsTheWatch(t *testing.T) {
	o := mustYAML(t, jobYAML)
	src := newFakeSource()
	go func() {
		src.events <- WatchEvent{Type: Resync}
		src.events <- WatchEvent{Type: Added, Object: o.DeepCopy(), Initial: true}
		src.events <- WatchEvent{Type: Synced}
	}()
	boom := Func(func(*Object) (bool, error) { panic("boom") })
	defer func() {
		if r := recover(); r != "boom" {
			t.Errorf("recovered %v, want the Func's panic", r)
		}
		if !src.stopped.Load() {
			t.Error("the source was not stopped")
		}
	}()
	_, _ = o.DeepCopy().waitOn(context.Background(), src, []Condition{boom})
	t.Error("waitOn returned")
}
