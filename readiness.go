package kobj

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/kobj-dev/kobj/internal/jsonvalue"
)

// ReadinessState is the computed state of an object, in the vocabulary of
// kstatus (sigs.k8s.io/cli-utils/pkg/kstatus/status).
type ReadinessState string

// The states Readiness reports. Current means the object's controller has
// caught up with its spec; InProgress that it has not yet; Failed that it
// gave up (a Job that failed, a Deployment past its progress deadline, a
// resource with Stalled=True); Terminating that the object is being
// deleted. NotFound is what a wait reports for an object that does not
// exist; the Readiness of an Object value never says NotFound.
const (
	InProgress  ReadinessState = "InProgress"
	Current     ReadinessState = "Current"
	Failed      ReadinessState = "Failed"
	Terminating ReadinessState = "Terminating"
	NotFound    ReadinessState = "NotFound"
)

// Readiness is the computed state of an object: State, a CamelCase Reason
// (kstatus's, such as "LessReplicas"; empty when there is nothing to add)
// and a Message for humans.
type Readiness struct {
	State   ReadinessState
	Reason  string
	Message string
}

// String returns the state, the reason and the message on one line.
func (r Readiness) String() string {
	s := string(r.State)
	if r.Reason != "" {
		s += " (" + r.Reason + ")"
	}
	if r.Message != "" {
		s += ": " + r.Message
	}
	return s
}

// podScheduleWindow is how long a Pod may stay unschedulable before it
// counts as Failed (kstatus's ScheduleWindow).
const podScheduleWindow = 15 * time.Second

// Readiness computes the object's state from its content alone, without a
// request, by kstatus's rules, in kstatus's order:
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
//     its status.observedGeneration with PathEquals) when that matters.
//
// Malformed fields (a condition that is not a map, a count that is not a
// number) are read as absent rather than reported as errors.
func (o *Object) Readiness() Readiness {
	return readinessAt(o, time.Now())
}

// readinessAt is Readiness with the clock given, for the one rule that
// needs it (an unschedulable Pod fails after podScheduleWindow).
func readinessAt(o *Object, now time.Time) Readiness {
	if ts, _ := o.Get("metadata.deletionTimestamp"); ts != nil && ts != "" {
		return Readiness{State: Terminating, Message: "Resource scheduled for deletion"}
	}
	if r, decided := generationObserved(o); decided {
		return r
	}
	conds := conditionsOf(o)
	for _, c := range conds {
		if c.Type == "Reconciling" && c.Status == "True" {
			return Readiness{State: InProgress, Reason: c.Reason, Message: c.Message}
		}
		if c.Type == "Stalled" && c.Status == "True" {
			return Readiness{State: Failed, Reason: c.Reason, Message: c.Message}
		}
	}
	if rule := kindRule(o); rule != nil {
		return rule(o, conds, now)
	}
	for _, c := range conds {
		if c.Type != "Ready" {
			continue
		}
		switch c.Status {
		case "True":
			return Readiness{State: Current, Message: "Resource is Ready"}
		case "False", "Unknown":
			return Readiness{State: InProgress, Reason: c.Reason, Message: c.Message}
		}
	}
	return Readiness{State: Current, Message: "Resource is current"}
}

// generationObserved applies kstatus's generation rule: a status that has
// not observed the latest spec is InProgress.
func generationObserved(o *Object) (Readiness, bool) {
	gen, genErr := o.GetInt64("metadata.generation")
	observed, obsErr := o.GetInt64("status.observedGeneration")
	if genErr != nil || obsErr != nil || gen == observed {
		return Readiness{}, false
	}
	return stateInProgress("LatestGenerationNotObserved",
		fmt.Sprintf("%s generation is %d, but latest observed generation is %d", o.Kind(), gen, observed)), true
}

// statusCondition is one entry of status.conditions, as far as readiness
// and the Condition constructors read it.
type statusCondition struct {
	Type, Status, Reason, Message string
	ObservedGeneration            int64
	HasObservedGeneration         bool
}

// conditionsOf returns status.conditions, skipping entries that are not
// maps.
func conditionsOf(o *Object) []statusCondition {
	raw, _ := o.Get("status.conditions")
	list, _ := raw.([]any)
	out := make([]statusCondition, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		c := statusCondition{}
		c.Type, _ = m["type"].(string)
		c.Status, _ = m["status"].(string)
		c.Reason, _ = m["reason"].(string)
		c.Message, _ = m["message"].(string)
		if g, ok := jsonvalue.Int64(m["observedGeneration"]); ok {
			c.ObservedGeneration, c.HasObservedGeneration = g, true
		}
		out = append(out, c)
	}
	return out
}

