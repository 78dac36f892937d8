package readiness

import (
	"math"
	"testing"
	"time"
)

// Regression tests for the differences issue 17 found between kobj and
// kstatus v0.37.2 (items 6 to 10), and for the clock rule that Wait needs
// (item 4). Each case is a map, as a caller of Compute holds one.
func TestComputeEdgeCases(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	pod := func(meta map[string]any, phase string, conds ...any) map[string]any {
		meta["name"] = "p"
		status := map[string]any{"phase": phase}
		if len(conds) > 0 {
			status["conditions"] = conds
		}
		return map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": meta, "status": status}
	}
	unschedulable := map[string]any{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}
	job := func(suspend bool, conds ...any) map[string]any {
		return map[string]any{
			"apiVersion": "batch/v1", "kind": "Job", "metadata": map[string]any{"name": "j"},
			"spec": map[string]any{"suspend": suspend}, "status": map[string]any{"conditions": conds},
		}
	}
	suspendedCond := map[string]any{"type": "Suspended", "status": "True"}
	deploy := func(gen, observed, specReplicas, replicas any) map[string]any {
		return map[string]any{
			"apiVersion": "apps/v1", "kind": "Deployment",
			"metadata": map[string]any{"name": "d", "generation": gen},
			"spec":     map[string]any{"replicas": specReplicas},
			"status": map[string]any{
				"observedGeneration": observed, "replicas": replicas, "updatedReplicas": replicas,
				"readyReplicas": replicas, "availableReplicas": replicas,
				"conditions": []any{map[string]any{"type": "Available", "status": "True"}},
			},
		}
	}
	cm := func(deletionTimestamp any) map[string]any {
		return map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": "c", "deletionTimestamp": deletionTimestamp}}
	}
	tests := []struct {
		name       string
		obj        map[string]any
		want       State
		wantReason string
	}{
		// Item 6: a lost node's Pod is Unknown, as kstatus reports it.
		{"pod phase Unknown", pod(map[string]any{}, "Unknown"), Unknown, "PodPhaseUnknown"},
		{"pod phase no rule knows", pod(map[string]any{}, "Exploded"), Unknown, "PodPhaseUnknown"},

		// Item 7: Current on Suspended=True while spec.suspend is true.
		{"job created suspended, never started", job(true, suspendedCond), Current, ""},
		{"job resumed, Suspended condition not updated yet", job(false, suspendedCond), InProgress, "JobNotStarted"},
		{"job suspended, controller has not seen it", job(true), InProgress, "JobNotStarted"},

		// Item 8: unschedulable without a creationTimestamp that parses is
		// past any window (kstatus's fixture podUnschedulable).
		{"pod unschedulable, no creationTimestamp", pod(map[string]any{}, "Pending", unschedulable), Failed, "PodUnschedulable"},
		{"pod unschedulable, creationTimestamp not RFC 3339", pod(map[string]any{"creationTimestamp": "yesterday"}, "Pending", unschedulable), Failed, "PodUnschedulable"},
		{"pod unschedulable, creationTimestamp not a string", pod(map[string]any{"creationTimestamp": int64(5)}, "Pending", unschedulable), Failed, "PodUnschedulable"},

		// Item 9: a deletionTimestamp that is not a string reads as absent.
		{"deletionTimestamp a number", cm(int64(1)), Current, ""},
		{"deletionTimestamp a map", cm(map[string]any{"seconds": int64(1)}), Current, ""},
		{"deletionTimestamp empty", cm(""), Current, ""},
		{"deletionTimestamp set", cm("2026-01-01T00:00:00Z"), Terminating, ""},

		// Item 10: numbers held as float64 read as integers when whole and
		// in int64's range (jsonvalue.Int64), everywhere.
		{"float generations differ", deploy(2.0, 1.0, 1.0, 1.0), InProgress, "LatestGenerationNotObserved"},
		{"float generations equal, float counts", deploy(3.0, 3.0, 2.0, 2.0), Current, ""},
		{"float count short", deploy(1.0, 1.0, 3.0, 2.0), InProgress, "LessReplicas"},
		{"fractional spec.replicas reads as absent (1)", deploy(int64(1), int64(1), 2.5, int64(1)), Current, ""},
		{"out-of-range float generation reads as absent", deploy(math.Ldexp(1, 63), int64(1), int64(1), int64(1)), Current, ""},
		{"hand-built int counts", deploy(2, int32(1), 1, 1), InProgress, "LatestGenerationNotObserved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ComputeAt(tt.obj, now)
			if got.State != tt.want || got.Reason != tt.wantReason {
				t.Errorf("ComputeAt = %v, want state %s reason %q", got, tt.want, tt.wantReason)
			}
		})
	}
}

// RecheckAt is set by the one rule that depends on the clock, to the
// moment its answer changes, and only by it.
func TestComputeRecheckAt(t *testing.T) {
	created := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	obj := map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": "p", "creationTimestamp": created.Format(time.RFC3339)},
		"status": map[string]any{"phase": "Pending", "conditions": []any{
			map[string]any{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}}},
	}
	boundary := created.Add(PodScheduleWindow)
	tests := []struct {
		now           time.Time
		want          State
		wantRecheckAt time.Time
	}{
		{created.Add(-time.Hour), InProgress, boundary}, // a clock behind the server's
		{created, InProgress, boundary},
		{boundary.Add(-time.Nanosecond), InProgress, boundary},
		{boundary, Failed, time.Time{}},
		{boundary.Add(time.Hour), Failed, time.Time{}},
	}
	for _, tt := range tests {
		got := ComputeAt(obj, tt.now)
		if got.State != tt.want || !got.RecheckAt.Equal(tt.wantRecheckAt) {
			t.Errorf("at %s: %v RecheckAt %s, want %s RecheckAt %s", tt.now, got, got.RecheckAt, tt.want, tt.wantRecheckAt)
		}
	}
	// Readiness that does not depend on the clock has no RecheckAt.
	obj["status"] = map[string]any{"phase": "Pending"}
	if got := ComputeAt(obj, created); !got.RecheckAt.IsZero() {
		t.Errorf("pending pod: RecheckAt %s, want zero", got.RecheckAt)
	}
}
