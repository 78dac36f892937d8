package kobj

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"
	streamhttp "k8s.io/streaming/pkg/httpstream"
)

// ExecResult is what a command run by [Object.Exec] left: its exit code,
// and what it wrote to stdout and stderr, when the caller gave no writer
// for them ([Stdout], [Stderr]). With [TTY], stderr is part of stdout.
type ExecResult struct {
	ExitCode int
	Stdout   []byte
	Stderr   []byte
}

// ExitError is the error of a command that exited with a non-zero code,
// when [CheckExitCode] asks for one. errors.As finds it in Exec's error.
type ExitError struct {
	Code int
}

// Error says the command's exit code.
func (e *ExitError) Error() string { return fmt.Sprintf("command exited with code %d", e.Code) }

// Exec runs command (argv: no shell, unless command starts one) in a
// container of o, a Pod, and waits for it to end. The stdin given by
// [Stdin] is sent and, at its end, closed, so that commands reading to the
// end (cat, tar x) finish; [Stdout] and [Stderr] receive the output as it
// comes (one Write at a time, so that one writer may take both), else
// ExecResult captures it. [Container] picks the container;
// [TTY] allocates a terminal (stderr then goes to stdout, and [Stderr]
// with it is an error).
//
// The connection is a WebSocket (protocol v5.channel.k8s.io) when the
// server can upgrade to one, else SPDY, through client-go's remotecommand,
// over the client's credentials; it takes no MaxInFlight slot, and
// rest.Config.Timeout does not cut it. A client made with WithHTTPClient
// connects with its rest.Config's credentials. Ending ctx ends the command's
// connection and Exec returns at once; a reader given to Stdin that blocks
// keeps one goroutine until its Read returns, and client-go's WebSocket
// heartbeat ends at its next ping (within 5s). A panic of the Stdin reader
// or of a Stdout or Stderr writer ends the connection likewise, and Exec
// then panics with it in the caller's goroutine. An error of the Stdin
// reader (other than io.EOF) or of a writer, an input or output lost, is
// Exec's error, with the ExecResult of the command.
//
// A non-zero exit sets ExecResult.ExitCode and is not an error, unless
// [CheckExitCode] is given: Exec then also returns an error wrapping an
// *ExitError. Exec fails before any request when command is empty, o names
// no object, or its kind is not a Pod; the server's refusal (a Pod not
// yet on a node, an unknown container) is an *apierrors.StatusError.
func (o *Object) Exec(ctx context.Context, command []string, opts ...ExecOption) (_ *ExecResult, err error) {
	defer wrapCall(&err, callName("Exec", o))
	so, err := gatherStream(opts, ExecOption.applyToExec)
	if err != nil {
		return nil, err
	}
	if len(command) == 0 {
		return nil, errors.New("no command")
	}
	if so.tty && so.stderr != nil {
		return nil, errors.New("Stderr given with TTY: a terminal has no stderr of its own, it goes to Stdout")
	}
	// The caller may reuse its slice while the command runs: name it now.
	cmdline := strings.Join(command, " ")
	t, err := o.streamTarget(ctx, so, "exec", "Exec runs a command in a Pod's container")
	if err != nil {
		return nil, err
	}
	if err := t.mustBePods("Exec"); err != nil {
		return nil, err
	}
	u, err := t.connectURL("exec", &corev1.PodExecOptions{Command: command, Container: so.container,
		Stdin: so.stdin != nil, Stdout: true, Stderr: !so.tty, TTY: so.tty})
	if err != nil {
		return nil, err
	}
	res := &ExecResult{}
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	guard := &callbackGuard{cancel: cancel}
	streams := remotecommand.StreamOptions{Stdin: guard.reader(so.stdin), Stdout: guard.writer("Stdout", so.stdout), Stderr: guard.writer("Stderr", so.stderr), Tty: so.tty}
	if streams.Stdout == nil {
		streams.Stdout = &stdout
	}
	if streams.Stderr == nil && !so.tty {
		streams.Stderr = &stderr
	}
	if so.tty {
		streams.Stderr = nil
	}
	if err := t.c.wire.Throttle(ctx, "POST", *u); err != nil {
		return nil, err
	}
	err = t.c.execute(ctx, u, streams)
	if p, ok := guard.recovered(); ok {
		panic(p) // the connection is closed: the panic is the caller's again
	}
	var exit utilexec.CodeExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		res.ExitCode = exit.Code
	default:
		return nil, err
	}
	if so.stdout == nil {
		res.Stdout = stdout.Bytes()
	}
	if so.stderr == nil && !so.tty {
		res.Stderr = stderr.Bytes()
	}
	if err := guard.failure(); err != nil {
		return res, err
	}
	if so.checkExit && res.ExitCode != 0 {
		return res, fmt.Errorf("%s: %w", cmdline, &ExitError{Code: res.ExitCode})
	}
	return res, nil
}

