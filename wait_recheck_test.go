package kobj

import (
	"errors"
	"strings"
	"testing"
	"time"
)

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
		if v := c.evaluate(s, evalMode{}); !v.recheckAt.Equal(want) {
			t.Errorf("%s: recheckAt %s, want %s", c, v.recheckAt, want)
		}
	}
	for _, c := range []Condition{Exists(), ConditionTrue("Ready"), AllOf(Exists(), Gone())} {
		if v := c.evaluate(s, evalMode{}); !v.recheckAt.IsZero() {
			t.Errorf("%s: recheckAt %s, want none", c, v.recheckAt)
		}
	}
}
