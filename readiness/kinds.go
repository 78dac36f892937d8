package readiness

import (
	"fmt"
	"math"
	"time"
)

// ruleFunc computes the readiness of one built-in kind.
type ruleFunc func(obj map[string]any, conds []condition, now time.Time) Result

// kindRule returns the rule of obj's kind, by group and kind as kstatus
// keys them (any version), or nil for a kind without one.
func kindRule(obj map[string]any) ruleFunc {
	group, kind := groupKind(obj)
	switch group + "/" + kind {
	case "/Service":
		return serviceReadiness
	case "/Pod":
		return podReadiness
	case "/Secret", "/ConfigMap", "batch/CronJob":
		return func(map[string]any, []condition, time.Time) Result { return current("Resource is always ready") }
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
		// The generation rule already asked that the disruption
		// controller saw the latest spec; kstatus asks nothing more.
		return func(map[string]any, []condition, time.Time) Result {
			return current("AllowedDisruptions has been computed.")
		}
	case "batch/Job":
		return jobReadiness
	case "apiextensions.k8s.io/CustomResourceDefinition":
		return crdReadiness
	}
	return nil
}

func deploymentReadiness(obj map[string]any, conds []condition, _ time.Time) Result {
	// Without progressDeadlineSeconds the controller sets no Progressing
	// condition, so there is nothing to wait for on that side.
	progressing := intField(obj, math.MaxInt32, "spec", "progressDeadlineSeconds") == math.MaxInt32
	available := false
	for _, c := range conds {
		switch c.typ {
		case "Progressing":
			if c.reason == "ProgressDeadlineExceeded" {
				return failed(c.reason, "Progress deadline exceeded")
			}
			if c.status == "True" && c.reason == "NewReplicaSetAvailable" {
				progressing = true
			}
		case "Available":
			if c.status == "True" {
				available = true
			}
		}
	}
	spec := intField(obj, 1, "spec", "replicas")
	replicas := intField(obj, 0, "status", "replicas")
	updated := intField(obj, 0, "status", "updatedReplicas")
	ready := intField(obj, 0, "status", "readyReplicas")
	avail := intField(obj, 0, "status", "availableReplicas")
	switch {
	case spec > replicas:
		return inProgress("LessReplicas", fmt.Sprintf("Replicas: %d/%d", replicas, spec))
	case spec > updated:
		return inProgress("LessUpdated", fmt.Sprintf("Updated: %d/%d", updated, spec))
	case replicas > spec:
		return inProgress("ExtraPods", fmt.Sprintf("Pending termination: %d", replicas-spec))
	case updated > avail:
		return inProgress("LessAvailable", fmt.Sprintf("Available: %d/%d", avail, updated))
	case spec > ready:
		return inProgress("LessReady", fmt.Sprintf("Ready: %d/%d", ready, spec))
	case !progressing:
		return inProgress("ReplicaSetNotAvailable", "ReplicaSet not Available")
	case !available:
		return inProgress("DeploymentNotAvailable", "Deployment not Available")
	}
	return current(fmt.Sprintf("Deployment is available. Replicas: %d", replicas))
}

func statefulSetReadiness(obj map[string]any, _ []condition, _ time.Time) Result {
	if stringField(obj, "", "spec", "updateStrategy", "type") == "OnDelete" {
		return current("StatefulSet is using the ondelete update strategy")
	}
	spec := intField(obj, 1, "spec", "replicas")
	ready := intField(obj, 0, "status", "readyReplicas")
	currentReplicas := intField(obj, 0, "status", "currentReplicas")
	updated := intField(obj, 0, "status", "updatedReplicas")
	replicas := intField(obj, 0, "status", "replicas")
	partition := intField(obj, -1, "spec", "updateStrategy", "rollingUpdate", "partition")
	switch {
	case spec > replicas:
		return inProgress("LessReplicas", fmt.Sprintf("Replicas: %d/%d", replicas, spec))
	case spec > ready:
		return inProgress("LessReady", fmt.Sprintf("Ready: %d/%d", ready, spec))
	case replicas > spec:
		return inProgress("ExtraPods", fmt.Sprintf("Pending termination: %d", replicas-spec))
	}
	if partition != -1 {
		if updated < spec-partition {
			return inProgress("PartitionRollout", fmt.Sprintf("updated: %d/%d", updated, spec-partition))
		}
		return current(fmt.Sprintf("Partition rollout complete. updated: %d", updated))
	}
	if spec > currentReplicas {
		return inProgress("LessCurrent", fmt.Sprintf("current: %d/%d", currentReplicas, spec))
	}
	if stringField(obj, "", "status", "currentRevision") != stringField(obj, "", "status", "updateRevision") {
		return inProgress("RevisionMismatch", "Waiting for updated revision to match current")
	}
	return current(fmt.Sprintf("All replicas scheduled as expected. Replicas: %d", replicas))
}

