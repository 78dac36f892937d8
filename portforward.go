package kobj

import (
	"context"
	"errors"

	corev1 "k8s.io/api/core/v1"

	"github.com/kobj-dev/kobj/internal/remote"
)

// ForwardedPort is one forwarded port: Local on this machine, Remote in
// the Pod.
type ForwardedPort struct {
	Local, Remote uint16
}

// PortForward is a running port-forward to a Pod, made by
// [Object.PortForward]. It runs until Close, the end of its context, or
// the loss of its connection to the server; Done is closed then, and Err
// says why. It is safe for concurrent use.
type PortForward struct {
	f     *remote.Forward
	ports []ForwardedPort
}

// PortForward forwards local ports to ports of o, a Pod, as kubectl
// port-forward does: "8080:80" listens on local port 8080 for the Pod's
// port 80, "80" on local port 80, ":80" on a free local port, which
// Ports shows. It listens on localhost (127.0.0.1 and ::1, if present)
// unless [ListenAddress] says otherwise, and returns once listening: a
// local port that cannot be bound, the server's refusal (an
// *apierrors.StatusError: a Pod not yet on a node, say) and a connection
// that cannot be made are the call's error. Each local connection then
// opens a stream to the Pod's port.
//
// The connection is SPDY tunnelled in a WebSocket when the server can
// upgrade to one, else plain SPDY, through client-go's portforward, over
// the client's credentials; it takes no MaxInFlight slot and is not cut by
// rest.Config.Timeout. A client made with WithHTTPClient connects with its
// rest.Config's credentials. Ending ctx while the connection is being made
// returns at once; client-go's dial itself ends when the server answers.
//
// The forward ends with Close, with ctx, or when the connection to the
// server is lost (Err then wraps ErrLostConnection): it never lingers
// half-dead, listening without a tunnel.
func (o *Object) PortForward(ctx context.Context, ports []string, opts ...PortForwardOption) (_ *PortForward, err error) {
	defer wrapCall(&err, callName("PortForward", o))
	so, err := gatherStream(opts, PortForwardOption.applyToPortForward)
	if err != nil {
		return nil, err
	}
	if len(ports) == 0 {
		return nil, errors.New("no ports")
	}
	if err := remote.CheckPortSpecs(ports); err != nil {
		return nil, err
	}
	t, err := o.streamTarget(ctx, so, "portforward", "PortForward forwards ports of a Pod")
	if err != nil {
		return nil, err
	}
	if err := t.mustBePods("PortForward"); err != nil {
		return nil, err
	}
	u, err := t.connectURL("portforward", &corev1.PodPortForwardOptions{})
	if err != nil {
		return nil, err
	}
	throttle := func(ctx context.Context) error { return t.c.wire.Throttle(ctx, "POST", *u) }
	f, err := remote.StartForward(ctx, t.c.cfg, u, so.addresses, ports, throttle)
	if err != nil {
		return nil, err
	}
	p := &PortForward{f: f}
	for _, fp := range f.Ports() {
		p.ports = append(p.ports, ForwardedPort{Local: fp.Local, Remote: fp.Remote})
	}
	return p, nil
}

// Ports returns the forwarded ports, with the local ports bound (a ":80"
// asked for shows here with the port picked).
func (p *PortForward) Ports() []ForwardedPort {
	if p == nil {
		return nil
	}
	return append([]ForwardedPort(nil), p.ports...)
}

// Ready returns a channel closed once the local ports listen; it is
// closed already when PortForward has returned.
func (p *PortForward) Ready() <-chan struct{} {
	if p == nil || p.f == nil {
		return closed
	}
	return p.f.Ready()
}

// Done returns a channel closed when the forward has ended and its
// listeners are closed.
func (p *PortForward) Done() <-chan struct{} {
	if p == nil || p.f == nil {
		return closed
	}
	return p.f.Done()
}

// Err returns why the forward ended: nil while it runs and after Close;
// the context's error when its context ended; an error wrapping
// ErrLostConnection when the connection to the server was lost.
func (p *PortForward) Err() error {
	if p == nil || p.f == nil {
		return errNoForward
	}
	return p.f.Err()
}

// Close stops the forward, closes its listeners and waits until it has
// ended. It returns the error that had ended it before, if any, and is
// safe to call more than once.
func (p *PortForward) Close() error {
	if p == nil || p.f == nil {
		return errNoForward
	}
	return p.f.Close()
}

// A PortForward that Object.PortForward did not return (a zero value, or
// nil) is a forward that has ended: its channels are closed and its Err
// says why, rather than a panic.
var (
	closed       = func() chan struct{} { c := make(chan struct{}); close(c); return c }()
	errNoForward = errors.New("kobj: this PortForward was not started by Object.PortForward")
)
