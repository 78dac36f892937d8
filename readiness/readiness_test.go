package readiness

import (
	"math"
	"testing"
	"time"

	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/yaml"
)

// mustMap reads one object from YAML as an unstructured object holds it:
// whole numbers as int64, others as float64.
func mustMap(t *testing.T, y string) map[string]any {
	t.Helper()
	j, err := yaml.YAMLToJSON([]byte(y))
	if err != nil {
		t.Fatalf("test object: %v", err)
	}
	var m map[string]any
	if err := utiljson.Unmarshal(j, &m); err != nil {
		t.Fatalf("test object: %v", err)
	}
	return m
}

// The cases follow kstatus's documented behaviour and its test table
// (sigs.k8s.io/cli-utils pkg/kstatus/status, status_compute_test.go),
// rewritten for kobj: same inputs, same State and Reason. The oracle test
// in kobj's test module runs kstatus itself.
func TestComputeFollowsKstatus(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		yaml       string
		want       State
		wantReason string
	}{
		// Generic rules, in their order.
		{"deletionTimestamp wins over everything", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, generation: 1, deletionTimestamp: "2026-01-01T00:00:00Z"}
status: {observedGeneration: 0}`, Terminating, ""},
		{"observedGeneration behind generation", `
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, generation: 2}
status: {observedGeneration: 1, conditions: [{type: Ready, status: "True"}]}`, InProgress, "LatestGenerationNotObserved"},
		{"Reconciling=True", `
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, generation: 1}
status: {observedGeneration: 1, conditions: [{type: Reconciling, status: "True", reason: Working}]}`, InProgress, "Working"},
		{"Stalled=True", `
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
status: {conditions: [{type: Stalled, status: "True", reason: Broken, message: no way}]}`, Failed, "Broken"},
		{"Ready=True", `
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
status: {conditions: [{type: Ready, status: "True"}]}`, Current, ""},
		{"Ready=False", `
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
status: {conditions: [{type: Ready, status: "False", reason: Waiting}]}`, InProgress, "Waiting"},
		{"Ready=Unknown", `
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
status: {conditions: [{type: Ready, status: Unknown, reason: Pending}]}`, InProgress, "Pending"},
		{"no status at all: kstatus says Current", `
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, generation: 1}`, Current, ""},
		{"malformed conditions are read as absent", `
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
status: {conditions: [oops, {type: Ready, status: "True"}]}`, Current, ""},

		// Pod.
		{"pod without status", `
apiVersion: v1
kind: Pod
metadata: {name: p}`, InProgress, "PodNotObserved"},
		{"pod running and ready", `
apiVersion: v1
kind: Pod
metadata: {name: p}
status: {phase: Running, conditions: [{type: Ready, status: "True"}]}`, Current, ""},
		{"pod succeeded", `
apiVersion: v1
kind: Pod
metadata: {name: p}
status: {phase: Succeeded}`, Current, ""},
		{"pod failed is Current, as in kstatus", `
apiVersion: v1
kind: Pod
metadata: {name: p}
status: {phase: Failed}`, Current, ""},
		{"pod being scheduled", `
apiVersion: v1
kind: Pod
metadata: {name: p, creationTimestamp: "2026-01-01T11:59:55Z"}
status: {phase: Pending, conditions: [{type: PodScheduled, status: "False", reason: Unschedulable}]}`, InProgress, "PodNotScheduled"},
		{"pod unschedulable past the window", `
apiVersion: v1
kind: Pod
metadata: {name: p, creationTimestamp: "2026-01-01T11:00:00Z"}
status: {phase: Pending, conditions: [{type: PodScheduled, status: "False", reason: Unschedulable}]}`, Failed, "PodUnschedulable"},
		{"pod crash looping", `
apiVersion: v1
kind: Pod
metadata: {name: p}
status:
  phase: Running
  containerStatuses: [{name: app, state: {waiting: {reason: CrashLoopBackOff}}}]`, Failed, "ContainerCrashLooping"},
		{"pod pending", `
apiVersion: v1
kind: Pod
metadata: {name: p}
status: {phase: Pending}`, InProgress, "PodPending"},

		// PersistentVolumeClaim.
		{"pvc without status", `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: c}`, InProgress, "NotBound"},
		{"pvc bound", `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: c}
status: {phase: Bound}`, Current, ""},

		// StatefulSet.
		{"statefulset without status", `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s, generation: 1}
spec: {replicas: 1}`, InProgress, "LessReplicas"},
		{"statefulset ok", `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s, generation: 1}
