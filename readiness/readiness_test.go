package readiness

import (
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
