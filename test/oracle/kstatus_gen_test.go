package oracle

import (
	"fmt"
	"time"
)

// The generated objects of the kstatus comparison: for every kind kstatus
// has a rule for (and a few it has none for), the states its rule tells
// apart and the edges around them; each is then run with every variation.

// kindStates lists, per apiVersion and kind, the states generated: a name,
// and the object's spec and status as YAML flow maps ("" for none).
var kindStates = []struct {
	apiVersions []string
	kind        string
	states      [][3]string // name, spec, status
}{
	{[]string{"apps/v1", "extensions/v1beta1", "apps/v1beta2"}, "Deployment", [][3]string{
		{"no status", "{replicas: 1, progressDeadlineSeconds: 600}", ""},
		{"empty status", "{replicas: 1}", "{}"},
		{"ok", "{replicas: 2, progressDeadlineSeconds: 600}", "{replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2, conditions: [{type: Progressing, status: 'True', reason: NewReplicaSetAvailable}, {type: Available, status: 'True'}]}"},
		{"ok without progressDeadlineSeconds", "{replicas: 2}", "{replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2, conditions: [{type: Available, status: 'True'}]}"},
		{"ok with default replicas", "{}", "{replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, conditions: [{type: Available, status: 'True'}]}"},
		{"zero replicas, empty status", "{replicas: 0, progressDeadlineSeconds: 600}", "{conditions: [{type: Progressing, status: 'True', reason: NewReplicaSetAvailable}, {type: Available, status: 'True'}]}"},
		{"zero replicas, no conditions", "{replicas: 0}", "{}"},
		{"less replicas", "{replicas: 3}", "{replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1}"},
		{"less updated", "{replicas: 3}", "{replicas: 3, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3}"},
		{"extra pods", "{replicas: 1}", "{replicas: 3, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1}"},
		{"less available", "{replicas: 2}", "{replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 1}"},
		{"less ready", "{replicas: 2}", "{replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 2}"},
		{"not progressing", "{replicas: 1, progressDeadlineSeconds: 600}", "{replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, conditions: [{type: Progressing, status: 'True', reason: ReplicaSetUpdated}, {type: Available, status: 'True'}]}"},
		{"not available", "{replicas: 1, progressDeadlineSeconds: 600}", "{replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, conditions: [{type: Progressing, status: 'True', reason: NewReplicaSetAvailable}, {type: Available, status: 'False'}]}"},
		{"deadline exceeded", "{replicas: 1, progressDeadlineSeconds: 600}", "{replicas: 1, conditions: [{type: Progressing, status: 'False', reason: ProgressDeadlineExceeded, message: too slow}]}"},
	}},
	{[]string{"apps/v1", "apps/v1beta1"}, "StatefulSet", [][3]string{
		{"no status", "{replicas: 1}", ""},
		{"ok", "{replicas: 3}", "{replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, currentRevision: r1, updateRevision: r1}"},
		{"default replicas", "{}", "{replicas: 1, readyReplicas: 1, currentReplicas: 1, currentRevision: r1, updateRevision: r1}"},
		{"zero replicas", "{replicas: 0}", "{}"},
		{"less replicas", "{replicas: 3}", "{replicas: 2, readyReplicas: 2}"},
		{"less ready", "{replicas: 3}", "{replicas: 3, readyReplicas: 1, currentReplicas: 3}"},
		{"extra pods", "{replicas: 1}", "{replicas: 2, readyReplicas: 2, currentReplicas: 2}"},
		{"less current", "{replicas: 3}", "{replicas: 3, readyReplicas: 3, currentReplicas: 1}"},
		{"revision mismatch", "{replicas: 1}", "{replicas: 1, readyReplicas: 1, currentReplicas: 1, currentRevision: r1, updateRevision: r2}"},
		{"partition rollout", "{replicas: 4, updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 2}}}", "{replicas: 4, readyReplicas: 4, updatedReplicas: 1}"},
		{"partition complete", "{replicas: 4, updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 2}}}", "{replicas: 4, readyReplicas: 4, updatedReplicas: 2}"},
		{"OnDelete", "{replicas: 4, updateStrategy: {type: OnDelete}}", "{}"},
	}},
	{[]string{"apps/v1", "extensions/v1beta1"}, "DaemonSet", [][3]string{
		{"no status", "{}", ""},
		{"no desired number", "{}", "{observedGeneration: 1}"},
		{"ok", "{}", "{observedGeneration: 1, desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3, numberReady: 3}"},
		{"zero desired", "{}", "{observedGeneration: 1, desiredNumberScheduled: 0}"},
		{"less current", "{}", "{observedGeneration: 1, desiredNumberScheduled: 3, currentNumberScheduled: 2}"},
		{"less updated", "{}", "{observedGeneration: 1, desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 2}"},
		{"less available", "{}", "{observedGeneration: 1, desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2, numberReady: 3}"},
		{"less ready", "{}", "{observedGeneration: 1, desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3, numberReady: 2}"},
	}},
	{[]string{"apps/v1", "extensions/v1beta1"}, "ReplicaSet", [][3]string{
		{"no status", "{replicas: 2}", ""},
		{"ok", "{replicas: 2}", "{replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2}"},
		{"default replicas", "{}", "{replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 1}"},
		{"zero replicas", "{replicas: 0}", "{}"},
		{"less labelled", "{replicas: 2}", "{replicas: 2, fullyLabeledReplicas: 1, readyReplicas: 2, availableReplicas: 2}"},
		{"less available", "{replicas: 2}", "{replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1}"},
		{"less ready", "{replicas: 2}", "{replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 1, availableReplicas: 2}"},
		{"extra pods", "{replicas: 1}", "{replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3}"},
		{"replica failure", "{replicas: 2}", "{conditions: [{type: ReplicaFailure, status: 'True', reason: FailedCreate}]}"},
	}},
	{[]string{"v1"}, "Pod", [][3]string{
		{"no status", "", ""},
		{"no phase", "", "{conditions: []}"},
		{"pending", "", "{phase: Pending}"},
		{"unschedulable, old", "", "{phase: Pending, conditions: [{type: PodScheduled, status: 'False', reason: Unschedulable}]}"},
		{"not scheduled other reason", "", "{phase: Pending, conditions: [{type: PodScheduled, status: 'False', reason: SchedulerError}]}"},
		{"running ready", "", "{phase: Running, conditions: [{type: Ready, status: 'True'}]}"},
		{"running not ready", "", "{phase: Running, conditions: [{type: Ready, status: 'False'}]}"},
		{"crash looping", "", "{phase: Running, containerStatuses: [{name: a, state: {waiting: {reason: CrashLoopBackOff}}}, {name: b, state: {running: {}}}, {name: c, state: {waiting: {reason: CrashLoopBackOff}}}]}"},
		{"waiting not crash looping", "", "{phase: Running, containerStatuses: [{name: a, state: {waiting: {reason: ContainerCreating}}}]}"},
		{"ready and crash looping", "", "{phase: Running, conditions: [{type: Ready, status: 'True'}], containerStatuses: [{name: a, state: {waiting: {reason: CrashLoopBackOff}}}]}"},
		{"succeeded", "", "{phase: Succeeded}"},
		{"failed", "", "{phase: Failed}"},
		{"phase Unknown", "", "{phase: Unknown}"},
		{"phase no rule knows", "", "{phase: Exploded}"},
		{"phase not a string", "", "{phase: 3}"},
	}},
	{[]string{"v1"}, "PersistentVolumeClaim", [][3]string{
		{"no status", "", ""},
		{"bound", "", "{phase: Bound}"},
		{"pending", "", "{phase: Pending}"},
		{"lost", "", "{phase: Lost}"},
	}},
	{[]string{"v1"}, "Service", [][3]string{
		{"default", "", ""},
		{"ClusterIP", "{type: ClusterIP, clusterIP: 10.0.0.1}", ""},
		{"NodePort", "{type: NodePort}", ""},
		{"LoadBalancer without IP", "{type: LoadBalancer}", ""},
		{"LoadBalancer with IP", "{type: LoadBalancer, clusterIP: 10.0.0.1}", "{loadBalancer: {}}"},
		{"ExternalName", "{type: ExternalName, externalName: example.com}", ""},
	}},
	{[]string{"batch/v1"}, "Job", [][3]string{
		{"no status", "{}", ""},
		{"started", "{parallelism: 2, completions: 4}", "{startTime: '2026-01-01T00:00:00Z', active: 2, succeeded: 1}"},
		{"complete", "{completions: 2}", "{startTime: '2026-01-01T00:00:00Z', succeeded: 2, conditions: [{type: Complete, status: 'True'}]}"},
		{"failed", "{}", "{startTime: '2026-01-01T00:00:00Z', failed: 1, conditions: [{type: Failed, status: 'True', reason: BackoffLimitExceeded}]}"},
		{"complete false", "{}", "{conditions: [{type: Complete, status: 'False'}]}"},
		{"created suspended", "{suspend: true}", "{conditions: [{type: Suspended, status: 'True', reason: JobSuspended}]}"},
		{"suspended after start", "{suspend: true}", "{startTime: '2026-01-01T00:00:00Z', conditions: [{type: Suspended, status: 'True', reason: JobSuspended}]}"},
		{"resumed, condition stale", "{suspend: false}", "{conditions: [{type: Suspended, status: 'True', reason: JobSuspended}]}"},
		{"resumed", "{suspend: false}", "{startTime: '2026-01-01T00:00:00Z', conditions: [{type: Suspended, status: 'False', reason: JobResumed}]}"},
	}},
	{[]string{"batch/v1", "batch/v1beta1"}, "CronJob", [][3]string{
		{"no status", "{schedule: '* * * * *'}", ""},
		{"with status", "{schedule: '* * * * *'}", "{lastScheduleTime: '2026-01-01T00:00:00Z'}"},
	}},
	{[]string{"v1"}, "ConfigMap", [][3]string{{"plain", "", ""}}},
	{[]string{"v1"}, "Secret", [][3]string{{"plain", "", ""}}},
	{[]string{"apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1"}, "CustomResourceDefinition", [][3]string{
		{"no status", "{group: example.com}", ""},
		{"installing", "{}", "{conditions: [{type: NamesAccepted, status: 'True'}, {type: Established, status: 'False', reason: Installing}]}"},
		{"names not accepted", "{}", "{conditions: [{type: NamesAccepted, status: 'False', reason: NameConflict, message: taken}]}"},
		{"not established", "{}", "{conditions: [{type: Established, status: 'False', reason: Broken, message: no}]}"},
		{"established", "{}", "{conditions: [{type: NamesAccepted, status: 'True'}, {type: Established, status: 'True'}]}"},
		{"established unknown", "{}", "{conditions: [{type: Established, status: 'Unknown'}]}"},
	}},
	{[]string{"policy/v1", "policy/v1beta1"}, "PodDisruptionBudget", [][3]string{
		{"no status", "{minAvailable: 1}", ""},
		{"computed", "{minAvailable: 1}", "{currentHealthy: 1, desiredHealthy: 1, disruptionsAllowed: 0}"},
	}},
	{[]string{"example.com/v1", "kobj.dev/v1alpha1"}, "Widget", [][3]string{
		{"no status", "{size: 1}", ""},
		{"empty status", "{}", "{}"},
		{"other conditions", "{}", "{conditions: [{type: Synced, status: 'False'}]}"},
		{"Ready True", "{}", "{conditions: [{type: Ready, status: 'True'}]}"},
		{"Ready False", "{}", "{conditions: [{type: Ready, status: 'False', reason: Waiting, message: waiting}]}"},
		{"Ready Unknown", "{}", "{conditions: [{type: Ready, status: Unknown, reason: Pending}]}"},
		{"Ready not a status", "{}", "{conditions: [{type: Ready, status: Maybe}]}"},
		{"Reconciling True", "{}", "{conditions: [{type: Reconciling, status: 'True', reason: Working, message: busy}]}"},
		{"Reconciling False, Ready True", "{}", "{conditions: [{type: Reconciling, status: 'False'}, {type: Ready, status: 'True'}]}"},
		{"Stalled True", "{}", "{conditions: [{type: Stalled, status: 'True', reason: Broken, message: no way}]}"},
		{"Stalled and Reconciling", "{}", "{conditions: [{type: Stalled, status: 'True', reason: Broken}, {type: Reconciling, status: 'True', reason: Working}]}"},
		{"Ready True then Stalled", "{}", "{conditions: [{type: Ready, status: 'True'}, {type: Stalled, status: 'True', reason: Broken}]}"},
		{"conditions with observedGeneration", "{}", "{conditions: [{type: Ready, status: 'True', observedGeneration: 1}]}"},
		{"lowercase ready", "{}", "{conditions: [{type: ready, status: 'True'}, {type: Ready, status: 'False', reason: Case}]}"},
	}},
	{[]string{"v1"}, "Namespace", [][3]string{
		{"active", "", "{phase: Active}"},
		{"terminating phase", "", "{phase: Terminating}"},
	}},
	{[]string{"rbac.authorization.k8s.io/v1"}, "Role", [][3]string{{"plain", "", ""}}},
	// A kind with a rule under a group that is not its own, and an
	// apiVersion that does not parse: no kind rule applies.
	{[]string{"example.com/v1", "a/b/c"}, "Deployment", [][3]string{
		{"less replicas", "{replicas: 3}", "{replicas: 1}"},
	}},
	{[]string{"v1", "example.com/v1"}, "Job", [][3]string{{"no status", "", ""}}},
}

