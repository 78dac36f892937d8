package kobj_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/streaming/pkg/httpstream"
	"k8s.io/streaming/pkg/httpstream/spdy"
)

// PortForward against the in-memory API server, whose portforward
// subresource is a fake kubelet speaking plain SPDY (it refuses the
// WebSocket tunnel, as a server without PortForwardWebsockets does) and
// echoing every stream back. Closing kill drops every tunnel.
func portForwardServer(t *testing.T, kill <-chan struct{}) (*fakeAPI, *kobj.Client) {
	f := newFakeAPI(t, "")
	c := withSubresource(t, f, "portforward", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			http.Error(w, "no WebSocket here", http.StatusBadRequest)
			return
		}
		if _, err := httpstream.Handshake(r, w, []string{"portforward.k8s.io"}); err != nil {
			return
		}
		streams := make(chan httpstream.Stream, 16)
		conn := spdy.NewResponseUpgrader().UpgradeResponse(w, r, func(s httpstream.Stream, _ <-chan struct{}) error {
			streams <- s
			return nil
		})
		if conn == nil {
			return
		}
		defer conn.Close()
		for {
			select {
			case s := <-streams:
				if s.Headers().Get("streamType") == "error" {
					s.Close() // nothing to report
					continue
				}
				go func() {
					io.Copy(s, s)
					s.Close()
				}()
			case <-conn.CloseChan():
				return
			case <-kill:
				return
			}
		}
	})
	return f, c
}

func echo(t *testing.T, port uint16, text string) {
	t.Helper()
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, text); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(text))
	if _, err := io.ReadFull(conn, got); err != nil || string(got) != text {
		t.Errorf("echo = %q, %v; want %q", got, err, text)
	}
}

func TestPortForwardEchoesAndCloses(t *testing.T) {
	_, c := portForwardServer(t, nil)
	pod := podObject("ns", "p").SetClient(c)
	if _, err := pod.Read(context.Background()); err == nil {
		t.Fatal("the fake has no pod") // warms discovery; the answer is a 404
	}
	before := runtime.NumGoroutine()
	specs := []string{":7000", ":7001"}
	pf, err := pod.PortForward(context.Background(), specs, kobj.ListenAddress("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	ports := pf.Ports()
	if len(ports) != 2 || ports[0].Local == 0 || ports[0].Remote != 7000 || ports[1].Local == 0 || ports[1].Remote != 7001 || ports[0].Local == ports[1].Local {
		t.Fatalf("Ports() = %+v", ports)
	}
	// Neither the caller's specs changed after the call nor a change to
	// what Ports returned reaches the forward.
	specs[0], ports[0].Remote = ":9999", 1
	if again := pf.Ports(); again[0].Remote != 7000 || again[0].Local != ports[0].Local {
		t.Fatalf("Ports() read again = %+v", again)
	}
	ports = pf.Ports()
	select {
	case <-pf.Ready():
	default:
		t.Error("Ready not closed when PortForward returned")
	}
	done := make(chan struct{})
	for i := range 4 { // concurrent connections on both ports
		go func() {
			defer func() { done <- struct{}{} }()
			echo(t, ports[i%2].Local, strings.Repeat("x", 1000*i+1))
		}()
	}
	for range 4 {
		<-done
	}
	if err := pf.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	<-pf.Done()
	if pf.Err() != nil {
		t.Errorf("Err after Close = %v", pf.Err())
	}
	if conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", ports[0].Local)); err == nil {
		conn.Close()
		t.Error("still listening after Close")
	}
	goroutinesSettle(t, before)
}

func TestPortForwardEndsWhenTheTunnelIsLost(t *testing.T) {
	kill := make(chan struct{})
	_, c := portForwardServer(t, kill)
	pf, err := podObject("ns", "p").PortForward(context.Background(), []string{":80"}, kobj.WithClient(c))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	echo(t, pf.Ports()[0].Local, "before")
	close(kill)
	<-pf.Done()
	if err := pf.Err(); !errors.Is(err, kobj.ErrLostConnection) {
		t.Errorf("Err = %v, want ErrLostConnection", err)
	}
	if conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", pf.Ports()[0].Local)); err == nil {
		conn.Close()
		t.Error("still listening after the tunnel was lost")
	}
}

func TestPortForwardEndsWithItsContext(t *testing.T) {
	_, c := portForwardServer(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	pf, err := podObject("ns", "p").PortForward(ctx, []string{":80"}, kobj.WithClient(c))
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	<-pf.Done()
	if err := pf.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("Err = %v, want context.Canceled", err)
	}
}

func TestPortForwardBusyLocalPortIsTheCallsError(t *testing.T) {
	_, c := portForwardServer(t, nil)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	for _, ports := range [][]string{{fmt.Sprintf("%d:80", port)}, {":81", fmt.Sprintf("%d:80", port)}} {
		pf, err := podObject("ns", "p").PortForward(context.Background(), ports, kobj.WithClient(c), kobj.ListenAddress("127.0.0.1"))
		if err == nil || !strings.Contains(err.Error(), "listen") {
			t.Errorf("PortForward(%q) on a busy port = %v, %v; want an error", ports, pf, err)
		}
		if pf != nil {
			pf.Close()
		}
	}
}

func TestPortForwardRefusals(t *testing.T) {
	f := newFakeAPI(t, "/prefix")
	c := withSubresource(t, f, "portforward", func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, 400, "BadRequest", `pod p does not have a host assigned`)
	})
	_, err := podObject("ns", "p").PortForward(context.Background(), []string{":80"}, kobj.WithClient(c))
	var status *apierrors.StatusError
	if !errors.As(err, &status) || !strings.Contains(err.Error(), "does not have a host assigned") {
		t.Fatalf("error = %#v, want the server's 400 as a StatusError", err)
	}
	if got := f.requests(); len(got) != 2 || got[0].Path != "/api/v1/namespaces/ns/pods/p/portforward" {
		t.Errorf("requests = %+v, want the WebSocket then the SPDY attempt", got)
	}
	tests := []struct {
		name  string
		obj   *kobj.Object
		ports []string
		want  string
	}{
		{"a ConfigMap", kobj.New("v1", "ConfigMap").SetNamespace("ns").SetName("p"), []string{"80"}, "has no portforward subresource"},
		{"no ports", podObject("ns", "p"), nil, "no ports"},
		{"a bad port", podObject("ns", "p"), []string{"http"}, "http"},
		{"remote port 0", podObject("ns", "p"), []string{"8080:0"}, "remote port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.requests()
			_, err := tt.obj.PortForward(context.Background(), tt.ports, kobj.WithClient(c))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "kobj: PortForward") {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
			if got := f.requests(); len(got) != 0 {
				t.Errorf("requests sent: %+v", got)
			}
		})
	}
}

// TestZeroPortForwardHasEnded: a PortForward not made by Object.PortForward
// (its zero value, or nil) reads as a forward that has ended, not a panic.
func TestZeroPortForwardHasEnded(t *testing.T) {
	for name, p := range map[string]*kobj.PortForward{"zero": {}, "nil": nil} {
		t.Run(name, func(t *testing.T) {
			for _, ch := range []<-chan struct{}{p.Ready(), p.Done()} {
				select {
				case <-ch:
				default:
					t.Fatal("a channel of an unstarted forward is open")
				}
			}
			if p.Err() == nil || p.Close() == nil {
				t.Fatalf("Err = %v, Close = %v; want errors", p.Err(), p.Close())
			}
			if len(p.Ports()) != 0 {
				t.Fatalf("Ports = %v", p.Ports())
			}
		})
	}
}