func stateInProgress(reason, message string) Readiness {
	return Readiness{State: InProgress, Reason: reason, Message: message}
}

func stateFailed(reason, message string) Readiness {
	return Readiness{State: Failed, Reason: reason, Message: message}
}

func stateCurrent(message string) Readiness { return Readiness{State: Current, Message: message} }

// kindRuleFunc computes the readiness of one built-in kind.
type kindRuleFunc func(o *Object, conds []statusCondition, now time.Time) Readiness

// kindRule returns the rule of o's kind, by group and kind as kstatus keys
// them (any version), or nil for a kind without one.
func kindRule(o *Object) kindRuleFunc {
	gvk := o.GroupVersionKind()
	switch gvk.Group + "/" + gvk.Kind {
	case "/Service":
		return serviceReadiness
	case "/Pod":
		return podReadiness
	case "/Secret", "/ConfigMap", "batch/CronJob":
		return func(*Object, []statusCondition, time.Time) Readiness { return stateCurrent("Resource is always ready") }
	case "/PersistentVolumeClaim":
		return pvcReadiness
	case "apps/StatefulSet":
		return statefulSetReadiness
	case "apps/DaemonSet", "extensions/DaemonSet":
		return daemonSetReadiness
	case "apps/Deployment", "extensions/Deployment":
		return deploymentReadiness
	case "apps/ReplicaSet", "extensions/ReplicaSet":
		return replicaSetReadiness
	case "policy/PodDisruptionBudget":
		// The generation rule above already asked that the disruption
		// controller saw the latest spec; kstatus asks nothing more.
		return func(*Object, []statusCondition, time.Time) Readiness {
			return stateCurrent("AllowedDisruptions has been computed.")
		}
	case "batch/Job":
		return jobReadiness
	case "apiextensions.k8s.io/CustomResourceDefinition":
		return crdReadiness
	}
	return nil
}

// intField reads an integer field, or def when it is absent or not one.
func intField(o *Object, path string, def int64) int64 {
	if n, err := o.GetInt64(path); err == nil {
		return n
	}
	return def
}

func stringField(o *Object, path, def string) string {
	if s, err := o.GetString(path); err == nil {
		return s
	}
	return def
}

func hasCondition(conds []statusCondition, typ, status string) (statusCondition, bool) {
	for _, c := range conds {
		if c.Type == typ && c.Status == status {
			return c, true
		}
	}
	return statusCondition{}, false
}

func deploymentReadiness(o *Object, conds []statusCondition, _ time.Time) Readiness {
	// Without progressDeadlineSeconds the controller sets no Progressing
	// condition, so there is nothing to wait for on that side.
	progressing := intField(o, "spec.progressDeadlineSeconds", math.MaxInt32) == math.MaxInt32
	available := false
	for _, c := range conds {
		switch c.Type {
		case "Progressing":
			if c.Reason == "ProgressDeadlineExceeded" {
				return stateFailed(c.Reason, "Progress deadline exceeded")
			}
			if c.Status == "True" && c.Reason == "NewReplicaSetAvailable" {
				progressing = true
			}
		case "Available":
			if c.Status == "True" {
				available = true
			}
		}
	}
	spec := intField(o, "spec.replicas", 1)
	replicas := intField(o, "status.replicas", 0)
	updated := intField(o, "status.updatedReplicas", 0)
	ready := intField(o, "status.readyReplicas", 0)
	avail := intField(o, "status.availableReplicas", 0)
	switch {
	case spec > replicas:
		return stateInProgress("LessReplicas", fmt.Sprintf("Replicas: %d/%d", replicas, spec))
	case spec > updated:
		return stateInProgress("LessUpdated", fmt.Sprintf("Updated: %d/%d", updated, spec))
	case replicas > spec:
		return stateInProgress("ExtraPods", fmt.Sprintf("Pending termination: %d", replicas-spec))
	case updated > avail:
		return stateInProgress("LessAvailable", fmt.Sprintf("Available: %d/%d", avail, updated))
	case spec > ready:
		return stateInProgress("LessReady", fmt.Sprintf("Ready: %d/%d", ready, spec))
	case !progressing:
		return stateInProgress("ReplicaSetNotAvailable", "ReplicaSet not Available")
	case !available:
		return stateInProgress("DeploymentNotAvailable", "Deployment not Available")
	}
	return stateCurrent(fmt.Sprintf("Deployment is available. Replicas: %d", replicas))
}

