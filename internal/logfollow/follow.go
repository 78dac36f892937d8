package logfollow

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/url"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/kobj-dev/kobj/internal/cachekit"
)

// The log is read with timestamps, always: the last line's timestamp is
// where a new stream starts (sinceTime), and the lines of that second
// already delivered are told apart by their timestamps and counted, so
// that none is repeated. The timestamps are cut again when the caller did
// not ask for them.

// DefaultPoll is how long to wait before reading the Pod again while its
// container is not running, and before opening again a stream that gave
// nothing.
const DefaultPoll = time.Second

// maxReopenFailures bounds the reopenings refused in a row, a poll apart,
// before the log ends with the refusal.
const maxReopenFailures = 30

// Source is what a followed log needs from the cluster.
type Source struct {
	// Open opens a stream of the log subresource with query q; a refusal
	// of the server is an *apierrors.StatusError.
	Open func(ctx context.Context, q url.Values) (io.ReadCloser, error)
	// ReadPod reads the Pod as JSON; a Pod that is gone is a NotFound
	// *apierrors.StatusError.
	ReadPod func(ctx context.Context) ([]byte, error)
	// Poll is the wait between two readings of the Pod (DefaultPoll
	// when 0).
	Poll time.Duration
}

type follower struct {
	ctx    context.Context // ends with Close
	cancel context.CancelFunc
	src    Source
	query  url.Values // the caller's query

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

// Open opens the log that query asks for (the log subresource's
// parameters: container, tailLines, sinceSeconds or sinceTime,
// timestamps; not previous nor limitBytes, which following restarts
// cannot honour) and follows it across restarts until the container ends
// for good, the Pod is gone, or the returned stream is closed. It returns
// the error of the first Open; a later refusal that does not pass ends the
// stream with it.
func Open(ctx context.Context, src Source, query url.Values) (io.ReadCloser, error) {
	if src.Poll == 0 {
		src.Poll = DefaultPoll
	}
	ctx, cancel := context.WithCancel(ctx)
	l := &follower{ctx: ctx, cancel: cancel, src: src, query: query}
	if err := l.open(); err != nil {
		cancel()
		return nil, err
	}
	return l, nil
}

// open opens the next stream: the first with the caller's query, later
// ones from the last line delivered.
func (l *follower) open() error {
	q := url.Values{}
	for k, v := range l.query {
		q[k] = append([]string(nil), v...)
	}
	q.Set("timestamps", "true")
	q.Set("follow", "true")
	if l.opened && l.hasLast {
		q.Set("sinceTime", l.last.Truncate(time.Second).UTC().Format(time.RFC3339))
		q.Del("sinceSeconds")
		q.Del("tailLines")
		l.skip = l.atLast
	}
	if l.previousNext {
		q.Set("previous", "true")
		q.Del("follow")
	}
	body, err := l.src.Open(l.ctx, q)
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
		body.Close()
		return l.ctx.Err()
	}
	l.body, l.r, l.opened, l.gave = body, bufio.NewReader(body), true, false
	return nil
}

// Read reads the log.
func (l *follower) Read(p []byte) (int, error) {
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
func (l *follower) next() ([]byte, error) {
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
				if err := cachekit.Sleep(l.ctx, l.src.Poll); err != nil {
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
func (l *follower) take(raw []byte) ([]byte, bool) {
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
	if l.query.Get("timestamps") == "true" {
		return raw, true
	}
	return rest, true
}

// waitForMore reads the Pod until its container runs again (nil: open a
// new stream) or has ended for good (io.EOF).
func (l *follower) waitForMore() error {
	if !l.gave && l.opened {
		// A stream that gave nothing: do not hammer the server.
		if err := cachekit.Sleep(l.ctx, l.src.Poll); err != nil {
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
		if err := cachekit.Sleep(l.ctx, l.src.Poll); err != nil {
			return err
		}
	}
}

// containerState reads the Pod and says what it says of the container
// followed; a Pod gone is over.
func (l *follower) containerState() (containerState, error) {
	pod, err := l.src.ReadPod(l.ctx)
	if apierrors.IsNotFound(err) {
		return containerState{over: true}, nil
	}
	if err != nil {
		return containerState{}, err
	}
	return stateOf(pod, l.query.Get("container"))
}

func (l *follower) closeBody() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.body != nil {
		l.body.Close()
		l.body, l.r = nil, nil
	}
}

// Close ends the log and its request.
func (l *follower) Close() error {
	l.cancel()
	l.closeBody()
	return nil
}
