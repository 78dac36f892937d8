package kobj_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
)

// Edges of the streaming verbs a caller hits: callbacks that panic,
// arguments changed while a call runs, a context ended beforehand, port
// specs that are typos.

// mutatingReader changes the caller's command when the command reads its
// stdin, as a caller reusing its slice while Exec runs would.
type mutatingReader struct {
	command []string
	done    bool
}

func (m *mutatingReader) Read(p []byte) (int, error) {
	if m.done {
		return 0, io.EOF
	}
	m.done = true
	m.command[1] = "changed"
	return copy(p, "in"), nil
}

func TestExecErrorNamesTheCommandAsCalled(t *testing.T) {
	f := newFakeAPI(t, "")
	c := withSubresource(t, f, "exec", fakeExecV5)
	command := []string{"3", "given"}
	_, err := podObject("ns", "p").Exec(context.Background(), command, kobj.WithClient(c),
		kobj.Stdin(&mutatingReader{command: command}), kobj.CheckExitCode())
	var exit *kobj.ExitError
	if !errors.As(err, &exit) || !strings.Contains(err.Error(), "3 given") {
		t.Errorf("error = %v, want an ExitError naming the command 3 given", err)
	}
}

// TestStreamsWithAnEndedContextSendNothing: a context ended before the
// call makes no request to the Pod's subresource, even when discovery is
// at hand and no rate limiter would notice.
func TestStreamsWithAnEndedContextSendNothing(t *testing.T) {
	f, c := portForwardServer(t, nil)
	pod := podObject("ns", "p").SetClient(c)
	if _, err := pod.Read(context.Background()); err == nil {
		t.Fatal("the fake has no pod") // warms discovery; the answer is a 404
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f.requests()
	before := runtime.NumGoroutine()
	pf, err := pod.PortForward(ctx, []string{":80"}, kobj.ListenAddress("127.0.0.1"))
	if !errors.Is(err, context.Canceled) || pf != nil {
		t.Errorf("PortForward = %v, %v; want context.Canceled", pf, err)
	}
	goroutinesSettle(t, before) // whatever the call started has ended
	if got := f.requests(); len(got) != 0 {
		t.Errorf("requests sent after the context ended: %+v", got)
	}
}

// TestPortForwardUsedFromManyGoroutines: Ports, Err, Done and Close from
// several goroutines at once, Close more than once.
func TestPortForwardUsedFromManyGoroutines(t *testing.T) {
	_, c := portForwardServer(t, nil)
	pf, err := podObject("ns", "p").PortForward(context.Background(), []string{":80"}, kobj.WithClient(c), kobj.ListenAddress("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			if len(pf.Ports()) != 1 {
				errs <- fmt.Errorf("Ports() = %v", pf.Ports())
				return
			}
			_ = pf.Err()
			if i%2 == 0 {
				errs <- pf.Close()
				return
			}
			<-pf.Done()
			errs <- pf.Err()
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if err := pf.Close(); err != nil {
		t.Errorf("Close again = %v", err)
	}
}

// TestSinceSecondsBelowASecondRoundsUp: the API counts whole seconds; a
// positive fraction asks for one.
func TestSinceSecondsBelowASecondRoundsUp(t *testing.T) {
	f := newFakeAPI(t, "")
	c := withLogs(t, f, func(w http.ResponseWriter, r *http.Request) { serveLines(w, "a") })
	rc, err := podObject("ns", "p").Logs(context.Background(), kobj.WithClient(c), kobj.SinceSeconds(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if got := f.requests(); len(got) != 1 || got[0].Query != "sinceSeconds=1" {
		t.Errorf("requests = %+v, want sinceSeconds=1", got)
	}
}

// TestPortForwardBadSpecsNameTheSpec: a port spec or listen address that
// is a typo fails before any request, quoting what the caller wrote.
func TestPortForwardBadSpecsNameTheSpec(t *testing.T) {
	f, c := portForwardServer(t, nil)
	pod := podObject("ns", "p").SetClient(c)
	tests := []struct {
		name  string
		ports []string
		opts  []kobj.PortForwardOption
		want  string
	}{
		{"empty", []string{""}, nil, `port ""`},
		{"a word", []string{"abc"}, nil, `port "abc"`},
		{"too big", []string{"70000"}, nil, `port "70000"`},
		{"no remote port", []string{"8080:"}, nil, `port "8080:"`},
		{"three parts", []string{"1:2:3"}, nil, `port "1:2:3"`},
		{"negative", []string{"80", "-1"}, nil, `port "-1"`},
		{"remote 0", []string{"8080:0"}, nil, `port "8080:0"`},
		{"empty address", []string{"80"}, []kobj.PortForwardOption{kobj.ListenAddress("")}, `ListenAddress("")`},
		{"a host name", []string{"80"}, []kobj.PortForwardOption{kobj.ListenAddress("example.com")}, `ListenAddress("example.com")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.requests()
			pf, err := pod.PortForward(context.Background(), tt.ports, tt.opts...)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "kobj: PortForward") {
				t.Errorf("PortForward(%q) = %v, %v; want an error containing %s", tt.ports, pf, err, tt.want)
			}
			if pf != nil {
				pf.Close()
			}
			if got := f.requests(); len(got) != 0 {
				t.Errorf("requests sent: %+v", got)
			}
		})
	}
}

// panicky panics on its first Read or Write.
type panicky struct{}

func (panicky) Read([]byte) (int, error)  { panic("reader boom") }
func (panicky) Write([]byte) (int, error) { panic("writer boom") }

// TestExecCallbackPanicReachesTheCaller: a Stdin reader or a Stdout or
// Stderr writer that panics runs in a goroutine of client-go; its panic
// must come back in the goroutine that called Exec (where the caller can
// recover it), not end the program, and leave no connection behind.
func TestExecCallbackPanicReachesTheCaller(t *testing.T) {
	f := newFakeAPI(t, "")
	c := withSubresource(t, f, "exec", fakeExecV5)
	pod := podObject("ns", "p").SetClient(c)
	if _, err := pod.Exec(context.Background(), []string{"0"}); err != nil {
		t.Fatal(err) // warms discovery
	}
	tests := []struct {
		name string
		opts []kobj.ExecOption
		want string
	}{
		{"stdin", []kobj.ExecOption{kobj.Stdin(panicky{})}, "reader boom"},
		{"stdout", []kobj.ExecOption{kobj.Stdin(strings.NewReader("out")), kobj.Stdout(panicky{})}, "writer boom"},
		{"stderr", []kobj.ExecOption{kobj.Stderr(panicky{})}, "writer boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			got := func() (p any) {
				defer func() { p = recover() }()
				pod.Exec(context.Background(), []string{"0"}, tt.opts...)
				return nil
			}()
			if got != tt.want {
				t.Errorf("recovered %v, want %q", got, tt.want)
			}
			goroutinesSettle(t, before)
		})
	}
}

// failing fails every Read and Write with its error.
type failing struct{ err error }

func (f failing) Read([]byte) (int, error)  { return 0, f.err }
func (f failing) Write([]byte) (int, error) { return 0, f.err }

// TestExecCallbackErrorIsExecsError: a Stdin reader or an output writer
// that fails means a lost input or output; client-go only logs it, Exec
// says it.
func TestExecCallbackErrorIsExecsError(t *testing.T) {
	f := newFakeAPI(t, "")
	c := withSubresource(t, f, "exec", fakeExecV5)
	pod := podObject("ns", "p").SetClient(c)
	if _, err := pod.Exec(context.Background(), []string{"0"}); err != nil {
		t.Fatal(err) // warms discovery and the connections to the server
	}
	broken := errors.New("disk full")
	tests := []struct {
		name string
		opts []kobj.ExecOption
	}{
		{"stdin", []kobj.ExecOption{kobj.Stdin(failing{broken})}},
		{"stdout", []kobj.ExecOption{kobj.Stdin(strings.NewReader("out")), kobj.Stdout(failing{broken})}},
		{"stderr", []kobj.ExecOption{kobj.Stderr(failing{broken})}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			_, err := pod.Exec(context.Background(), []string{"0"}, tt.opts...)
			if !errors.Is(err, broken) || !strings.Contains(strings.ToLower(err.Error()), tt.name) {
				t.Errorf("Exec = %v, want an error wrapping the %s's error", err, tt.name)
			}
			goroutinesSettle(t, before)
		})
	}
}

// TestExecAndLogsWithAnEndedContextSendNothing: as for PortForward.
func TestExecAndLogsWithAnEndedContextSendNothing(t *testing.T) {
	f := newFakeAPI(t, "")
	c := withSubresource(t, f, "exec", fakeExecV5)
	pod := podObject("ns", "p").SetClient(c)
	if _, err := pod.Exec(context.Background(), []string{"0"}); err != nil {
		t.Fatal(err) // warms discovery
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f.requests()
	if _, err := pod.Exec(ctx, []string{"0"}, kobj.Stdin(strings.NewReader("x"))); !errors.Is(err, context.Canceled) {
		t.Errorf("Exec = %v, want context.Canceled", err)
	}
	for _, opts := range [][]kobj.LogOption{nil, {kobj.FollowRestarts()}} {
		if _, err := pod.Logs(ctx, opts...); !errors.Is(err, context.Canceled) {
			t.Errorf("Logs(%v) = %v, want context.Canceled", opts, err)
		}
	}
	if got := f.requests(); len(got) != 0 {
		t.Errorf("requests sent after the context ended: %+v", got)
	}
}

// TestStreamingVerbsOfANilObject: an error, no panic.
func TestStreamingVerbsOfANilObject(t *testing.T) {
	var o *kobj.Object
	ctx := context.Background()
	_, errLogs := o.Logs(ctx)
	var errLines error
	for _, err := range o.LogLines(ctx) {
		errLines = err
	}
	_, errExec := o.Exec(ctx, []string{"ls"})
	_, errPF := o.PortForward(ctx, []string{"80"})
	for name, err := range map[string]error{"Logs": errLogs, "LogLines": errLines, "Exec": errExec, "PortForward": errPF} {
		if err == nil || !strings.Contains(err.Error(), "nil") || !strings.HasPrefix(err.Error(), "kobj: "+strings.TrimSuffix(name, "Lines")) {
			t.Errorf("%s of a nil object = %v", name, err)
		}
	}
}

// TestLogsReadAfterClose: a read after Close fails, and sends nothing.
func TestLogsReadAfterClose(t *testing.T) {
	f := newFakeAPI(t, "")
	f.put("/api/v1/namespaces/ns/pods/p", podWithStatus("Always", running(0, "2026-01-01T00:00:00Z")))
	c := withLogs(t, f, func(w http.ResponseWriter, r *http.Request) {
		serveLines(w, "2026-01-01T00:00:01.000000000Z a", "2026-01-01T00:00:02.000000000Z b")
	})
	pod := podObject("ns", "p").SetClient(c)
	for _, opts := range [][]kobj.LogOption{nil, {kobj.FollowRestarts()}} {
		rc, err := pod.Logs(context.Background(), opts...)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 2)
		if _, err := io.ReadFull(rc, buf); err != nil {
			t.Fatal(err)
		}
		rc.Close()
		rc.Close()
		f.requests()
		if n, err := rc.Read(buf); err == nil || err == io.EOF {
			t.Errorf("Read after Close (%v) = %d, %v; want an error", opts, n, err)
		}
		if got := f.requests(); len(got) != 0 {
			t.Errorf("requests sent by a read after Close: %+v", got)
		}
	}
}

// TestExecOneWriterForStdoutAndStderr: the same writer given to Stdout and
// Stderr, to merge the output as a terminal does, is not written to from
// two goroutines at once.
func TestExecOneWriterForStdoutAndStderr(t *testing.T) {
	f := newFakeAPI(t, "")
	c := withSubresource(t, f, "exec", fakeExecV5)
	var both bytes.Buffer
	_, err := podObject("ns", "p").Exec(context.Background(), []string{"0"}, kobj.WithClient(c),
		kobj.Stdin(strings.NewReader("out")), kobj.Stdout(&both), kobj.Stderr(&both))
	if got := both.String(); err != nil || len(got) != len("outoops") || !strings.Contains(got, "oops") {
		t.Errorf("Exec = %v, output %q; want out and oops", err, got)
	}
}

// TestLogLinesIteratedAgain: a sequence broken out of early reads the log
// anew when iterated again.
func TestLogLinesIteratedAgain(t *testing.T) {
	f := newFakeAPI(t, "")
	c := withLogs(t, f, func(w http.ResponseWriter, r *http.Request) { serveLines(w, "a", "b") })
	lines := podObject("ns", "p").LogLines(context.Background(), kobj.WithClient(c))
	for range lines {
		break
	}
	var got []string
	for line, err := range lines {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, line)
	}
	if strings.Join(got, ",") != "a,b" {
		t.Errorf("second iteration = %q, want a, b", got)
	}
}

// TestConflictingStreamOptionsAskNothing: options that contradict each
// other fail before any request, discovery's included.
func TestConflictingStreamOptionsAskNothing(t *testing.T) {
	f := newFakeAPI(t, "")
	c := f.client()
	pod := podObject("ns", "p").SetClient(c)
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"FollowRestarts and Previous", func() error { _, err := pod.Logs(ctx, kobj.FollowRestarts(), kobj.Previous()); return err }, "cannot be combined"},
		{"FollowRestarts and LimitBytes", func() error { _, err := pod.Logs(ctx, kobj.LimitBytes(1), kobj.FollowRestarts()); return err }, "cannot be combined"},
		{"TTY and Stderr", func() error {
			_, err := pod.Exec(ctx, []string{"sh"}, kobj.TTY(), kobj.Stderr(io.Discard))
			return err
		}, "TTY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if len(f.log) != 0 {
				t.Errorf("requests sent: %+v", f.log)
			}
			f.log = nil
		})
	}
}

// TestStreamsBelowAPathPrefix: a server URL with a path (a Rancher-style
// proxy) prefixes the log, FollowRestarts' Pod reads, and exec's
// WebSocket.
func TestStreamsBelowAPathPrefix(t *testing.T) {
	const prefix = "/k8s/clusters/c-1"
	f := newFakeAPI(t, prefix)
	f.put("/api/v1/namespaces/ns/pods/p", podWithStatus("Never", map[string]any{"phase": "Succeeded"}))
	c := withLogs(t, f, func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, prefix+"/api/") {
			http.Error(w, "no prefix", http.StatusNotFound)
			return
		}
		serveLines(w, "2026-01-01T00:00:01.000000000Z a")
	})
	pod := podObject("ns", "p").SetClient(c)
	for _, opts := range [][]kobj.LogOption{nil, {kobj.FollowRestarts()}} {
		var got []string
		for line, err := range pod.LogLines(context.Background(), opts...) {
			if err != nil {
				t.Fatalf("LogLines(%v): %v", opts, err)
			}
			got = append(got, line)
		}
		if len(got) != 1 || !strings.HasSuffix(got[0], "a") {
			t.Errorf("LogLines(%v) = %q", opts, got)
		}
	}
	ce := withSubresource(t, f, "exec", func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, prefix+"/api/") {
			http.Error(w, "no prefix", http.StatusNotFound)
			return
		}
		fakeExecV5(w, r)
	})
	res, err := pod.Exec(context.Background(), []string{"0"}, kobj.WithClient(ce), kobj.Stdin(strings.NewReader("hi")))
	if err != nil || string(res.Stdout) != "hi" {
		t.Errorf("Exec below a prefix = %+v, %v", res, err)
	}
	if got := f.requests(); len(got) < 2 || got[len(got)-1].Method != "GET" {
		t.Errorf("requests = %+v, want the exec over a WebSocket (GET) last", got)
	}
}