func statefulSetReadiness(o *Object, _ []statusCondition, _ time.Time) Readiness {
	if stringField(o, "spec.updateStrategy.type", "") == "OnDelete" {
		return stateCurrent("StatefulSet is using the ondelete update strategy")
	}
	spec := intField(o, "spec.replicas", 1)
	ready := intField(o, "status.readyReplicas", 0)
	currentReplicas := intField(o, "status.currentReplicas", 0)
	updated := intField(o, "status.updatedReplicas", 0)
	replicas := intField(o, "status.replicas", 0)
	partition := intField(o, "spec.updateStrategy.rollingUpdate.partition", -1)
	switch {
	case spec > replicas:
		return stateInProgress("LessReplicas", fmt.Sprintf("Replicas: %d/%d", replicas, spec))
	case spec > ready:
		return stateInProgress("LessReady", fmt.Sprintf("Ready: %d/%d", ready, spec))
	case replicas > spec:
		return stateInProgress("ExtraPods", fmt.Sprintf("Pending termination: %d", replicas-spec))
	}
	if partition != -1 {
		if updated < spec-partition {
			return stateInProgress("PartitionRollout", fmt.Sprintf("updated: %d/%d", updated, spec-partition))
		}
		return stateCurrent(fmt.Sprintf("Partition rollout complete. updated: %d", updated))
	}
	if spec > currentReplicas {
		return stateInProgress("LessCurrent", fmt.Sprintf("current: %d/%d", currentReplicas, spec))
	}
	if stringField(o, "status.currentRevision", "") != stringField(o, "status.updateRevision", "") {
		return stateInProgress("RevisionMismatch", "Waiting for updated revision to match current")
	}
	return stateCurrent(fmt.Sprintf("All replicas scheduled as expected. Replicas: %d", replicas))
}

func daemonSetReadiness(o *Object, _ []statusCondition, _ time.Time) Readiness {
	// Unlike the generic rule, a DaemonSet whose controller has not
	// written observedGeneration yet is not taken as current.
	if _, err := o.GetInt64("metadata.generation"); err != nil {
		return stateInProgress("NoGeneration", o.Kind()+" metadata.generation not found")
	}
	if _, err := o.GetInt64("status.observedGeneration"); err != nil {
		return stateInProgress("NoObservedGeneration", o.Kind()+" status.observedGeneration not found")
	}
	desired := intField(o, "status.desiredNumberScheduled", -1)
	scheduled := intField(o, "status.currentNumberScheduled", 0)
	updated := intField(o, "status.updatedNumberScheduled", 0)
	avail := intField(o, "status.numberAvailable", 0)
	ready := intField(o, "status.numberReady", 0)
	switch {
	case desired == -1:
		return stateInProgress("NoDesiredNumber", "Missing .status.desiredNumberScheduled")
	case desired > scheduled:
		return stateInProgress("LessCurrent", fmt.Sprintf("Current: %d/%d", scheduled, desired))
	case desired > updated:
		return stateInProgress("LessUpdated", fmt.Sprintf("Updated: %d/%d", updated, desired))
	case desired > avail:
		return stateInProgress("LessAvailable", fmt.Sprintf("Available: %d/%d", avail, desired))
	case desired > ready:
		return stateInProgress("LessReady", fmt.Sprintf("Ready: %d/%d", ready, desired))
	}
	return stateCurrent(fmt.Sprintf("All replicas scheduled as expected. Replicas: %d", desired))
}

func replicaSetReadiness(o *Object, conds []statusCondition, _ time.Time) Readiness {
	if _, bad := hasCondition(conds, "ReplicaFailure", "True"); bad {
		return stateInProgress("ReplicaFailure", "Replica Failure condition. Check Pods")
	}
	spec := intField(o, "spec.replicas", 1)
	replicas := intField(o, "status.replicas", 0)
	ready := intField(o, "status.readyReplicas", 0)
	avail := intField(o, "status.availableReplicas", 0)
	labelled := intField(o, "status.fullyLabeledReplicas", 0)
	switch {
	case spec > labelled:
		return stateInProgress("LessLabelled", fmt.Sprintf("Labelled: %d/%d", labelled, spec))
	case spec > avail:
		return stateInProgress("LessAvailable", fmt.Sprintf("Available: %d/%d", avail, spec))
	case spec > ready:
		return stateInProgress("LessReady", fmt.Sprintf("Ready: %d/%d", ready, spec))
	case replicas > spec:
		return stateInProgress("ExtraPods", fmt.Sprintf("Pending termination: %d", replicas-spec))
	}
	return stateCurrent(fmt.Sprintf("ReplicaSet is available. Replicas: %d", replicas))
}

