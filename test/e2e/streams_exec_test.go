package e2e

// kobj's Exec end to end.
//
// Real: the kube-apiserver — authorization of pods/exec, the node look-up,
// the upgrade and, on 1.30+, the translation of kobj's WebSocket (v5,
// with stdin half-close) into SPDY towards the kubelet; on older servers
// kobj falls back to SPDY itself — and the protocol end on the kubelet's
// side (k8s.io/cri-streaming, as container runtimes use), which writes the
// exit code into the error channel's Status. Played: the processes, by
// the fake kubelet's tiny interpreter (cat, echo, stderr, exit N, ";"),
// and the terminal (stderr merged into stdout, "\n" written as "\r\n").
// Not covered: real processes, signals, terminal resizing.

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"go.uber.org/goleak"
	utilversion "k8s.io/apimachinery/pkg/util/version"
)

func TestExec(t *testing.T) {
	p := newFakePod(t)
	c := newClient(t)
	tests := []struct {
		name             string
		command          []string
		opts             []kobj.ExecOption
		wantOut, wantErr string
		wantCode         int
	}{
		{name: "cat returns stdin, whose end reaches the process", command: []string{"cat"},
			opts: []kobj.ExecOption{kobj.Stdin(strings.NewReader("hello\nworld\n"))}, wantOut: "hello\nworld\n"},
		{name: "exit code", command: []string{"echo", "out", ";", "exit", "3"}, wantOut: "out\n", wantCode: 3},
		{name: "stderr apart", command: []string{"echo", "out", ";", "stderr", "err"}, wantOut: "out\n", wantErr: "err\n"},
		{name: "TTY merges stderr", command: []string{"echo", "out", ";", "stderr", "err"},
			opts: []kobj.ExecOption{kobj.TTY()}, wantOut: "out\r\nerr\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t, time.Minute)
			opts := append([]kobj.ExecOption{kobj.WithClient(c), kobj.Container("main")}, tt.opts...)
			res, err := p.object().Exec(ctx, tt.command, opts...)
			if err != nil {
				t.Fatalf("Exec: %v", err)
			}
			if res.ExitCode != tt.wantCode || string(res.Stdout) != tt.wantOut || string(res.Stderr) != tt.wantErr {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %d, %q, %q", res.ExitCode, res.Stdout, res.Stderr, tt.wantCode, tt.wantOut, tt.wantErr)
			}
		})
	}
}

// CheckExitCode turns a non-zero exit into an *ExitError that carries the
// code; without it the code is in the result and the error is nil (above).
func TestExecCheckExitCode(t *testing.T) {
	p := newFakePod(t)
	c := newClient(t)
	ctx := testContext(t, time.Minute)
	_, err := p.object().Exec(ctx, []string{"exit", "3"}, kobj.WithClient(c), kobj.CheckExitCode())
	var exit *kobj.ExitError
	if !errors.As(err, &exit) || exit.Code != 3 {
		t.Fatalf("Exec with CheckExitCode of exit 3: %v, want an *ExitError with code 3", err)
	}
	if _, err := p.object().Exec(ctx, []string{"exit", "0"}, kobj.WithClient(c), kobj.CheckExitCode()); err != nil {
		t.Fatalf("Exec with CheckExitCode of exit 0: %v", err)
	}
}

// Stdout and Stderr writers receive the output as it comes.
func TestExecWriters(t *testing.T) {
	p := newFakePod(t)
	c := newClient(t)
	ctx := testContext(t, time.Minute)
	var out, errOut strings.Builder
	_, err := p.object().Exec(ctx, []string{"echo", "out", ";", "stderr", "err"},
		kobj.WithClient(c), kobj.Stdout(&out), kobj.Stderr(&errOut))
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != "out\n" || errOut.String() != "err\n" {
		t.Fatalf("writers got %q and %q, want \"out\\n\" and \"err\\n\"", out.String(), errOut.String())
	}
}

