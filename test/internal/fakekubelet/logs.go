package fakekubelet

// Container logs. Real: the apiserver's pods/log endpoint, its checks, and
// the query it forwards (follow, previous, timestamps, sinceSeconds,
// sinceTime — which the apiserver rewrites to whole seconds, RFC 3339 —,
// tailLines, limitBytes, stream). Played: the kubelet's log reader. A
// container's log is the list of lines the test fed; the fake applies the
// options as the kubelet's reader does (k8s.io/cri-client pkg/logs): tail
// first, then drop lines older than since (a line AT since is kept), cut
// the output at limitBytes, prefix "<RFC3339Nano, fixed 9 digits> " with
// timestamps, flush after every line, and in follow mode wait for more lines
// until the container stops, the stream is ended by a hook, or the client
// goes away.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// TimestampFormat is the layout the kubelet prefixes log lines with when
// timestamps=true: RFC 3339 with exactly nine fractional digits, UTC.
const TimestampFormat = "2006-01-02T15:04:05.000000000Z07:00"

// Line is one line of a container's log.
type Line struct {
	// Time is when the container wrote it; zero means when it is fed.
	Time time.Time
	// Stderr is true for a line the container wrote to stderr.
	Stderr bool
	// Text is the line without its newline.
	Text string
}

// container is the state of one container of a pod the fake runs.
type container struct {
	mu          sync.Mutex
	lines       []Line
	previous    []Line
	hasPrevious bool
	// changed is closed and replaced whenever lines or the set of follow
	// streams change.
	changed chan struct{}
	// cut is closed and replaced to end the follow streams open now.
	cut     chan struct{}
	nfollow int
	stopped bool // the container exited for good
}

func newContainer() *container {
	return &container{changed: make(chan struct{}), cut: make(chan struct{})}
}

// notifyLocked wakes whoever waits on a change; c.mu is held.
func (c *container) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *container) endFollows() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.nfollow
	close(c.cut)
	c.cut = make(chan struct{})
	return n
}

func (c *container) stop() {
	c.mu.Lock()
	c.stopped = true
	close(c.cut)
	c.cut = make(chan struct{})
	c.notifyLocked()
	c.mu.Unlock()
}

func (c *container) restart() {
	c.mu.Lock()
	c.stopped = false
	c.previous, c.hasPrevious = c.lines, true
	c.lines = nil
	close(c.cut)
	c.cut = make(chan struct{})
	c.notifyLocked()
	c.mu.Unlock()
}

// Log appends lines to the running instance's log of ref, stamped with the
// current time, and wakes the follow streams. It fails when the fake does
// not run the container.
func (k *Kubelet) Log(ref Ref, texts ...string) error {
	lines := make([]Line, len(texts))
	for i, t := range texts {
		lines[i] = Line{Text: t}
	}
	return k.Append(ref, lines...)
}

// Append appends lines to the running instance's log of ref (a zero Time
// is stamped with the current time) and wakes the follow streams. It fails
// when the fake does not run the container.
func (k *Kubelet) Append(ref Ref, lines ...Line) error {
	_, c, err := k.container(ref)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range lines {
		if l.Time.IsZero() {
			l.Time = time.Now()
		}
		l.Time = l.Time.UTC()
		c.lines = append(c.lines, l)
	}
	c.notifyLocked()
	return nil
}

// WaitFollows blocks until exactly n follow streams of ref are open on the
// fake: so that a test writes the lines a stream must receive after that
// stream started (n ≥ 1), or knows that a client's end reached the kubelet
// (n = 0). It fails when ctx ends first or the fake does not run the
// container.
func (k *Kubelet) WaitFollows(ctx context.Context, ref Ref, n int) error {
	_, c, err := k.container(ref)
	if err != nil {
		return err
	}
	for {
		c.mu.Lock()
		have, changed := c.nfollow, c.changed
		c.mu.Unlock()
		if have == n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d follow streams of %s, %d open: %w", n, ref, have, ctx.Err())
		}
	}
}

// logOptions are the kubelet's reading of a containerLogs query.
type logOptions struct {
	follow, previous, timestamps bool
	since                        time.Time
	tail, limit                  int64 // -1: unset
	stdout, stderr               bool
}

