package remote

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/url"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"
	streamhttp "k8s.io/streaming/pkg/httpstream"
)

// Streams are a command's standard streams as the caller gives them: a nil
// Stdout or Stderr is captured into the Result instead (Stderr not with
// TTY, where it is part of Stdout).
type Streams struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	TTY            bool
}

// Result is what a command left: its exit code, and the output captured
// for the streams the caller gave no writer for.
type Result struct {
	ExitCode       int
	Stdout, Stderr []byte
}

// Run runs the remote command whose exec URL is u, over cfg's credentials
// (its Timeout, meant for whole answers, left out), and waits for it to
// end. The caller's reader and writers are guarded (see guard): a panic of
// one ends the connection, and Run then panics with it in the caller's
// goroutine; an error of one (a lost input or output) is Run's error,
// returned with the Result. A non-zero exit is the Result's ExitCode, not
// an error. Run fails with ctx's error when ctx ends first, with the
// server's *apierrors.StatusError when it refused the upgrade, and with
// client-go's error otherwise, with no Result.
func Run(ctx context.Context, cfg *rest.Config, u *url.URL, s Streams) (*Result, error) {
	res := &Result{}
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g := &guard{cancel: cancel}
	streams := remotecommand.StreamOptions{Stdin: g.reader(s.Stdin), Stdout: g.writer("Stdout", s.Stdout), Stderr: g.writer("Stderr", s.Stderr), Tty: s.TTY}
	if streams.Stdout == nil {
		streams.Stdout = &stdout
	}
	if streams.Stderr == nil && !s.TTY {
		streams.Stderr = &stderr
	}
	if s.TTY {
		streams.Stderr = nil
	}
	err := execute(ctx, upgradeConfig(cfg), u, streams)
	if p, ok := g.recovered(); ok {
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
	if s.Stdout == nil {
		res.Stdout = stdout.Bytes()
	}
	if s.Stderr == nil && !s.TTY {
		res.Stderr = stderr.Bytes()
	}
	if err := g.failure(); err != nil {
		return res, err
	}
	return res, nil
}

// upgradeConfig is the rest.Config of upgraded connections: cfg, without
// the Timeout meant for whole answers.
func upgradeConfig(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.Timeout = 0
	return cfg
}

// streamStartGrace is how long the end of an Exec's context takes to reach
// client-go's executor: time for its read loop to start.
const streamStartGrace = 100 * time.Millisecond

// execute runs a remote command at u: over a WebSocket first, over SPDY
// when the WebSocket upgrade fails, as kubectl does. When both upgrades
// fail and the server answered the first with a Status (a Pod without a
// node, an unknown container), that Status is the error: SPDY's error
// keeps only its text.
func execute(ctx context.Context, cfg *rest.Config, u *url.URL, streams remotecommand.StreamOptions) error {
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