spec: {replicas: 4}
status: {observedGeneration: 1, replicas: 4, readyReplicas: 4, currentReplicas: 4, updatedReplicas: 4, currentRevision: r1, updateRevision: r1}`, Current, ""},
		{"statefulset less ready", `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s, generation: 1}
spec: {replicas: 4}
status: {observedGeneration: 1, replicas: 4, readyReplicas: 2, currentReplicas: 4}`, InProgress, "LessReady"},
		{"statefulset less current", `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s, generation: 1}
spec: {replicas: 4}
status: {observedGeneration: 1, replicas: 4, readyReplicas: 4, currentReplicas: 2}`, InProgress, "LessCurrent"},
		{"statefulset extra pods", `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s, generation: 1}
spec: {replicas: 4}
status: {observedGeneration: 1, replicas: 8, readyReplicas: 8, currentReplicas: 4}`, InProgress, "ExtraPods"},
		{"statefulset revision mismatch", `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s, generation: 1}
spec: {replicas: 1}
status: {observedGeneration: 1, replicas: 1, readyReplicas: 1, currentReplicas: 1, currentRevision: r1, updateRevision: r2}`, InProgress, "RevisionMismatch"},
		{"statefulset partition rollout", `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s, generation: 1}
spec: {replicas: 4, updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 2}}}
status: {observedGeneration: 1, replicas: 4, readyReplicas: 4, updatedReplicas: 1}`, InProgress, "PartitionRollout"},
		{"statefulset OnDelete", `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s}
spec: {replicas: 4, updateStrategy: {type: OnDelete}}`, Current, ""},

		// DaemonSet.
		{"daemonset without status", `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: d, generation: 1}`, InProgress, "NoObservedGeneration"},
		{"daemonset without desired number", `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: d, generation: 1}
status: {observedGeneration: 1}`, InProgress, "NoDesiredNumber"},
		{"daemonset ok", `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: d, generation: 1}
status: {observedGeneration: 1, desiredNumberScheduled: 4, currentNumberScheduled: 4, updatedNumberScheduled: 4, numberAvailable: 4, numberReady: 4}`, Current, ""},
		{"daemonset different generation", `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: d, generation: 2}
status: {observedGeneration: 1, desiredNumberScheduled: 4, currentNumberScheduled: 4, updatedNumberScheduled: 4, numberAvailable: 4, numberReady: 4}`, InProgress, "LatestGenerationNotObserved"},
		{"daemonset less ready", `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: d, generation: 1}
status: {observedGeneration: 1, desiredNumberScheduled: 4, currentNumberScheduled: 4, updatedNumberScheduled: 4, numberAvailable: 4, numberReady: 2}`, InProgress, "LessReady"},
		{"daemonset less available", `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: d, generation: 1}
status: {observedGeneration: 1, desiredNumberScheduled: 4, currentNumberScheduled: 4, updatedNumberScheduled: 4, numberAvailable: 2, numberReady: 4}`, InProgress, "LessAvailable"},

		// Deployment.
		{"deployment without status", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, generation: 1}
spec: {replicas: 1, progressDeadlineSeconds: 600}`, InProgress, "LessReplicas"},
		{"deployment ok", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, generation: 1}
spec: {replicas: 1, progressDeadlineSeconds: 600}
status:
  observedGeneration: 1
  replicas: 1
  updatedReplicas: 1
  readyReplicas: 1
  availableReplicas: 1
  conditions:
  - {type: Progressing, status: "True", reason: NewReplicaSetAvailable}
  - {type: Available, status: "True"}`, Current, ""},
		{"deployment not progressing", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, generation: 1}
spec: {replicas: 1, progressDeadlineSeconds: 600}
status:
  observedGeneration: 1
  replicas: 1
  updatedReplicas: 1
  readyReplicas: 1
  availableReplicas: 1
  conditions:
  - {type: Progressing, status: "False", reason: ReplicaSetUpdated}
  - {type: Available, status: "True"}`, InProgress, "ReplicaSetNotAvailable"},
		{"deployment without progressDeadlineSeconds needs no Progressing", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, generation: 1}
spec: {replicas: 1}
status:
  observedGeneration: 1
  replicas: 1
  updatedReplicas: 1
  readyReplicas: 1
  availableReplicas: 1
  conditions: [{type: Available, status: "True"}]`, Current, ""},
		{"deployment not available", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, generation: 1}
spec: {replicas: 1, progressDeadlineSeconds: 600}
status:
  observedGeneration: 1
  replicas: 1
  updatedReplicas: 1
  readyReplicas: 1
  availableReplicas: 1
  conditions:
  - {type: Progressing, status: "True", reason: NewReplicaSetAvailable}
  - {type: Available, status: "False"}`, InProgress, "DeploymentNotAvailable"},
		{"deployment past its progress deadline", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, generation: 1}