// parseLogOptions reads q as the kubelet's v1.PodLogOptions decoding and
// validation would, with now as the reference for sinceSeconds.
func parseLogOptions(q url.Values, now time.Time) (logOptions, error) {
	o := logOptions{tail: -1, limit: -1, stdout: true, stderr: true}
	o.follow = q.Get("follow") == "true"
	o.previous = q.Get("previous") == "true"
	o.timestamps = q.Get("timestamps") == "true"
	if s := q.Get("sinceSeconds"); s != "" {
		n, err := atoi(s)
		if err != nil || n < 1 {
			return o, fmt.Errorf("sinceSeconds %q: must be a positive integer", s)
		}
		o.since = now.Add(-time.Duration(n) * time.Second)
	}
	if s := q.Get("sinceTime"); s != "" {
		if q.Get("sinceSeconds") != "" {
			return o, fmt.Errorf("at most one of sinceSeconds or sinceTime may be specified")
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return o, fmt.Errorf("sinceTime %q: %w", s, err)
		}
		o.since = t
	}
	if s := q.Get("tailLines"); s != "" {
		n, err := atoi(s)
		if err != nil || n < 0 {
			return o, fmt.Errorf("tailLines %q: must be a non-negative integer", s)
		}
		o.tail = n
	}
	if s := q.Get("limitBytes"); s != "" {
		n, err := atoi(s)
		if err != nil || n < 1 {
			return o, fmt.Errorf("limitBytes %q: must be a positive integer", s)
		}
		o.limit = n
	}
	switch s := q.Get("stream"); s {
	case "", "All":
	case "Stdout":
		o.stderr = false
	case "Stderr":
		o.stdout = false
	default:
		return o, fmt.Errorf("invalid stream type %q", s)
	}
	return o, nil
}

func (k *Kubelet) serveLogs(w http.ResponseWriter, r *http.Request) {
	_, c := k.lookup(w, r)
	if c == nil {
		return
	}
	opts, err := parseLogOptions(r.URL.Query(), time.Now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnprocessableEntity)
		return
	}
	if opts.previous {
		c.mu.Lock()
		lines, ok := c.previous, c.hasPrevious
		c.mu.Unlock()
		if !ok {
			http.Error(w, fmt.Sprintf("previous terminated container %q in pod %q not found", r.PathValue("container"), r.PathValue("pod")), http.StatusBadRequest)
			return
		}
		lw := newLogWriter(w, opts)
		lw.writeFrom(lines, lw.tailStart(lines))
		return
	}
	c.mu.Lock()
	lines, changed, cut := c.lines, c.changed, c.cut
	// The kubelet follows only a running container's log.
	opts.follow = opts.follow && !c.stopped
	if opts.follow {
		c.nfollow++
		c.notifyLocked()
	}
	c.mu.Unlock()
	if opts.follow {
		defer func() {
			c.mu.Lock()
			c.nfollow--
			c.notifyLocked()
			c.mu.Unlock()
		}()
	}
	lw := newLogWriter(w, opts)
	next := lw.writeFrom(lines, lw.tailStart(lines))
	for opts.follow && !lw.done() {
		select {
		case <-changed:
		case <-cut:
			return
		case <-r.Context().Done():
			return
		}
		select {
		case <-cut: // a restart changes the lines and ends the stream at once
			return
		default:
		}
		c.mu.Lock()
		lines, changed = c.lines, c.changed
		c.mu.Unlock()
		next = lw.writeFrom(lines, next)
	}
}

// logWriter writes log lines as the kubelet does: since filter, limit,
// timestamp prefix, a flush after each line.
type logWriter struct {
	w       io.Writer
	flusher http.Flusher
	opts    logOptions
	remain  int64
	failed  bool
	buf     []byte
}

func newLogWriter(w http.ResponseWriter, opts logOptions) *logWriter {
	w.Header().Set("Content-Type", "text/plain")
	flusher, _ := w.(http.Flusher)
	lw := &logWriter{w: w, flusher: flusher, opts: opts, remain: -1}
	if opts.limit >= 0 {
		lw.remain = opts.limit
	}
	if flusher != nil {
		// The kubelet's reply starts before the first line: a follow
		// stream of an empty log is open, not pending.
		flusher.Flush()
	}
	return lw
}

func (lw *logWriter) tailStart(lines []Line) int {
	if lw.opts.tail < 0 || int64(len(lines)) <= lw.opts.tail {
		return 0
	}
	return len(lines) - int(lw.opts.tail)
}

func (lw *logWriter) done() bool { return lw.failed || lw.remain == 0 }

// writeFrom writes lines[from:] and returns the index after the last line
// it considered.
func (lw *logWriter) writeFrom(lines []Line, from int) int {
	for i := from; i < len(lines); i++ {
		if lw.done() {
			return i
		}
		l := lines[i]
		if l.Time.Before(lw.opts.since) || l.Stderr && !lw.opts.stderr || !l.Stderr && !lw.opts.stdout {
			continue
		}
		b := lw.buf[:0]
		if lw.opts.timestamps {
			b = l.Time.AppendFormat(b, TimestampFormat)
			b = append(b, ' ')
		}
		b = append(b, l.Text...)
		b = append(b, '\n')
		lw.buf = b
		if lw.remain >= 0 && int64(len(b)) > lw.remain {
			b = b[:lw.remain]
		}
		n, err := lw.w.Write(b)
		if lw.remain >= 0 {
			lw.remain -= int64(n)
		}
		if err != nil {
			lw.failed = true
			return i + 1
		}
		if lw.flusher != nil {
			lw.flusher.Flush()
		}
	}
	return len(lines)
}
