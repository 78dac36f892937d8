package logfollow

import (
	"context"
	"errors"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

const (
	t0 = "2026-12-01T03:00:00.1Z"
	t1 = "2026-12-01T03:00:00.5Z"
	t2 = "2026-12-01T03:00:02.25Z"
	t3 = "2026-12-01T03:00:06Z"
)

// step is one log request a test expects: its query, then either the
// refusal it gets or the lines it answers (the stream then ends), and the
// Pod the server shows from then on ("" unchanged, "gone" none).
type step struct {
	query string
	err   error
	lines []string
	pod   string
}

// script is a Source that serves steps in order.
type script struct {
	t     *testing.T
	mu    sync.Mutex
	steps []step
	n     int
	pod   string
}

func (s *script) source() Source {
	return Source{Open: s.open, ReadPod: s.readPod, Poll: time.Millisecond}
}

func (s *script) open(ctx context.Context, q url.Values) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil { // as a client would: nothing sent
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n >= len(s.steps) {
		s.t.Errorf("log request %d (%s): only %d expected", s.n+1, q.Encode(), len(s.steps))
		return nil, apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "p", errors.New("unscripted"))
	}
	st := s.steps[s.n]
	s.n++
	if got, _ := url.QueryUnescape(q.Encode()); got != st.query {
		s.t.Errorf("log request %d: query %s, want %s", s.n, got, st.query)
	}
	if st.pod != "" {
		s.pod = st.pod
	}
	if st.err != nil {
		return nil, st.err
	}
	var b strings.Builder
	for _, l := range st.lines {
		b.WriteString(l + "\n")
	}
	return io.NopCloser(strings.NewReader(b.String())), nil
}

func (s *script) readPod(context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pod == "" || s.pod == "gone" {
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, "p")
	}
	return []byte(s.pod), nil
}

func podJSON(policy, phase, state string, restarts int) string {
	return `{"spec":{"restartPolicy":"` + policy + `","containers":[{"name":"app"}]},"status":{"phase":"` + phase +
		`","containerStatuses":[{"name":"app","restartCount":` + strconv.Itoa(restarts) + `,"state":` + state + `}]}}`
}

func runningSince(ts string, restarts int) string {
	return podJSON("Always", "Running", `{"running":{"startedAt":"`+ts+`"}}`, restarts)
}

var succeeded = `{"status":{"phase":"Succeeded"}}`

func badRequest(msg string) error { return apierrors.NewBadRequest(msg) }