spec: {replicas: 1, progressDeadlineSeconds: 600}
status:
  observedGeneration: 1
  conditions: [{type: Progressing, status: "False", reason: ProgressDeadlineExceeded}]`, Failed, "ProgressDeadlineExceeded"},
		{"deployment less available", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, generation: 1}
spec: {replicas: 2}
status: {observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 1}`, InProgress, "LessAvailable"},

		// ReplicaSet.
		{"replicaset without status", `
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: r, generation: 1}
spec: {replicas: 2}`, InProgress, "LessLabelled"},
		{"replicaset ok", `
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: r, generation: 1}
spec: {replicas: 2}
status: {observedGeneration: 1, replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2}`, Current, ""},
		{"replicaset less ready", `
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: r, generation: 1}
spec: {replicas: 2}
status: {observedGeneration: 1, replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 1, availableReplicas: 2}`, InProgress, "LessReady"},
		{"replicaset replica failure", `
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: r, generation: 1}
spec: {replicas: 2}
status: {observedGeneration: 1, conditions: [{type: ReplicaFailure, status: "True"}]}`, InProgress, "ReplicaFailure"},

		// PodDisruptionBudget.
		{"pdb not observed", `
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: p, generation: 2}
status: {observedGeneration: 1}`, InProgress, "LatestGenerationNotObserved"},
		{"pdb observed", `
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: p, generation: 1}
status: {observedGeneration: 1}`, Current, ""},

		// Job.
		{"job not started", `
apiVersion: batch/v1
kind: Job
metadata: {name: j}`, InProgress, "JobNotStarted"},
		{"job complete", `
apiVersion: batch/v1
kind: Job
metadata: {name: j}
status: {succeeded: 1, startTime: "2026-01-01T00:00:00Z", conditions: [{type: Complete, status: "True"}]}`, Current, ""},
		{"job failed", `
apiVersion: batch/v1
kind: Job
metadata: {name: j}
status: {failed: 1, startTime: "2026-01-01T00:00:00Z", conditions: [{type: Failed, status: "True"}]}`, Failed, "JobFailed"},
		{"job running is Current, as in kstatus", `
apiVersion: batch/v1
kind: Job
metadata: {name: j}
status: {active: 1, startTime: "2026-01-01T00:00:00Z"}`, Current, ""},
		{"job suspended", `
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec: {suspend: true}
status: {conditions: [{type: Suspended, status: "True"}]}`, Current, ""},

		// Always ready.
		{"cronjob", `
apiVersion: batch/v1
kind: CronJob
metadata: {name: c}`, Current, ""},
		{"configmap", `
apiVersion: v1
kind: ConfigMap
metadata: {name: c}`, Current, ""},
		{"secret", `
apiVersion: v1
kind: Secret
metadata: {name: s}`, Current, ""},

		// Service.
		{"service default", `
apiVersion: v1
kind: Service
metadata: {name: s}`, Current, ""},
		{"service load balancer without IP", `
apiVersion: v1
kind: Service
metadata: {name: s}
spec: {type: LoadBalancer}`, InProgress, "NoIPAssigned"},
		{"service load balancer with IP", `
apiVersion: v1
kind: Service
metadata: {name: s}
spec: {type: LoadBalancer, clusterIP: 10.0.0.1}`, Current, ""},

		// CustomResourceDefinition.
		{"crd without conditions", `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}`, InProgress, "Installing"},
		{"crd installing", `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
status: {conditions: [{type: Established, status: "False", reason: Installing}]}`, InProgress, "Installing"},
		{"crd names not accepted", `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
status: {conditions: [{type: NamesAccepted, status: "False", reason: NameConflict}]}`, Failed, "NameConflict"},
		{"crd established", `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
status: {conditions: [{type: NamesAccepted, status: "True"}, {type: Established, status: "True"}]}`, Current, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ComputeAt(mustMap(t, tt.yaml), now)
			if got.State != tt.want || got.Reason != tt.wantReason {
				t.Errorf("readiness = %v, want state %s reason %q", got, tt.want, tt.wantReason)
			}
		})
	}
}

func TestResultStringNamesStateReasonAndMessage(t *testing.T) {
	r := Result{State: InProgress, Reason: "LessReplicas", Message: "Replicas: 0/1"}
	if got, want := r.String(), "InProgress (LessReplicas): Replicas: 0/1"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

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