func daemonSetReadiness(obj map[string]any, _ []condition, _ time.Time) Result {
	// Unlike the generic rule, a DaemonSet whose controller has not
	// written observedGeneration yet is not taken as current.
	if _, ok := intOf(lookup(obj, "metadata", "generation")); !ok {
		return inProgress("NoGeneration", kindOf(obj)+" metadata.generation not found")
	}
	if _, ok := intOf(lookup(obj, "status", "observedGeneration")); !ok {
		return inProgress("NoObservedGeneration", kindOf(obj)+" status.observedGeneration not found")
	}
	desired := intField(obj, -1, "status", "desiredNumberScheduled")
	scheduled := intField(obj, 0, "status", "currentNumberScheduled")
	updated := intField(obj, 0, "status", "updatedNumberScheduled")
	avail := intField(obj, 0, "status", "numberAvailable")
	ready := intField(obj, 0, "status", "numberReady")
	switch {
	case desired == -1:
		return inProgress("NoDesiredNumber", "Missing .status.desiredNumberScheduled")
	case desired > scheduled:
		return inProgress("LessCurrent", fmt.Sprintf("Current: %d/%d", scheduled, desired))
	case desired > updated:
		return inProgress("LessUpdated", fmt.Sprintf("Updated: %d/%d", updated, desired))
	case desired > avail:
		return inProgress("LessAvailable", fmt.Sprintf("Available: %d/%d", avail, desired))
	case desired > ready:
		return inProgress("LessReady", fmt.Sprintf("Ready: %d/%d", ready, desired))
	}
	return current(fmt.Sprintf("All replicas scheduled as expected. Replicas: %d", desired))
}

func replicaSetReadiness(obj map[string]any, conds []condition, _ time.Time) Result {
	if _, bad := findCondition(conds, "ReplicaFailure", "True"); bad {
		return inProgress("ReplicaFailure", "Replica Failure condition. Check Pods")
	}
	spec := intField(obj, 1, "spec", "replicas")
	replicas := intField(obj, 0, "status", "replicas")
	ready := intField(obj, 0, "status", "readyReplicas")
	avail := intField(obj, 0, "status", "availableReplicas")
	labelled := intField(obj, 0, "status", "fullyLabeledReplicas")
	switch {
	case spec > labelled:
		return inProgress("LessLabelled", fmt.Sprintf("Labelled: %d/%d", labelled, spec))
	case spec > avail:
		return inProgress("LessAvailable", fmt.Sprintf("Available: %d/%d", avail, spec))
	case spec > ready:
		return inProgress("LessReady", fmt.Sprintf("Ready: %d/%d", ready, spec))
	case replicas > spec:
		return inProgress("ExtraPods", fmt.Sprintf("Pending termination: %d", replicas-spec))
	}
	return current(fmt.Sprintf("ReplicaSet is available. Replicas: %d", replicas))
}

func pvcReadiness(obj map[string]any, _ []condition, _ time.Time) Result {
	if phase := stringField(obj, "unknown", "status", "phase"); phase != "Bound" {
		return inProgress("NotBound", "PVC is not Bound. phase: "+phase)
	}
	return current("PVC is Bound")
}

func serviceReadiness(obj map[string]any, _ []condition, _ time.Time) Result {
	if stringField(obj, "ClusterIP", "spec", "type") == "LoadBalancer" && stringField(obj, "", "spec", "clusterIP") == "" {
		return inProgress("NoIPAssigned", "ClusterIP not set. Service type: LoadBalancer")
	}
	return current("Service is ready")
}

func crdReadiness(_ map[string]any, conds []condition, _ time.Time) Result {
	for _, c := range conds {
		if c.typ == "NamesAccepted" && c.status == "False" {
			return failed(c.reason, c.message)
		}
		if c.typ == "Established" {
			if c.status == "False" && c.reason != "Installing" {
				return failed(c.reason, c.message)
			}
			if c.status == "True" {
				return current("CRD is established")
			}
		}
	}
	return inProgress("Installing", "Install in progress")
}
