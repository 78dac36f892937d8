package logfollow

import (
	"testing"
	"time"
)

func TestStateOf(t *testing.T) {
	started := time.Date(2026, 12, 1, 3, 0, 5, 0, time.UTC)
	pod := func(policy, phase, statuses string) string {
		return `{"spec":{"restartPolicy":"` + policy + `","containers":[{"name":"app"},{"name":"side"}]},` +
			`"status":{"phase":"` + phase + `","containerStatuses":[` + statuses + `]}}`
	}
	runningApp := `{"name":"app","restartCount":2,"state":{"running":{"startedAt":"2026-12-01T03:00:05Z"}}}`
	exited := func(code string) string {
		return `{"name":"app","restartCount":1,"state":{"terminated":{"exitCode":` + code + `}}}`
	}
	tests := []struct {
		name      string
		body      string
		container string
		want      containerState
		wantErr   bool
	}{
		{"running", pod("Always", "Running", runningApp), "app", containerState{running: true, restarts: 2, startedAt: started}, false},
		{"the Pod succeeded", pod("Always", "Succeeded", runningApp), "app", containerState{over: true}, false},
		{"the Pod failed", pod("Always", "Failed", ""), "app", containerState{over: true}, false},
		{"exited, restartPolicy Never", pod("Never", "Running", exited("1")), "app", containerState{over: true, restarts: 1}, false},
		{"exited 0, OnFailure", pod("OnFailure", "Running", exited("0")), "app", containerState{over: true, restarts: 1}, false},
		{"exited 1, OnFailure: will run again", pod("OnFailure", "Running", exited("1")), "app", containerState{restarts: 1}, false},
		{"exited, Always: will run again", pod("Always", "Running", exited("0")), "app", containerState{restarts: 1}, false},
		{"not reported yet", pod("Always", "Pending", ""), "app", containerState{}, false},
		{"another container's state is not ours", pod("Never", "Running", exited("1")), "side", containerState{}, false},
		{"an init container", `{"spec":{"containers":[{"name":"app"}]},"status":{"phase":"Pending","initContainerStatuses":[` +
			`{"name":"init","state":{"running":{"startedAt":"2026-12-01T03:00:05Z"}}}]}}`, "init", containerState{running: true, startedAt: started}, false},
		{"no name: the only container", `{"spec":{"containers":[{"name":"app"}]},"status":{"containerStatuses":[` + runningApp + `]}}`, "",
			containerState{running: true, restarts: 2, startedAt: started}, false},
		{"no name, two containers: none", pod("Always", "Running", runningApp), "", containerState{}, false},
		{"not JSON", `<html>`, "app", containerState{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := stateOf([]byte(tt.body), tt.container)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, want one: %v", err, tt.wantErr)
			}
			if !got.startedAt.Equal(tt.want.startedAt) || got.running != tt.want.running || got.over != tt.want.over || got.restarts != tt.want.restarts {
				t.Errorf("state = %+v, want %+v", got, tt.want)
			}
		})
	}
}