// A failure of the runtime (no exit code in the Status) is an error, not
// an exit code.
func TestExecRuntimeFailure(t *testing.T) {
	p := newFakePod(t)
	c := newClient(t)
	ctx := testContext(t, time.Minute)
	res, err := p.object().Exec(ctx, []string{"nosuchcommand"}, kobj.WithClient(c))
	var exit *kobj.ExitError
	if err == nil || errors.As(err, &exit) || !strings.Contains(err.Error(), "executable file not found") {
		t.Fatalf("Exec of an unknown command: %+v, %v; want an error with the runtime's message and no exit code", res, err)
	}
}

// Ending the context ends an Exec whose process still runs (cat with a
// stdin that never ends), and no goroutine stays.
func TestExecEndsWithTheContext(t *testing.T) {
	p := newFakePod(t)
	c, tr := leakCheckedClient(t)
	ctx := testContext(t, time.Minute)
	if _, err := p.object().Exec(ctx, []string{"echo", "warm"}, kobj.WithClient(c)); err != nil {
		t.Fatal(err)
	}
	defer verifyGoroutinesEnd(t, goleak.IgnoreCurrent(), 15*time.Second)
	defer tr.closeIdle()

	stdin, feed := io.Pipe()
	defer feed.Close()
	ectx, cancel := context.WithCancel(ctx)
	out := &notifyWriter{wrote: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := p.object().Exec(ectx, []string{"cat"}, kobj.WithClient(c), kobj.Stdin(stdin), kobj.Stdout(out))
		done <- err
	}()
	if _, err := io.WriteString(feed, "ping\n"); err != nil {
		t.Fatal(err)
	}
	<-out.wrote // the process runs: it echoed
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Exec after its context ended: %v, want context.Canceled", err)
	}
}

// notifyWriter closes wrote at its first write.
type notifyWriter struct {
	wrote chan struct{}
	once  sync.Once
}

func (w *notifyWriter) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.wrote) })
	return len(p), nil
}

// kobj speaks WebSocket first: from 1.30 the apiserver translates it into
// SPDY towards the kubelet; before, the apiserver hands the WebSocket to
// the kubelet, which refuses v5 (as runtimes' streaming servers of that
// time do), and kobj runs the command again over SPDY.
func TestExecProtocol(t *testing.T) {
	p := newFakePod(t)
	c, log := newCountingClient(t)
	ctx := testContext(t, time.Minute)
	if _, err := p.object().Exec(ctx, []string{"echo", "hi"}, kobj.WithClient(c)); err != nil {
		t.Fatal(err)
	}
	checkUpgrades(t, log, p, "/exec", "/exec/", 30)
}

// checkUpgrades checks how a stream reached the kubelet: kobj asks for a
// WebSocket (one GET) and a server from 1.minor on translates it to SPDY;
// an older server refuses it, and kobj falls back to SPDY (a POST), which
// the apiserver passes through. apiPath ends the apiserver's request
// path, kubeletPath is in the kubelet's.
func checkUpgrades(t *testing.T, log *requestLog, p fakePod, apiPath, kubeletPath string, minor uint) {
	t.Helper()
	var sent []string
	for _, r := range log.Matching(func(_, path, _ string) bool { return strings.HasSuffix(path, apiPath) }) {
		method, _, _ := strings.Cut(r, " ")
		sent = append(sent, method)
	}
	var seen []string
	for _, r := range p.Kubelet.Requests() {
		if strings.Contains(r, " "+kubeletPath) {
			_, upgrade, _ := strings.Cut(r, " upgrade=")
			seen = append(seen, strings.ToLower(upgrade))
		}
	}
	want := struct{ sent, seen []string }{[]string{"GET"}, []string{"spdy/3.1"}}
	if !serverVersion.AtLeast(utilversion.MajorMinor(1, minor)) {
		want.sent, want.seen = []string{"GET", "POST"}, []string{"websocket", "spdy/3.1"}
	}
	if strings.Join(sent, ",") != strings.Join(want.sent, ",") || strings.Join(seen, ",") != strings.Join(want.seen, ",") {
		t.Fatalf("kobj sent %q and the kubelet saw upgrades %q; want %q and %q on v%s", sent, seen, want.sent, want.seen, serverVersion)
	}
}
