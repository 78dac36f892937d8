package kobj

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"
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
	ports  []ForwardedPort
	ready  chan struct{}
	done   chan struct{}
	cancel context.CancelFunc

	mu     sync.Mutex
	err    error
	closed bool
}

// ErrLostConnection is wrapped by [PortForward.Err] when the connection to
// the server ended while forwarding (the Pod went away, the server or a
// proxy closed it): the forward stops rather than accept connections it
// can no longer serve. Reconnecting is the caller's choice: the Pod may
// be gone.
var ErrLostConnection = portforward.ErrLostConnectionToPod

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
	if err := checkPortSpecs(ports); err != nil {
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
	if err := ctx.Err(); err != nil {
		return nil, err // an ended call dials nothing
	}
	cfg := t.c.upgradeConfig()
	transport, upgrader, err := spdy.RoundTripperFor(cfg)
	if err != nil {
		return nil, err
	}
	plain := spdy.NewDialer(upgrader, &http.Client{Transport: transport}, "POST", u)
	tunnel, err := portforward.NewSPDYOverWebsocketDialer(u, cfg)
	if err != nil {
		return nil, err
	}
	var refusedMu sync.Mutex
	var refused *apierrors.StatusError
	dialer := portforward.NewFallbackDialer(tunnel, plain, func(err error) bool {
		if !isUpgradeFailure(err) {
			return false
		}
		refusedMu.Lock()
		refused = upgradeRefusal(err)
		refusedMu.Unlock()
		return true
	})
	addresses := so.addresses
	if len(addresses) == 0 {
		addresses = []string{"localhost"}
	}
	if err := t.c.wire.Throttle(ctx, "POST", *u); err != nil {
		return nil, err
	}
	fctx, cancel := context.WithCancel(ctx)
	p := &PortForward{ready: make(chan struct{}), done: make(chan struct{}), cancel: cancel}
	var listenErrs lockedBuffer
	fw, err := portforward.NewOnAddressesWithContext(fctx, dialer, addresses, ports, p.ready, io.Discard, &listenErrs)
	if err != nil {
		cancel()
		return nil, err
	}
	go func() {
		err := fw.ForwardPorts()
		if err != nil && strings.Contains(err.Error(), "error upgrading connection") {
			refusedMu.Lock()
			if refused != nil {
				err = refused
			}
			refusedMu.Unlock()
		}
		p.finish(ctx, err)
	}()
	select {
	case <-p.ready:
	case <-p.done:
		return nil, p.Err()
	case <-ctx.Done():
		// client-go dials without a context: the dial in progress ends
		// when the server answers, and the forward with it.
		p.mu.Lock()
		p.closed = true
		p.mu.Unlock()
		cancel()
		return nil, ctx.Err()
	}
	if msg := listenErrs.String(); msg != "" {
		p.Close()
		return nil, errors.New(strings.TrimSpace(msg))
	}
	forwarded, err := fw.GetPorts()
	if err != nil {
		p.Close()
		return nil, err
	}
	for _, f := range forwarded {
		p.ports = append(p.ports, ForwardedPort{Local: f.Local, Remote: f.Remote})
	}
	return p, nil
}

// finish records why the forward ended and closes Done.
func (p *PortForward) finish(ctx context.Context, err error) {
	p.mu.Lock()
	switch {
	case p.closed:
		err = nil
	case err == nil && ctx.Err() != nil:
		err = ctx.Err()
	case err == nil:
		err = ErrLostConnection
	case errors.Is(err, portforward.ErrLostConnectionToPod):
		err = fmt.Errorf("port-forward: %w", err)
	}
	p.err = err
	p.mu.Unlock()
	p.cancel()
	close(p.done)
}

// Ports returns the forwarded ports, with the local ports bound (a ":80"
// asked for shows here with the port picked).
func (p *PortForward) Ports() []ForwardedPort {
	return append([]ForwardedPort(nil), p.ports...)
}

// Ready returns a channel closed once the local ports listen; it is
// closed already when PortForward has returned.
func (p *PortForward) Ready() <-chan struct{} { return p.ready }

// Done returns a channel closed when the forward has ended and its
// listeners are closed.
func (p *PortForward) Done() <-chan struct{} { return p.done }

// Err returns why the forward ended: nil while it runs and after Close;
// the context's error when its context ended; an error wrapping
// ErrLostConnection when the connection to the server was lost.
func (p *PortForward) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Close stops the forward, closes its listeners and waits until it has
// ended. It returns the error that had ended it before, if any, and is
// safe to call more than once.
func (p *PortForward) Close() error {
	p.mu.Lock()
	select {
	case <-p.done:
	default:
		p.closed = true
	}
	p.mu.Unlock()
	p.cancel()
	<-p.done
	return p.Err()
}

// ListenAddress makes PortForward listen on an address of this machine
// (an IP address, or "localhost" for 127.0.0.1 and ::1) instead of
// localhost; given more than once, it listens on each.
type ListenAddress string

func (a ListenAddress) applyToPortForward(so *streamOptions) {
	if a != "localhost" && net.ParseIP(string(a)) == nil {
		so.fail("ListenAddress(%q): want an IP address or localhost", string(a))
		return
	}
	so.addresses = append(so.addresses, string(a))
}

// checkPortSpecs checks the port specs as client-go's portforward parses
// them ("local:remote", "port", ":remote"), before any request, naming
// the spec at fault: client-go's own error names only a part of it.
func checkPortSpecs(ports []string) error {
	for _, spec := range ports {
		local, remote, pair := strings.Cut(spec, ":")
		if !pair {
			remote = local
		} else if local == "" {
			local = "0"
		}
		if strings.Contains(remote, ":") {
			return fmt.Errorf("port %q: want local:remote, port or :remote", spec)
		}
		if _, err := strconv.ParseUint(local, 10, 16); err != nil {
			return fmt.Errorf("port %q: local port %q is not a number from 0 to 65535", spec, local)
		}
		if n, err := strconv.ParseUint(remote, 10, 16); err != nil || n == 0 {
			return fmt.Errorf("port %q: remote port %q is not a number from 1 to 65535", spec, remote)
		}
	}
	return nil
}

// lockedBuffer is a bytes.Buffer safe for concurrent use.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
