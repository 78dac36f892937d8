package kobj

import (
	"testing"
	"time"

	"github.com/kobj-dev/kobj/readiness"
)

// mustYAML loads one object from YAML, failing the test on error.
func mustYAML(t *testing.T, y string) *Object {
	t.Helper()
	objs, err := LoadString(y)
	if err != nil || len(objs) != 1 {
		t.Fatalf("loading test object: %v (%d objects)", err, len(objs))
	}
	return objs[0]
}

// Object.Readiness is package readiness's Compute on the object's map;
// the rules are tested there.
func TestObjectReadinessIsComputeOnItsMap(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	o := mustYAML(t, `
apiVersion: v1
kind: Pod
metadata: {name: p, creationTimestamp: "2026-01-01T11:59:55Z"}
status: {phase: Pending, conditions: [{type: PodScheduled, status: "False", reason: Unschedulable}]}`)
	got := readinessAt(o, now)
	want := Readiness{State: InProgress, Reason: "PodNotScheduled", Message: "Pod has not been scheduled",
		RecheckAt: time.Date(2026, 1, 1, 12, 0, 10, 0, time.UTC)}
	if got != want || got != readiness.ComputeAt(o.Map(), now) {
		t.Errorf("readinessAt = %+v, want %+v", got, want)
	}
	if r := o.Readiness(); r.State != Failed || r.Reason != "PodUnschedulable" {
		t.Errorf("Readiness() now = %v, want Failed (PodUnschedulable)", r)
	}
	var s ReadinessState = Current
	if s != readiness.Current || InProgress != readiness.InProgress || Unknown != readiness.Unknown {
		t.Error("the root's states are not package readiness's")
	}
}