// mustBePods fails unless the target is a core Pod: the operations the
// streaming verbs call are the Pods'.
func (t *target) mustBePods(verb string) error {
	if t.info.Group != "" || t.info.Resource != "pods" {
		return fmt.Errorf("%w: %s runs in Pods, not in %s %s", ErrUnsupported, verb, t.info.APIVersion(), t.info.Kind)
	}
	return nil
}

// connectURL is the address of the Pod's connect subresource sub (exec,
// portforward) with opts as its query, below the server's URL and its
// path prefix: the URL discovery gives, with the parameters client-go's
// parameter codec writes, as kubectl builds it.
func (t *target) connectURL(sub string, opts runtime.Object) (*url.URL, error) {
	q, err := scheme.ParameterCodec.EncodeParameters(opts, corev1.SchemeGroupVersion)
	if err != nil {
		return nil, err
	}
	req := t.subresourceRequest("POST", sub, q)
	return t.c.url(req.path, req.query), nil
}

// upgradeConfig is the rest.Config of upgraded connections (exec,
// port-forward): the client's, without the Timeout meant for whole
// answers.
func (c *Client) upgradeConfig() *rest.Config {
	cfg := rest.CopyConfig(c.cfg)
	cfg.Timeout = 0
	return cfg
}

// execute runs a remote command at u: over a WebSocket first, over SPDY
// when the WebSocket upgrade fails, as kubectl does. When both upgrades
// fail and the server answered the first with a Status (a Pod without a
// node, an unknown container), that Status is the error: SPDY's error
// keeps only its text.
// streamStartGrace is how long the end of an Exec's context takes to reach
// client-go's executor: time for its read loop to start.
const streamStartGrace = 100 * time.Millisecond

func (c *Client) execute(ctx context.Context, u *url.URL, streams remotecommand.StreamOptions) error {
	cfg := c.upgradeConfig()
	ws, err := remotecommand.NewWebSocketExecutor(cfg, "GET", u.String())
	if err != nil {
		return err
	}
	spdy, err := remotecommand.NewSPDYExecutor(cfg, "POST", u)
	if err != nil {
		return err
	}
	var refused *apierrors.StatusError
	exec, err := remotecommand.NewFallbackExecutor(ws, spdy, func(err error) bool {
		if !isUpgradeFailure(err) {
			return false
		}
		refused = upgradeRefusal(err)
		return true
	})
	if err != nil {
		return err
	}
	// client-go's WebSocket executor leaves its stream goroutines blocked
	// for good when its context ends between the upgrade and the start of
	// its read loop (the loop then returns on the closed connection
	// without closing the streams): the end of ctx reaches it a moment
	// later, once that loop runs.
	if err := ctx.Err(); err != nil {
		return err
	}
	streamCtx, endStream := context.WithCancel(context.WithoutCancel(ctx))
	defer endStream()
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(streamStartGrace, endStream) })
	defer stop()
	err = exec.StreamWithContext(streamCtx, streams)
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil && refused != nil && strings.Contains(err.Error(), "unable to upgrade connection") {
		return refused
	}
	return err
}

// isUpgradeFailure tells an upgrade the server (or a proxy) did not make,
// worth trying again over SPDY, from a failure of the command itself.
func isUpgradeFailure(err error) bool {
	return streamhttp.IsUpgradeFailure(err) || httpstream.IsUpgradeFailure(err) ||
		streamhttp.IsHTTPSProxyError(err)
}

// upgradeRefusal returns the server's Status within a failed upgrade, or
// nil.
func upgradeRefusal(err error) *apierrors.StatusError {
	var cause error
	var streaming *streamhttp.UpgradeFailureError
	var legacy *httpstream.UpgradeFailureError
	switch {
	case errors.As(err, &streaming):
		cause = streaming.Cause
	case errors.As(err, &legacy):
		cause = legacy.Cause
	}
	var status *apierrors.StatusError
	if cause != nil && errors.As(cause, &status) {
		return status
	}
	return nil
}

