package logfollow

import (
	"encoding/json"
	"time"
)

// containerState is what the Pod says of the container followed.
type containerState struct {
	running   bool
	over      bool // ended and will not run again
	restarts  int64
	startedAt time.Time // of the current run, when running
}

// stateOf reads the state of container name (the Pod's only container
// when name is "") from the Pod's JSON. A container the Pod does not
// report yet is neither running nor over.
func stateOf(body []byte, name string) (containerState, error) {
	var pod struct {
		Spec struct {
			RestartPolicy string `json:"restartPolicy"`
			Containers    []struct {
				Name string `json:"name"`
			} `json:"containers"`
		} `json:"spec"`
		Status struct {
			Phase    string            `json:"phase"`
			Statuses []containerStatus `json:"containerStatuses"`
			Init     []containerStatus `json:"initContainerStatuses"`
		} `json:"status"`
	}
	if err := json.Unmarshal(body, &pod); err != nil {
		return containerState{}, err
	}
	if pod.Status.Phase == "Succeeded" || pod.Status.Phase == "Failed" {
		return containerState{over: true}, nil
	}
	if name == "" && len(pod.Spec.Containers) == 1 {
		name = pod.Spec.Containers[0].Name
	}
	for _, cs := range append(pod.Status.Statuses, pod.Status.Init...) {
		if cs.Name != name {
			continue
		}
		st := containerState{restarts: cs.RestartCount}
		if r := cs.State.Running; r != nil {
			st.running, st.startedAt = true, r.StartedAt
		}
		if t := cs.State.Terminated; t != nil {
			switch pod.Spec.RestartPolicy {
			case "Never":
				st.over = true
			case "OnFailure":
				st.over = t.ExitCode == 0
			}
		}
		return st, nil
	}
	return containerState{}, nil // not reported yet
}

type containerStatus struct {
	Name         string `json:"name"`
	RestartCount int64  `json:"restartCount"`
	State        struct {
		Running *struct {
			StartedAt time.Time `json:"startedAt"`
		} `json:"running"`
		Terminated *struct {
			ExitCode int `json:"exitCode"`
		} `json:"terminated"`
	} `json:"state"`
}
