package kobj_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kobj-dev/kobj"
)

// logStep is one log request a FollowRestarts test expects: its query,
// the lines it answers (the stream then ends), and the Pod's status the
// server shows from then on.
type logStep struct {
	query  string
	lines  []string
	status map[string]any
}

func podWithStatus(restartPolicy string, status map[string]any) map[string]any {
	return map[string]any{"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": "p", "namespace": "ns"},
		"spec":     map[string]any{"restartPolicy": restartPolicy, "containers": []any{map[string]any{"name": "app"}}},
		"status":   status}
}

func running(restarts int, startedAt string) map[string]any {
	return map[string]any{"phase": "Running", "containerStatuses": []any{map[string]any{"name": "app", "restartCount": restarts,
		"state": map[string]any{"running": map[string]any{"startedAt": startedAt}}}}}
}

// scriptedLogs serves the steps in order and fails the test on a request
// that does not match, or one too many.
func scriptedLogs(t *testing.T, f *fakeAPI, steps []logStep) *kobj.Client {
	var mu sync.Mutex
	n := 0
	return withLogs(t, f, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if n >= len(steps) {
			t.Errorf("log request %d (%s): only %d expected", n+1, r.URL.RawQuery, len(steps))
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		step := steps[n]
		n++
		if got, _ := url.QueryUnescape(r.URL.RawQuery); got != step.query {
			t.Errorf("log request %d: query %s, want %s", n, got, step.query)
		}
		serveLines(w, step.lines...)
		if step.status != nil {
			f.put("/api/v1/namespaces/ns/pods/p", podWithStatus(step.status["policy"].(string), step.status["status"].(map[string]any)))
		}
	})
}

func TestFollowRestarts(t *testing.T) {
	const (
		t0 = "2026-12-01T03:00:00.1Z"
		t1 = "2026-12-01T03:00:00.5Z"
		t2 = "2026-12-01T03:00:02.25Z"
		t3 = "2026-12-01T03:00:06Z"
	)
	status := func(policy string, s map[string]any) map[string]any {
		return map[string]any{"policy": policy, "status": s}
	}
	tests := []struct {
		name  string
		opts  []kobj.LogOption
		steps []logStep
		want  []string
	}{
		{"a dropped stream is opened again from the last line, none repeated",
			[]kobj.LogOption{kobj.TailLines(5)},
			[]logStep{
				{"container=app&follow=true&tailLines=5&timestamps=true", []string{t0 + " a", t1 + " b", t1 + " c"}, status("Always", running(0, t0))},
				{"container=app&follow=true&sinceTime=2026-12-01T03:00:00Z&timestamps=true", []string{t0 + " a", t1 + " b", t1 + " c", t2 + " d"},
					status("Always", map[string]any{"phase": "Succeeded"})},
			},
			[]string{"a", "b", "c", "d"}},
		{"a restart: the end of the previous run, then the new one",
			[]kobj.LogOption{kobj.Timestamps()},
			[]logStep{
				{"container=app&follow=true&timestamps=true", []string{t0 + " a"}, status("Always", running(1, "2026-12-01T03:00:05Z"))},
				{"container=app&previous=true&sinceTime=2026-12-01T03:00:00Z&timestamps=true", []string{t0 + " a", t2 + " b"}, nil},
				{"container=app&follow=true&sinceTime=2026-12-01T03:00:02Z&timestamps=true", []string{t2 + " b", t3 + " c"},
					status("Never", map[string]any{"phase": "Running", "containerStatuses": []any{map[string]any{"name": "app", "restartCount": 1,
						"state": map[string]any{"terminated": map[string]any{"exitCode": 1}}}}})},
			},
			[]string{t0 + " a", t2 + " b", t3 + " c"}},
		{"the container ends for good at the first end",
			nil,
			[]logStep{
				{"container=app&follow=true&timestamps=true", []string{t0 + " only"}, status("OnFailure", map[string]any{"phase": "Running",
					"containerStatuses": []any{map[string]any{"name": "app", "state": map[string]any{"terminated": map[string]any{"exitCode": 0}}}}})},
			},
			[]string{"only"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, "")
			c := scriptedLogs(t, f, tt.steps)
			var lines []string
			opts := append([]kobj.LogOption{kobj.WithClient(c), kobj.Container("app"), kobj.FollowRestarts()}, tt.opts...)
			for line, err := range podObject("ns", "p").LogLines(context.Background(), opts...) {
				if err != nil {
					t.Fatal(err)
				}
				lines = append(lines, line)
			}
			if !slices.Equal(lines, tt.want) {
				t.Errorf("lines = %q, want %q", lines, tt.want)
			}
		})
	}
}

func TestFollowRestartsEndsWhenThePodIsGone(t *testing.T) {
	f := newFakeAPI(t, "")
	c := scriptedLogs(t, f, []logStep{{"follow=true&timestamps=true", []string{"2026-12-01T03:00:00Z x"}, nil}})
	rc, err := podObject("ns", "p").Logs(context.Background(), kobj.WithClient(c), kobj.FollowRestarts())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if body, err := io.ReadAll(rc); err != nil || string(body) != "x\n" {
		t.Errorf("log = %q, %v", body, err)
	}
}

func TestFollowRestartsRefusesPreviousAndLimitBytes(t *testing.T) {
	f := newFakeAPI(t, "")
	c := f.client()
	for _, opt := range []kobj.LogOption{kobj.Previous(), kobj.LimitBytes(10)} {
		_, err := podObject("ns", "p").Logs(context.Background(), kobj.WithClient(c), kobj.FollowRestarts(), opt)
		if err == nil || !strings.Contains(err.Error(), "cannot be combined") {
			t.Errorf("error = %v", err)
		}
		if got := f.requests(); len(got) != 0 {
			t.Errorf("requests sent: %+v", got)
		}
	}
}

// TestFollowRestartsWaitsOutARefusedReopening: the Pod says running, but
// the server refuses the first reopening (the kubelet is not there yet);
// the log asks the Pod again and reopens.
func TestFollowRestartsWaitsOutARefusedReopening(t *testing.T) {
	f := newFakeAPI(t, "")
	f.put("/api/v1/namespaces/ns/pods/p", podWithStatus("Always", running(0, "2026-12-01T03:00:00Z")))
	var mu sync.Mutex
	n := 0
	c := withLogs(t, f, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		n++
		switch n {
		case 1:
			serveLines(w, "2026-12-01T03:00:00.5Z a")
		case 2:
			writeStatus(w, 400, "BadRequest", `container "app" in pod "p" is waiting to start: ContainerCreating`)
		default:
			serveLines(w, "2026-12-01T03:00:00.5Z a", "2026-12-01T03:00:01Z b")
			f.put("/api/v1/namespaces/ns/pods/p", podWithStatus("Always", map[string]any{"phase": "Succeeded"}))
		}
	})
	var lines []string
	for line, err := range podObject("ns", "p").LogLines(context.Background(), kobj.WithClient(c), kobj.Container("app"), kobj.FollowRestarts()) {
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line)
	}
	if want := []string{"a", "b"}; !slices.Equal(lines, want) {
		t.Errorf("lines = %q, want %q", lines, want)
	}
}
