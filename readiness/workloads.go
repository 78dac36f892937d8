package readiness

import (
	"fmt"
	"strings"
	"time"
)

// The rules of the kinds whose readiness depends on more than counts: the
// Pod (the clock, its phase, its containers) and the Job (its
// conditions and suspension).

func podReadiness(obj map[string]any, conds []condition, now time.Time) Result {
	switch phase := stringField(obj, "", "status", "phase"); phase {
	case "Succeeded":
		return current("Pod has completed successfully")
	case "Failed":
		// kstatus: a finished Pod is Current whatever its outcome.
		return current("Pod has completed, but not successfully")
	case "Running":
		if _, ok := findCondition(conds, "Ready", "True"); ok {
			return current("Pod is Ready")
		}
		if names := crashLoopingContainers(obj); len(names) > 0 {
			return failed("ContainerCrashLooping", "Containers in CrashLoop state: "+strings.Join(names, ","))
		}
		return inProgress("PodRunningNotReady", "Pod is running but is not Ready")
	case "Pending":
		if c, ok := findCondition(conds, "PodScheduled", "False"); ok && c.reason == "Unschedulable" {
			// A creationTimestamp that does not parse reads as the zero
			// time, long past: Failed at once, as in kstatus.
			created, _ := time.Parse(time.RFC3339, stringField(obj, "", "metadata", "creationTimestamp"))
			if deadline := created.Add(PodScheduleWindow); now.Before(deadline) {
				r := inProgress("PodNotScheduled", "Pod has not been scheduled")
				r.RecheckAt = deadline
				return r
			}
			return failed("PodUnschedulable", "Pod could not be scheduled")
		}
		return inProgress("PodPending", "Pod is in the Pending phase")
	case "":
		return inProgress("PodNotObserved", "Pod phase not available")
	case "Unknown":
		return Result{State: Unknown, Reason: "PodPhaseUnknown", Message: "Pod phase is Unknown: its node is not reporting"}
	default:
		return Result{State: Unknown, Reason: "PodPhaseUnknown", Message: fmt.Sprintf("Pod phase %q is not known", phase)}
	}
}

func crashLoopingContainers(obj map[string]any) []string {
	list, _ := lookup(obj, "status", "containerStatuses").([]any)
	var names []string
	for _, e := range list {
		cs, _ := e.(map[string]any)
		name, _ := cs["name"].(string)
		if reason := stringField(cs, "", "state", "waiting", "reason"); name != "" && reason == "CrashLoopBackOff" {
			names = append(names, name)
		}
	}
	return names
}

func jobReadiness(obj map[string]any, conds []condition, _ time.Time) Result {
	parallelism := intField(obj, 1, "spec", "parallelism")
	completions := intField(obj, parallelism, "spec", "completions")
	succeeded := intField(obj, 0, "status", "succeeded")
	active := intField(obj, 0, "status", "active")
	failures := intField(obj, 0, "status", "failed")
	suspended, _ := lookup(obj, "spec", "suspend").(bool)
	for _, c := range conds {
		if c.status != "True" {
			continue
		}
		switch {
		case c.typ == "Complete":
			return current(fmt.Sprintf("Job Completed. succeeded: %d/%d", succeeded, completions))
		case c.typ == "Failed":
			return failed("JobFailed", fmt.Sprintf("Job Failed. failed: %d/%d", failures, completions))
		case c.typ == "Suspended" && suspended:
			// See ComputeAt's doc comment: kstatus v0.37.2 has no such
			// rule, its later sources drop the spec.suspend guard.
			return current("Job is suspended")
		}
	}
	if stringField(obj, "", "status", "startTime") == "" {
		return inProgress("JobNotStarted", "Job not started")
	}
	return current(fmt.Sprintf("Job in progress. success:%d, active: %d, failed: %d", succeeded, active, failures))
}