// generatedCases builds the generated base objects.
func generatedCases() []oracleCase {
	var cases []oracleCase
	for _, k := range kindStates {
		for _, av := range k.apiVersions {
			for _, st := range k.states {
				y := fmt.Sprintf("apiVersion: %s\nkind: %s\nmetadata: {name: x, namespace: ns, creationTimestamp: '2026-01-01T00:00:00Z'}\n", av, k.kind)
				if st[1] != "" {
					y += "spec: " + st[1] + "\n"
				}
				if st[2] != "" {
					y += "status: " + st[2] + "\n"
				}
				cases = append(cases, oracleCase{name: fmt.Sprintf("%s %s/%s", av, k.kind, st[0]), obj: mustYAML(y)})
			}
		}
	}
	// Pods on either side of the schedule window, by the clock of the run.
	for _, age := range []time.Duration{-time.Hour, time.Hour} {
		y := fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: x, creationTimestamp: '%s'}
status: {phase: Pending, conditions: [{type: PodScheduled, status: 'False', reason: Unschedulable}]}`,
			time.Now().Add(age).UTC().Format(time.RFC3339))
		cases = append(cases, oracleCase{name: fmt.Sprintf("v1 Pod/unschedulable, created %s from now", age), obj: mustYAML(y)})
	}
	return cases
}

// variation rewrites a base object into one more case, or returns nil
// when it does not apply to it.
type variation struct {
	name  string
	apply func(obj map[string]any) map[string]any
}

var variations = []variation{
	{"as is", func(obj map[string]any) map[string]any { return obj }},
	{"generation observed", setGenerations(int64(1), int64(1))},
	{"generation not observed", setGenerations(int64(2), int64(1))},
	{"observedGeneration ahead", setGenerations(int64(1), int64(2))},
	{"generation only", setGenerations(int64(3), nil)},
	{"observedGeneration only", setGenerations(nil, int64(3))},
	{"float generations observed", setGenerations(2.0, 2.0)},
	{"float generations not observed", setGenerations(2.0, 1.0)},
	{"fractional generation", setGenerations(1.5, int64(1))},
	{"string generation", setGenerations("2", int64(2))},
	{"string observedGeneration", setGenerations(int64(2), "1")},
	{"deletionTimestamp", setDeletionTimestamp("2026-01-01T00:00:00Z")},
	{"deletionTimestamp empty", setDeletionTimestamp("")},
	{"deletionTimestamp a number", setDeletionTimestamp(int64(1767225600))},
	{"deletionTimestamp a map", setDeletionTimestamp(map[string]any{"seconds": int64(1)})},
	{"deletionTimestamp null", setDeletionTimestamp(nil)},
	{"numbers as float64", func(obj map[string]any) map[string]any {
		if !hasInt(obj) {
			return nil
		}
		return toFloats(obj).(map[string]any)
	}},
	{"status missing", func(obj map[string]any) map[string]any {
		if _, ok := obj["status"]; !ok {
			return nil
		}
		delete(obj, "status")
		return obj
	}},
	{"status null", func(obj map[string]any) map[string]any { obj["status"] = nil; return obj }},
	{"status not a map", func(obj map[string]any) map[string]any { obj["status"] = "broken"; return obj }},
	{"Reconciling True added", addCondition(map[string]any{"type": "Reconciling", "status": "True", "reason": "Busy", "message": "busy"})},
	{"Stalled True added", addCondition(map[string]any{"type": "Stalled", "status": "True", "reason": "Stuck", "message": "stuck"})},
	{"Stalled False added", addCondition(map[string]any{"type": "Stalled", "status": "False"})},
	{"Ready False added", addCondition(map[string]any{"type": "Ready", "status": "False", "reason": "NotYet"})},
	{"Ready True added", addCondition(map[string]any{"type": "Ready", "status": "True"})},
	{"condition not a map added", addCondition("oops")},
	{"condition status not a string added", addCondition(map[string]any{"type": "Ready", "status": true})},
	{"condition type not a string added", addCondition(map[string]any{"type": int64(1), "status": "True"})},
	{"conditions not a list", func(obj map[string]any) map[string]any {
		ensureMap(obj, "status")["conditions"] = "broken"
		return obj
	}},
	{"conditions null", func(obj map[string]any) map[string]any {
		ensureMap(obj, "status")["conditions"] = nil
		return obj
	}},
	{"zero replicas", func(obj map[string]any) map[string]any {
		spec, ok := obj["spec"].(map[string]any)
		if !ok {
			return nil
		}
		if _, ok := spec["replicas"]; !ok {
			return nil
		}
		spec["replicas"] = int64(0)
		return obj
	}},
	{"spec not a map", func(obj map[string]any) map[string]any {
		if _, ok := obj["spec"]; !ok {
			return nil
		}
		obj["spec"] = []any{"broken"}
		return obj
	}},
	{"containerStatuses malformed", func(obj map[string]any) map[string]any {
		if kindOf(obj) != "Pod" {
			return nil
		}
		st := ensureMap(obj, "status")
		st["containerStatuses"] = []any{"oops", map[string]any{"name": int64(1)},
			map[string]any{"name": "s", "state": "running"},
			map[string]any{"name": "w", "state": map[string]any{"waiting": map[string]any{"reason": int64(7)}}},
			map[string]any{"name": "c", "state": map[string]any{"waiting": map[string]any{"reason": "CrashLoopBackOff"}}}}
		return obj
	}},
	{"containerStatuses not a list", func(obj map[string]any) map[string]any {
		if kindOf(obj) != "Pod" {
			return nil
		}
		ensureMap(obj, "status")["containerStatuses"] = map[string]any{"name": "a"}
		return obj
	}},
}

func setGenerations(gen, observed any) func(map[string]any) map[string]any {
	return func(obj map[string]any) map[string]any {
		meta := ensureMap(obj, "metadata")
		delete(meta, "generation")
		if gen != nil {
			meta["generation"] = gen
		}
		st := ensureMap(obj, "status")
		delete(st, "observedGeneration")
		if observed != nil {
			st["observedGeneration"] = observed
		}
		return obj
	}
}

func setDeletionTimestamp(v any) func(map[string]any) map[string]any {
	return func(obj map[string]any) map[string]any {
		ensureMap(obj, "metadata")["deletionTimestamp"] = v
		return obj
	}
}

func addCondition(c any) func(map[string]any) map[string]any {
	return func(obj map[string]any) map[string]any {
		st := ensureMap(obj, "status")
		list, _ := st["conditions"].([]any)
		st["conditions"] = append([]any{c}, list...)
		return obj
	}
}

func hasInt(v any) bool {
	switch x := v.(type) {
	case int64:
		return true
	case map[string]any:
		for _, e := range x {
			if hasInt(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if hasInt(e) {
				return true
			}
		}
	}
	return false
}

// toFloats turns every int64 into a float64, as encoding/json decodes.
func toFloats(v any) any {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case map[string]any:
		for k, e := range x {
			x[k] = toFloats(e)
		}
	case []any:
		for i, e := range x {
			x[i] = toFloats(e)
		}
	}
	return v
}