// ExecFlagOption is what [TTY] and [CheckExitCode] return; see there.
type ExecFlagOption struct{ checkExit bool }

// TTY makes Exec allocate a terminal for the command; its stderr then
// goes to stdout.
func TTY() ExecFlagOption { return ExecFlagOption{} }

// CheckExitCode makes Exec fail, with an error wrapping an *ExitError,
// when the command exits with a non-zero code.
func CheckExitCode() ExecFlagOption { return ExecFlagOption{checkExit: true} }

func (f ExecFlagOption) applyToExec(so *streamOptions) {
	if f.checkExit {
		so.checkExit = true
	} else {
		so.tty = true
	}
}

// StdinOption is what [Stdin] returns; see there.
type StdinOption struct{ r io.Reader }

// Stdin sends r to the command's standard input, then closes it when r
// ends (io.EOF).
func Stdin(r io.Reader) StdinOption { return StdinOption{r} }

func (s StdinOption) applyToExec(so *streamOptions) { so.stdin = s.r }

// OutputOption is what [Stdout] and [Stderr] return; see there.
type OutputOption struct {
	w      io.Writer
	stderr bool
}

// Stdout writes the command's standard output to w as it comes, instead
// of ExecResult.Stdout.
func Stdout(w io.Writer) OutputOption { return OutputOption{w: w} }

// Stderr writes the command's standard error to w as it comes, instead of
// ExecResult.Stderr.
func Stderr(w io.Writer) OutputOption { return OutputOption{w: w, stderr: true} }

func (o OutputOption) applyToExec(so *streamOptions) {
	if o.stderr {
		so.stderr = o.w
	} else {
		so.stdout = o.w
	}
}

// callbackGuard watches the caller's Stdin reader and Stdout and Stderr
// writers, which client-go calls in goroutines of its own, where a panic
// ends the program and an error is only logged. The first panic ends the
// command's connection, and Exec panics with it again in the caller's
// goroutine, where the caller can recover it; the first error (a lost
// input or output) is Exec's error.
type callbackGuard struct {
	cancel context.CancelFunc

	// writing makes the writers' calls one at a time: client-go writes
	// stdout and stderr from two goroutines, and a caller may well give
	// one writer for both.
	writing sync.Mutex

	mu       sync.Mutex
	value    any
	panicked bool
	err      error
}

// fail records the first error of a reader or writer.
func (g *callbackGuard) fail(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err == nil {
		g.err = err
	}
}

// failure returns the first error of a reader or writer, if any.
func (g *callbackGuard) failure() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}

// errCallbackPanicked is what a guarded reader or writer returns to
// client-go in place of its panic.
var errCallbackPanicked = errors.New("a Stdin reader or Stdout or Stderr writer panicked")

// catch recovers a panic of a reader or writer, and ends the command's
// connection.
func (g *callbackGuard) catch(err *error) {
	p := recover()
	if p == nil {
		return
	}
	g.mu.Lock()
	if !g.panicked {
		g.value, g.panicked = p, true
	}
	g.mu.Unlock()
	g.cancel()
	*err = errCallbackPanicked
}

// recovered returns the first panic caught, if any.
func (g *callbackGuard) recovered() (any, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.value, g.panicked
}

func (g *callbackGuard) reader(r io.Reader) io.Reader {
	if r == nil {
		return nil
	}
	return guardedReader{r, g}
}

func (g *callbackGuard) writer(name string, w io.Writer) io.Writer {
	if w == nil {
		return nil
	}
	return guardedWriter{w, name, g}
}

type guardedReader struct {
	r io.Reader
	g *callbackGuard
}

func (r guardedReader) Read(p []byte) (n int, err error) {
	defer r.g.catch(&err)
	n, err = r.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		r.g.fail(fmt.Errorf("reading Stdin: %w", err))
	}
	return n, err
}

type guardedWriter struct {
	w    io.Writer
	name string // Stdout or Stderr
	g    *callbackGuard
}

func (w guardedWriter) Write(p []byte) (n int, err error) {
	defer w.g.catch(&err)
	w.g.writing.Lock()
	defer w.g.writing.Unlock()
	n, err = w.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		w.g.fail(fmt.Errorf("writing %s: %w", w.name, err))
	}
	return n, err
}
