package kobj

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/kobj-dev/kobj/internal/cachekit"
)

// FollowRestarts: a followed log that is opened again when its stream
// ends while the container goes on (a kubelet log rotation, a dropped
// connection) or comes back (a restart). The log is read with timestamps,
// always: the last line's timestamp is where a new stream starts
// (sinceTime), and the lines of that second already delivered are told
// apart by their timestamps and counted, so that none is repeated. The
// timestamps are cut again when the caller did not ask for them.

// restartPoll is how long to wait before reading the Pod again while its
// container is not running, and before opening again a stream that gave
// nothing.
const restartPoll = time.Second

// maxReopenFailures bounds the reopenings refused in a row, a poll apart,
// before the log ends with the refusal.
const maxReopenFailures = 30

type restartingLog struct {
	ctx    context.Context // ends with Close
	cancel context.CancelFunc
	t      *target
	so     *streamOptions

	mu      sync.Mutex // guards body against Close
	body    io.ReadCloser
	r       *bufio.Reader
	pending []byte // the rest of the line being read out
	err     error  // why the log ended; io.EOF at its normal end

	opened       bool // a stream has been opened
	previousNext bool // the next stream is the tail of the previous container
	gave         bool // the current stream gave a line
	failures     int  // reopenings refused in a row

	last    time.Time // timestamp of the last line delivered
	atLast  int       // lines delivered with that very timestamp
	hasLast bool
	skip    int // lines at last still to skip in the current stream
}

// openRestartingLog opens the log for FollowRestarts; Logs has refused
// Previous and LimitBytes with it.
func openRestartingLog(ctx context.Context, t *target, so *streamOptions) (io.ReadCloser, error) {
	ctx, cancel := context.WithCancel(ctx)
	l := &restartingLog{ctx: ctx, cancel: cancel, t: t, so: so}
	if err := l.open(); err != nil {
		cancel()
		return nil, err
	}
	return l, nil
}

// open opens the next stream: the first with the caller's options, later
// ones from the last line delivered.
func (l *restartingLog) open() error {
	opts := *l.so
	opts.timestamps, opts.follow = true, true
	if l.opened && l.hasLast {
		since := l.last.Truncate(time.Second)
		opts.sinceTime, opts.sinceSeconds, opts.tailLines = &since, nil, nil
		l.skip = l.atLast
	}
	if l.previousNext {
		opts.previous, opts.follow = true, false
	}
	resp, err := l.t.c.stream(l.ctx, l.t.subresourceRequest("GET", "log", opts.logQuery()))
	if err != nil && l.previousNext && (apierrors.IsBadRequest(err) || apierrors.IsNotFound(err)) {
		// No previous run kept after all: go on with the current one.
		l.previousNext = false
		return l.open()
	}
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ctx.Err() != nil { // closed meanwhile
		resp.Body.Close()
		return l.ctx.Err()
	}
	l.body, l.r, l.opened, l.gave = resp.Body, bufio.NewReader(resp.Body), true, false
	return nil
}

// Read reads the log.
func (l *restartingLog) Read(p []byte) (int, error) {
	for len(l.pending) == 0 {
		if l.err != nil {
			return 0, l.err
		}
		line, err := l.next()
		if err != nil {
			l.err = err
			if l.ctx.Err() != nil && !errors.Is(err, io.EOF) {
				l.err = l.ctx.Err()
			}
			l.closeBody()
			continue
		}
		l.pending = line
	}
	n := copy(p, l.pending)
	l.pending = l.pending[n:]
	return n, nil
}

