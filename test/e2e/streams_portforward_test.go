package e2e

// kobj's PortForward end to end.
//
// Real: the kube-apiserver — authorization of pods/portforward, the node
// look-up, the upgrade and, on 1.31+, the tunnelling of kobj's
// WebSocket-wrapped SPDY into SPDY towards the kubelet; on older servers
// kobj falls back to SPDY itself — the kubelet-side protocol end
// (k8s.io/cri-streaming's ServePortForward, data and error stream pairs),
// and kobj's local listeners. Played: the pod's network — every port
// reaches the fake kubelet's TCP echo server — and a kubelet going away
// (CloseTunnels cuts its connection to the apiserver). Not covered: the
// node's real networking, the kubelet's idle timeout.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"go.uber.org/goleak"
)

// startForward starts a port-forward to p's port 80 on a free local port
// and waits until it listens.
func startForward(ctx context.Context, t *testing.T, p fakePod, c *kobj.Client) *kobj.PortForward {
	t.Helper()
	pf, err := p.object().PortForward(ctx, []string{":80"}, kobj.WithClient(c))
	if err != nil {
		t.Fatalf("PortForward: %v", err)
	}
	t.Cleanup(func() { _ = pf.Close() })
	select {
	case <-pf.Ready():
	case <-pf.Done():
		t.Fatalf("port-forward ended before it was ready: %v", pf.Err())
	}
	return pf
}

// echoOnce writes msg on conn and reads it back.
func echoOnce(conn net.Conn, r *bufio.Reader, msg string) error {
	if _, err := io.WriteString(conn, msg); err != nil {
		return err
	}
	got, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if got != msg {
		return fmt.Errorf("echo %q, want %q", got, msg)
	}
	return nil
}

func TestPortForwardEchoesOverTwoConnections(t *testing.T) {
	p := newFakePod(t)
	c := newClient(t)
	ctx := testContext(t, time.Minute)
	pf := startForward(ctx, t, p, c)
	ports := pf.Ports()
	if len(ports) != 1 || ports[0].Remote != 80 || ports[0].Local == 0 {
		t.Fatalf("Ports() = %+v, want one port, remote 80, local picked", ports)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(int(ports[0].Local)))
	// Two connections open at once, each used in turn, both ways.
	var conns [2]net.Conn
	var readers [2]*bufio.Reader
	for i := range conns {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conns[i], readers[i] = conn, bufio.NewReader(conn)
	}
	for round := range 3 {
		for i := range conns {
			if err := echoOnce(conns[i], readers[i], fmt.Sprintf("conn %d round %d\n", i, round)); err != nil {
				t.Fatalf("connection %d: %v", i, err)
			}
		}
	}
	if err := pf.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	<-pf.Done()
	if err := pf.Err(); err != nil {
		t.Fatalf("Err() after Close = %v, want nil", err)
	}
}

// A local port already taken is the call's own error.
func TestPortForwardBusyLocalPort(t *testing.T) {
	p := newFakePod(t)
	c := newClient(t)
	ctx := testContext(t, time.Minute)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	// Take the port on ::1 too where there is IPv6: "localhost" may bind either.
	if busy6, err := net.Listen("tcp", net.JoinHostPort("::1", strconv.Itoa(port))); err == nil {
		defer busy6.Close()
	}
	pf, err := p.object().PortForward(ctx, []string{fmt.Sprintf("%d:80", port)}, kobj.WithClient(c))
	if err == nil {
		pf.Close()
		t.Fatalf("PortForward on busy local port %d: no error", port)
	}
}

// The kubelet's end of the tunnel going away ends the port-forward with
// Err set: no silent half-dead forward. With a local connection open, as
// here, client-go's WebSocket tunnel (1.31+ servers) notices the loss only
// at its next ping (portforward.PingPeriod, 10 s); plain SPDY at once.
func TestPortForwardEndsWhenTheTunnelCloses(t *testing.T) {
	p := newFakePod(t)
	c := newClient(t)
	ctx := testContext(t, time.Minute)
	pf := startForward(ctx, t, p, c)
	conn, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(pf.Ports()[0].Local))))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := echoOnce(conn, bufio.NewReader(conn), "before\n"); err != nil {
		t.Fatal(err)
	}
	if n := p.Kubelet.CloseTunnels(); n != 1 {
		t.Fatalf("CloseTunnels closed %d tunnels, want 1", n)
	}
	select {
	case <-pf.Done():
	case <-ctx.Done():
		t.Fatal("the port-forward did not end after its tunnel closed")
	}
	if err := pf.Err(); !errors.Is(err, kobj.ErrLostConnection) {
		t.Fatalf("Err() = %v after the tunnel closed, want one wrapping kobj.ErrLostConnection", err)
	}
}

// Ending the context ends the port-forward, and no goroutine stays.
func TestPortForwardEndsWithTheContext(t *testing.T) {
	p := newFakePod(t)
	c, tr := leakCheckedClient(t)
	ctx := testContext(t, time.Minute)
	if _, err := p.object().Exec(ctx, []string{"echo", "warm"}, kobj.WithClient(c)); err != nil {
		t.Fatal(err)
	}
	defer verifyGoroutinesEnd(t, goleak.IgnoreCurrent(), 15*time.Second)
	defer tr.closeIdle()

	fctx, cancel := context.WithCancel(ctx)
	pf := startForward(fctx, t, p, c)
	conn, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(pf.Ports()[0].Local))))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := echoOnce(conn, bufio.NewReader(conn), "ping\n"); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-pf.Done()
	if err := pf.Err(); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("Err() after the context ended = %v, want nil or context.Canceled", err)
	}
}

// kobj tunnels SPDY in a WebSocket first: from 1.31 the apiserver unwraps
// it into SPDY towards the kubelet; before, the apiserver hands the
// WebSocket to the kubelet, which refuses it, and kobj dials plain SPDY.
func TestPortForwardProtocol(t *testing.T) {
	p := newFakePod(t)
	c, log := newCountingClient(t)
	ctx := testContext(t, time.Minute)
	pf := startForward(ctx, t, p, c)
	if err := pf.Close(); err != nil {
		t.Fatal(err)
	}
	checkUpgrades(t, log, p, "/portforward", "/portForward/", 31)
}
