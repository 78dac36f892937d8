package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"
)

// Forward is a running port-forward. It runs until Close, the end of its
// context, or the loss of its connection to the server; Done is closed
// then, and Err says why. It is safe for concurrent use.
type Forward struct {
	ports  []portforward.ForwardedPort
	ready  chan struct{}
	done   chan struct{}
	cancel context.CancelFunc

	mu     sync.Mutex
	err    error
	closed bool
}

// StartForward forwards ports (specs as CheckPortSpecs reads them) from
// addresses of this machine (localhost when none) to the Pod whose
// portforward URL is u, over cfg's credentials (its Timeout left out):
// SPDY tunnelled in a WebSocket when the server can upgrade to one, else
// plain SPDY. throttle is called once the dialers are made, before any
// request. StartForward returns once the ports listen; it fails with a
// local port that cannot be bound, with the server's
// *apierrors.StatusError when it refused the upgrade, with ctx's error
// when ctx ends first (client-go's dial in progress then ends when the
// server answers), and with a connection that cannot be made.
func StartForward(ctx context.Context, cfg *rest.Config, u *url.URL, addresses, ports []string, throttle func(context.Context) error) (*Forward, error) {
	if err := ctx.Err(); err != nil {
		return nil, err // an ended call dials nothing
	}
	cfg = upgradeConfig(cfg)
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
	if len(addresses) == 0 {
		addresses = []string{"localhost"}
	}
	if err := throttle(ctx); err != nil {
		return nil, err
	}
	fctx, cancel := context.WithCancel(ctx)
	p := &Forward{ready: make(chan struct{}), done: make(chan struct{}), cancel: cancel}
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
	p.ports = forwarded
	return p, nil
}

// finish records why the forward ended and closes Done: nothing after
// Close; the context's error when ctx ended; an error wrapping
// portforward.ErrLostConnectionToPod when the connection to the server
// ended, with or without an error.
func (p *Forward) finish(ctx context.Context, err error) {
	p.mu.Lock()
	switch {
	case p.closed:
		err = nil
	case err == nil && ctx.Err() != nil:
		err = ctx.Err()
	case err == nil:
		err = portforward.ErrLostConnectionToPod
	case errors.Is(err, portforward.ErrLostConnectionToPod):
		err = fmt.Errorf("port-forward: %w", err)
	}
	p.err = err
	p.mu.Unlock()
	p.cancel()
	close(p.done)
}

// Ports returns the forwarded ports, with the local ports bound.
func (p *Forward) Ports() []portforward.ForwardedPort { return p.ports }

// Ready returns a channel closed once the local ports listen.
func (p *Forward) Ready() <-chan struct{} { return p.ready }

// Done returns a channel closed when the forward has ended and its
// listeners are closed.
func (p *Forward) Done() <-chan struct{} { return p.done }

// Err returns why the forward ended: nil while it runs and after Close.
func (p *Forward) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Close stops the forward, closes its listeners and waits until it has
// ended. It returns the error that had ended it before, if any, and is
// safe to call more than once.
func (p *Forward) Close() error {
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