func TestFollow(t *testing.T) {
	forbidden := apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "p", errors.New("no"))
	tests := []struct {
		name    string
		query   url.Values
		steps   []step
		want    []string
		wantErr func(error) bool // of the first Open, or of the last read
	}{
		{"a dropped stream is opened again from the last line, none repeated",
			url.Values{"container": {"app"}, "tailLines": {"5"}},
			[]step{
				{query: "container=app&follow=true&tailLines=5&timestamps=true", lines: []string{t0 + " a", t1 + " b", t1 + " c"}, pod: runningSince(t0, 0)},
				{query: "container=app&follow=true&sinceTime=2026-12-01T03:00:00Z&timestamps=true", lines: []string{t0 + " a", t1 + " b", t1 + " c", t2 + " d"}, pod: succeeded},
			},
			[]string{"a", "b", "c", "d"}, nil},
		{"a restart: the end of the previous run, then the new one, with the caller's timestamps",
			url.Values{"container": {"app"}, "timestamps": {"true"}},
			[]step{
				{query: "container=app&follow=true&timestamps=true", lines: []string{t0 + " a"}, pod: runningSince("2026-12-01T03:00:05Z", 1)},
				{query: "container=app&previous=true&sinceTime=2026-12-01T03:00:00Z&timestamps=true", lines: []string{t0 + " a", t2 + " b"}},
				{query: "container=app&follow=true&sinceTime=2026-12-01T03:00:02Z&timestamps=true", lines: []string{t2 + " b", t3 + " c"},
					pod: podJSON("Never", "Running", `{"terminated":{"exitCode":1}}`, 1)},
			},
			[]string{t0 + " a", t2 + " b", t3 + " c"}, nil},
		{"no previous run kept after all: the current one",
			url.Values{"container": {"app"}},
			[]step{
				{query: "container=app&follow=true&timestamps=true", lines: []string{t0 + " a"}, pod: runningSince("2026-12-01T03:00:05Z", 1)},
				{query: "container=app&previous=true&sinceTime=2026-12-01T03:00:00Z&timestamps=true", err: badRequest("previous terminated container not found")},
				{query: "container=app&follow=true&sinceTime=2026-12-01T03:00:00Z&timestamps=true", lines: []string{t0 + " a", t3 + " b"}, pod: succeeded},
			},
			[]string{"a", "b"}, nil},
		{"the container ends for good at the first end",
			url.Values{"container": {"app"}},
			[]step{{query: "container=app&follow=true&timestamps=true", lines: []string{t0 + " only"},
				pod: podJSON("OnFailure", "Running", `{"terminated":{"exitCode":0}}`, 0)}},
			[]string{"only"}, nil},
		{"the Pod is gone",
			url.Values{},
			[]step{{query: "follow=true&timestamps=true", lines: []string{t0 + " x"}, pod: "gone"}},
			[]string{"x"}, nil},
		{"lines without a timestamp pass as they came",
			url.Values{"container": {"app"}},
			[]step{{query: "container=app&follow=true&timestamps=true", lines: []string{"no stamp", t0 + " stamped"}, pod: "gone"}},
			[]string{"no stamp", "stamped"}, nil},
		{"a refused reopening is waited out",
			url.Values{"container": {"app"}},
			[]step{
				{query: "container=app&follow=true&timestamps=true", lines: []string{t1 + " a"}, pod: runningSince(t0, 0)},
				{query: "container=app&follow=true&sinceTime=2026-12-01T03:00:00Z&timestamps=true", err: badRequest("waiting to start: ContainerCreating")},
				{query: "container=app&follow=true&sinceTime=2026-12-01T03:00:00Z&timestamps=true", lines: []string{t1 + " a", t2 + " b"}, pod: succeeded},
			},
			[]string{"a", "b"}, nil},
		{"a refusal that does not pass ends the log with it",
			url.Values{"container": {"app"}},
			[]step{
				{query: "container=app&follow=true&timestamps=true", lines: []string{t1 + " a"}, pod: runningSince(t0, 0)},
				{query: "container=app&follow=true&sinceTime=2026-12-01T03:00:00Z&timestamps=true", err: forbidden},
			},
			[]string{"a"}, apierrors.IsForbidden},
		{"the first refusal is Open's",
			url.Values{"container": {"app"}},
			[]step{{query: "container=app&follow=true&timestamps=true", err: badRequest("waiting to start")}},
			nil, apierrors.IsBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &script{t: t, steps: tt.steps}
			rc, err := Open(context.Background(), s.source(), tt.query)
			var body []byte
			if err == nil {
				body, err = io.ReadAll(rc)
				rc.Close()
			}
			if tt.wantErr != nil && !tt.wantErr(err) || tt.wantErr == nil && err != nil {
				t.Fatalf("error = %v", err)
			}
			var got []string
			if len(body) > 0 {
				got = strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("lines = %q, want %q", got, tt.want)
			}
			if s.n != len(tt.steps) {
				t.Errorf("%d log requests, want %d", s.n, len(tt.steps))
			}
		})
	}
}

// Close ends the log: a read then fails with the context's error, and
// any stream it would open is opened with the ended context.
func TestFollowClose(t *testing.T) {
	s := &script{t: t, steps: []step{{query: "follow=true&timestamps=true", lines: []string{t0 + " a"}, pod: runningSince(t0, 0)}}}
	rc, err := Open(context.Background(), s.source(), url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if _, err := io.ReadAll(rc); !errors.Is(err, context.Canceled) {
		t.Errorf("read after Close: %v, want context.Canceled", err)
	}
	if s.n != 1 {
		t.Errorf("%d log requests, want 1", s.n)
	}
}
