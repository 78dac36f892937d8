package fakekubelet

// Port-forward. Real: the apiserver's pods/portforward endpoint, its
// upgrade and tunnelling (SPDY, or WebSocket-tunnelled SPDY translated to
// SPDY towards the kubelet where the server has PortForwardWebsockets), and
// the protocol end on the fake's side, k8s.io/cri-streaming's
// ServePortForward with its data and error stream pairs. Played: the pod's
// network namespace. Every forwarded port of every pod reaches one TCP echo
// server on 127.0.0.1, which sends back what it reads.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"

	"k8s.io/cri-streaming/pkg/streaming/portforward"
)

func (k *Kubelet) servePortForward(w http.ResponseWriter, r *http.Request) {
	p, _ := k.lookup(w, r)
	if p == nil {
		return
	}
	opts, err := portforward.NewV4Options(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	defer k.trackConn(r, true)()
	portforward.ServePortForward(w, r, forwarder{echo: k.echo}, r.PathValue("pod"), p.uid, opts,
		streamIdleTimeout, streamCreationTimeout, portforward.SupportedProtocols)
}

// trackConn records the connection of r, which the handler is about to
// upgrade, so that Close (and CloseTunnels, for a port-forward) can cut
// it; the returned func forgets it.
func (k *Kubelet) trackConn(r *http.Request, portForward bool) func() {
	conn, _ := r.Context().Value(connKey{}).(net.Conn)
	if conn == nil {
		return func() {}
	}
	k.mu.Lock()
	k.tunnels[conn] = portForward
	k.mu.Unlock()
	return func() {
		k.mu.Lock()
		delete(k.tunnels, conn)
		k.mu.Unlock()
	}
}

// CloseTunnels closes the connection of every port-forward session open
// on the fake, as a kubelet that goes away would: the apiserver sees its
// upstream end and ends the client's tunnel. It returns how many it closed.
func (k *Kubelet) CloseTunnels() int {
	return k.closeConns(true)
}

// closeConns closes the tracked connections: only port-forward ones, or all.
func (k *Kubelet) closeConns(portForwardOnly bool) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	n := 0
	for c, pf := range k.tunnels {
		if pf || !portForwardOnly {
			_ = c.Close()
			n++
		}
	}
	return n
}

// forwarder plays the pod's network: every port reaches the echo server.
type forwarder struct{ echo *echoServer }

// PortForward copies between stream and a new connection to the echo
// server; the end of the stream half-closes the connection, so the echo
// server's reply still comes back, as with a real TCP peer.
func (f forwarder) PortForward(ctx context.Context, _, _ string, port int32, stream io.ReadWriteCloser) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", f.echo.addr())
	if err != nil {
		return fmt.Errorf("port %d: %w", port, err)
	}
	defer conn.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(conn, stream)
		_ = conn.(*net.TCPConn).CloseWrite()
	}()
	_, err = io.Copy(stream, conn)
	_ = stream.Close()
	_ = conn.Close()
	<-done
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("port %d: %w", port, err)
	}
	return nil
}

// echoServer sends back on each connection what it reads.
type echoServer struct {
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func startEcho() (*echoServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("echo server: %w", err)
	}
	e := &echoServer{ln: ln, conns: map[net.Conn]struct{}{}}
	e.wg.Add(1)
	go e.serve()
	return e, nil
}

func (e *echoServer) addr() string { return e.ln.Addr().String() }

func (e *echoServer) serve() {
	defer e.wg.Done()
	for {
		c, err := e.ln.Accept()
		if err != nil {
			return
		}
		e.mu.Lock()
		e.conns[c] = struct{}{}
		e.mu.Unlock()
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			_, _ = io.Copy(c, c)
			_ = c.(*net.TCPConn).CloseWrite()
			e.mu.Lock()
			delete(e.conns, c)
			e.mu.Unlock()
			_ = c.Close()
		}()
	}
}

func (e *echoServer) close() {
	_ = e.ln.Close()
	e.mu.Lock()
	for c := range e.conns {
		_ = c.Close()
	}
	e.mu.Unlock()
	e.wg.Wait()
}
