package readiness

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// State is the computed state of an object, in kstatus's vocabulary.
type State string

// The states Compute reports. Current means the object's controller has
// caught up with its spec; InProgress that it has not yet; Failed that it
// gave up (a Job that failed, a Deployment past its progress deadline, a
// resource with Stalled=True); Terminating that the object is being
// deleted; Unknown that the object says something the rules cannot read
// (a Pod in phase Unknown). NotFound is for callers that look an object
// up, such as a wait, to report one that does not exist; Compute, which
// is given an object, never returns it.
const (
	InProgress  State = "InProgress"
	Current     State = "Current"
	Failed      State = "Failed"
	Terminating State = "Terminating"
	NotFound    State = "NotFound"
	Unknown     State = "Unknown"
)

// Result is the computed readiness of an object.
type Result struct {
	// State is the object's state.
	State State
	// Reason is a CamelCase reason, kstatus's where it has one (such as
	// "LessReplicas"); empty when there is nothing to add.
	Reason string
	// Message says the same for humans.
	Message string
	// RecheckAt is when the answer may change although the object does
	// not, because a rule depends on the clock (an unschedulable Pod fails
	// PodScheduleWindow after its creation); compute again then. It is
	// zero when no rule that decided the answer depends on the clock.
	RecheckAt time.Time
}

// String returns the state, the reason and the message on one line.
func (r Result) String() string {
	s := string(r.State)
	if r.Reason != "" {
		s += " (" + r.Reason + ")"
	}
	if r.Message != "" {
		s += ": " + r.Message
	}
	return s
}

// PodScheduleWindow is how long a Pod may stay unschedulable, counted from
// its metadata.creationTimestamp, before it is Failed (kstatus's
// ScheduleWindow).
const PodScheduleWindow = 15 * time.Second

// Compute returns the readiness of obj (an object as an
// unstructured.Unstructured holds it) at the current time; it is
// ComputeAt(obj, time.Now()). It never fails: see ComputeAt for how it
// reads what is malformed.
func Compute(obj map[string]any) Result {
	return ComputeAt(obj, time.Now())
}

// ComputeAt returns the readiness of obj as of now, by kstatus's rules,
// in kstatus's order:
//
//  1. metadata.deletionTimestamp set: Terminating.
//  2. status.observedGeneration present and not metadata.generation:
//     InProgress.
//  3. A condition Reconciling=True: InProgress; Stalled=True: Failed.
//  4. The rules of the built-in kinds: Deployment, StatefulSet, DaemonSet,
//     ReplicaSet, Pod, Job, PersistentVolumeClaim, Service,
//     PodDisruptionBudget, CustomResourceDefinition; ConfigMap, Secret and
//     CronJob are always Current.
//  5. A condition Ready: True is Current, False or Unknown InProgress.
//  6. Otherwise Current: kstatus takes the absence of known conditions to
//     mean that nothing is in progress, so a custom resource no controller
//     has looked at yet is Current. Wait for a condition of its own (or
//     its status.observedGeneration) when that matters.
//
// Three rules of the built-in kinds need saying:
//
//   - A Pod in phase Unknown (its node stopped reporting), or in a phase
//     no rule knows, is Unknown, as kstatus reports it (kstatus's Compute
//     returns an error, which its callers report as Unknown): the Pod may
//     come back or be replaced, and nothing in the object says which.
//   - A Pod that is Pending with PodScheduled=False, reason Unschedulable,
//     is InProgress until PodScheduleWindow after its creationTimestamp,
//     then Failed; Result.RecheckAt says when. Without a creationTimestamp
//     that parses (RFC 3339) it is Failed at once, as in kstatus.
//   - A Job with Suspended=True while its spec.suspend is true is Current:
//     its controller did what the spec asks, which is nothing, and a wait
//     for its readiness would otherwise last until the Job is resumed.
//     kstatus v0.37.2 has no such rule (a suspended Job that never started
//     is InProgress there, JobNotStarted); kstatus's later sources make the
//     Suspended condition alone Current. kobj also asks that spec.suspend
//     still be true because a Job has no observedGeneration: just after
//     the Job is resumed, its Suspended condition is stale until the
//     controller sees the change.
//
// Malformed fields (a deletionTimestamp or a phase that is not a string, a
// condition that is not a map, a count that is not a number) are read as
// absent rather than reported; kstatus reports most of them as errors.
// Integers are read by one rule: an int64, an int or int32 (maps built by
// hand), or a float64 that holds a whole number within int64's range (an
// object decoded by encoding/json holds every number as a float64).
// kstatus ignores float64 counts and fails on float64 generations.
func ComputeAt(obj map[string]any, now time.Time) Result {
	if ts, ok := lookup(obj, "metadata", "deletionTimestamp").(string); ok && ts != "" {
		return Result{State: Terminating, Message: "Resource scheduled for deletion"}
	}
	if r, decided := generationObserved(obj); decided {
		return r
	}
	conds := conditionsOf(obj)
	for _, c := range conds {
		if c.typ == "Reconciling" && c.status == "True" {
			return Result{State: InProgress, Reason: c.reason, Message: c.message}
		}
		if c.typ == "Stalled" && c.status == "True" {
			return Result{State: Failed, Reason: c.reason, Message: c.message}
		}
	}
	if rule := kindRule(obj); rule != nil {
		return rule(obj, conds, now)
	}
	for _, c := range conds {
		if c.typ != "Ready" {
			continue
		}
		switch c.status {
		case "True":
			return Result{State: Current, Message: "Resource is Ready"}
		case "False", "Unknown":
			return Result{State: InProgress, Reason: c.reason, Message: c.message}
		}
	}
	return Result{State: Current, Message: "Resource is current"}
}

// generationObserved applies kstatus's generation rule: a status that has
// not observed the latest spec is InProgress.
func generationObserved(obj map[string]any) (Result, bool) {
	gen, genOK := intOf(lookup(obj, "metadata", "generation"))
	observed, obsOK := intOf(lookup(obj, "status", "observedGeneration"))
	if !genOK || !obsOK || gen == observed {
		return Result{}, false
	}
	return inProgress("LatestGenerationNotObserved",
		fmt.Sprintf("%s generation is %d, but latest observed generation is %d", kindOf(obj), gen, observed)), true
}

// kindOf returns obj's kind, or "" when it has none that is a string.
func kindOf(obj map[string]any) string {
	k, _ := obj["kind"].(string)
	return k
}

// groupKind returns obj's group and kind as kstatus keys its rules: an
// apiVersion that does not parse gives neither, as it gives
// unstructured.Unstructured no GroupVersionKind.
func groupKind(obj map[string]any) (string, string) {
	av, _ := obj["apiVersion"].(string)
	gv, err := schema.ParseGroupVersion(av)
	if err != nil {
		return "", ""
	}
	return gv.Group, kindOf(obj)
}

func inProgress(reason, message string) Result {
	return Result{State: InProgress, Reason: reason, Message: message}
}

func failed(reason, message string) Result {
	return Result{State: Failed, Reason: reason, Message: message}
}

func current(message string) Result { return Result{State: Current, Message: message} }
