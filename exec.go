package kobj

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/kobj-dev/kobj/internal/remote"
)

// ExecResult is what a command run by [Object.Exec] left: its exit code,
// and what it wrote to stdout and stderr, when the caller gave no writer
// for them ([Stdout], [Stderr]). With [TTY], stderr is part of stdout.
type ExecResult struct {
	ExitCode int
	Stdout   []byte
	Stderr   []byte
}

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
	if err := t.c.wire.Throttle(ctx, "POST", *u); err != nil {
		return nil, err
	}
	r, err := remote.Run(ctx, t.c.cfg, u, remote.Streams{Stdin: so.stdin, Stdout: so.stdout, Stderr: so.stderr, TTY: so.tty})
	if r == nil {
		return nil, err
	}
	res := &ExecResult{ExitCode: r.ExitCode, Stdout: r.Stdout, Stderr: r.Stderr}
	if err != nil {
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
	return t.c.url(req.Path, req.Query), nil
}