// next returns the next line to deliver, opening streams as needed.
func (l *restartingLog) next() ([]byte, error) {
	for {
		l.mu.Lock()
		r := l.r
		l.mu.Unlock()
		if r == nil {
			if err := l.open(); err != nil {
				l.failures++
				if !l.opened || !worthWaiting(err) || l.failures > maxReopenFailures {
					return nil, err
				}
				// The Pod said running, the kubelet not yet (or no more):
				// ask the Pod again, in a while.
				if err := cachekit.Sleep(l.ctx, restartPoll); err != nil {
					return nil, err
				}
				if err := l.waitForMore(); err != nil {
					return nil, err
				}
				continue
			}
			l.failures = 0
			continue
		}
		raw, err := r.ReadBytes('\n')
		if len(raw) > 0 {
			if line, ok := l.take(raw); ok {
				l.gave = true
				return line, nil
			}
			continue
		}
		if err == nil {
			continue
		}
		if l.ctx.Err() != nil {
			return nil, l.ctx.Err()
		}
		// The stream ended, or broke: the Pod says whether more will come.
		l.closeBody()
		if l.previousNext {
			l.previousNext = false // now the current container
			continue
		}
		if err := l.waitForMore(); err != nil {
			return nil, err
		}
	}
}

// worthWaiting tells a refusal to reopen a log that may pass: a container
// between runs (400), a server or kubelet briefly unavailable.
func worthWaiting(err error) bool {
	return apierrors.IsBadRequest(err) || apierrors.IsServiceUnavailable(err) || apierrors.IsInternalError(err) ||
		apierrors.IsTimeout(err) || apierrors.IsServerTimeout(err) || apierrors.IsTooManyRequests(err)
}

// take decides whether a line read is delivered: not when a new stream
// repeats what was delivered. It returns the line as delivered.
func (l *restartingLog) take(raw []byte) ([]byte, bool) {
	stamp, rest, found := bytes.Cut(raw, []byte(" "))
	ts, err := time.Parse(time.RFC3339Nano, string(stamp))
	if !found || err != nil {
		return raw, true // not a timestamped line: as it came
	}
	if l.hasLast {
		if ts.Before(l.last) {
			return nil, false
		}
		if ts.Equal(l.last) && l.skip > 0 {
			l.skip--
			return nil, false
		}
	}
	if l.hasLast && ts.Equal(l.last) {
		l.atLast++
	} else {
		l.last, l.atLast, l.hasLast = ts, 1, true
	}
	l.skip = 0
	if l.so.timestamps {
		return raw, true
	}
	return rest, true
}

// waitForMore reads the Pod until its container runs again (nil: open a
// new stream) or has ended for good (io.EOF).
func (l *restartingLog) waitForMore() error {
	if !l.gave && l.opened {
		// A stream that gave nothing: do not hammer the server.
		if err := cachekit.Sleep(l.ctx, restartPoll); err != nil {
			return err
		}
	}
	for {
		st, err := l.containerState()
		if err != nil {
			return err
		}
		switch {
		case st.over:
			return io.EOF
		case st.running:
			// A run that started after the last line delivered follows
			// one whose end may not have been read: read that first.
			l.previousNext = st.restarts > 0 && l.hasLast && !st.startedAt.Before(l.last.Truncate(time.Second))
			return nil
		}
		if err := cachekit.Sleep(l.ctx, restartPoll); err != nil {
			return err
		}
	}
}

// containerState is what the Pod says of the container followed.
type containerState struct {
	running   bool
	over      bool // ended and will not run again, or the Pod is gone
	restarts  int64
	startedAt time.Time // of the current run, when running
}

func (l *restartingLog) containerState() (containerState, error) {
	req, err := l.t.request("GET", true, nil)
	if err != nil {
		return containerState{}, err
	}
	resp, err := l.t.c.do(l.ctx, req)
	if apierrors.IsNotFound(err) {
		return containerState{over: true}, nil
	}
	if err != nil {
		return containerState{}, err
	}
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
	if err := json.Unmarshal(resp.Body, &pod); err != nil {
		return containerState{}, err
	}
	if pod.Status.Phase == "Succeeded" || pod.Status.Phase == "Failed" {
		return containerState{over: true}, nil
	}
	name := l.so.container
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

func (l *restartingLog) closeBody() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.body != nil {
		l.body.Close()
		l.body, l.r = nil, nil
	}
}

// Close ends the log and its request.
func (l *restartingLog) Close() error {
	l.cancel()
	l.closeBody()
	return nil
}