func pvcReadiness(o *Object, _ []statusCondition, _ time.Time) Readiness {
	if phase := stringField(o, "status.phase", "unknown"); phase != "Bound" {
		return stateInProgress("NotBound", "PVC is not Bound. phase: "+phase)
	}
	return stateCurrent("PVC is Bound")
}

func serviceReadiness(o *Object, _ []statusCondition, _ time.Time) Readiness {
	if stringField(o, "spec.type", "ClusterIP") == "LoadBalancer" && stringField(o, "spec.clusterIP", "") == "" {
		return stateInProgress("NoIPAssigned", "ClusterIP not set. Service type: LoadBalancer")
	}
	return stateCurrent("Service is ready")
}

func podReadiness(o *Object, conds []statusCondition, now time.Time) Readiness {
	switch phase := stringField(o, "status.phase", ""); phase {
	case "Succeeded":
		return stateCurrent("Pod has completed successfully")
	case "Failed":
		// kstatus: a finished Pod is Current whatever its outcome.
		return stateCurrent("Pod has completed, but not successfully")
	case "Running":
		if _, ok := hasCondition(conds, "Ready", "True"); ok {
			return stateCurrent("Pod is Ready")
		}
		if names := crashLoopingContainers(o); len(names) > 0 {
			return stateFailed("ContainerCrashLooping", "Containers in CrashLoop state: "+strings.Join(names, ","))
		}
		return stateInProgress("PodRunningNotReady", "Pod is running but is not Ready")
	case "Pending":
		if c, ok := hasCondition(conds, "PodScheduled", "False"); ok && c.Reason == "Unschedulable" {
			created, err := time.Parse(time.RFC3339, stringField(o, "metadata.creationTimestamp", ""))
			if err != nil || now.Add(-podScheduleWindow).Before(created) {
				return stateInProgress("PodNotScheduled", "Pod has not been scheduled")
			}
			return stateFailed("PodUnschedulable", "Pod could not be scheduled")
		}
		return stateInProgress("PodPending", "Pod is in the Pending phase")
	case "":
		return stateInProgress("PodNotObserved", "Pod phase not available")
	default:
		// kstatus reports an error here; a state that says so serves a
		// wait better.
		return stateInProgress("UnknownPhase", "Pod phase "+phase+" is not known")
	}
}

func crashLoopingContainers(o *Object) []string {
	raw, _ := o.Get("status.containerStatuses")
	list, _ := raw.([]any)
	var names []string
	for _, e := range list {
		cs, _ := e.(map[string]any)
		name, _ := cs["name"].(string)
		state, _ := cs["state"].(map[string]any)
		waiting, _ := state["waiting"].(map[string]any)
		if reason, _ := waiting["reason"].(string); name != "" && reason == "CrashLoopBackOff" {
			names = append(names, name)
		}
	}
	return names
}

func jobReadiness(o *Object, conds []statusCondition, _ time.Time) Readiness {
	parallelism := intField(o, "spec.parallelism", 1)
	completions := intField(o, "spec.completions", parallelism)
	succeeded := intField(o, "status.succeeded", 0)
	active := intField(o, "status.active", 0)
	failures := intField(o, "status.failed", 0)
	suspended, _ := o.GetBool("spec.suspend")
	for _, c := range conds {
		if c.Status != "True" {
			continue
		}
		switch {
		case c.Type == "Complete":
			return stateCurrent(fmt.Sprintf("Job Completed. succeeded: %d/%d", succeeded, completions))
		case c.Type == "Failed":
			return stateFailed("JobFailed", fmt.Sprintf("Job Failed. failed: %d/%d", failures, completions))
		case c.Type == "Suspended" && suspended:
			return stateCurrent("Job is suspended")
		}
	}
	if stringField(o, "status.startTime", "") == "" {
		return stateInProgress("JobNotStarted", "Job not started")
	}
	return stateCurrent(fmt.Sprintf("Job in progress. success:%d, active: %d, failed: %d", succeeded, active, failures))
}

func crdReadiness(_ *Object, conds []statusCondition, _ time.Time) Readiness {
	for _, c := range conds {
		if c.Type == "NamesAccepted" && c.Status == "False" {
			return stateFailed(c.Reason, c.Message)
		}
		if c.Type == "Established" {
			if c.Status == "False" && c.Reason != "Installing" {
				return stateFailed(c.Reason, c.Message)
			}
			if c.Status == "True" {
				return stateCurrent("CRD is established")
			}
		}
	}
	return stateInProgress("Installing", "Install in progress")
}
