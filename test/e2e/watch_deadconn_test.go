package e2e

import (
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"k8s.io/client-go/rest"
)

// freezingProxy is a loopback TCP proxy to the apiserver. freeze makes the
// connections open at that moment stop forwarding, both ways, while their
// sockets stay open: a dead connection, as a load balancer that drops a
// flow leaves it. Connections made later are forwarded.
type freezingProxy struct {
	ln     net.Listener
	target string

	mu     sync.Mutex
	frozen []chan struct{} // one per connection: closed when it freezes
	conns  []net.Conn
}

func newFreezingProxy(t *testing.T, target string) *freezingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &freezingProxy{ln: ln, target: target}
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *freezingProxy) accept() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		freeze := make(chan struct{})
		p.mu.Lock()
		p.frozen = append(p.frozen, freeze)
		p.conns = append(p.conns, in, out)
		p.mu.Unlock()
		go pipe(out, in, freeze)
		go pipe(in, out, freeze)
	}
}

// pipe copies from src to dst until the copy fails or freeze is closed;
// after a freeze it reads nothing more and leaves both sockets open.
func pipe(dst io.Writer, src io.Reader, freeze <-chan struct{}) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		select {
		case <-freeze:
			return
		default:
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *freezingProxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.frozen {
		close(f)
	}
	p.frozen = nil
}

func (p *freezingProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

// A connection that goes dead (no error, no data) is detected, and the
// watch resumes on a new one from its last resourceVersion: what changed
// meanwhile arrives exactly once. The detection is the HTTP/2 health
// check of client-go's transport (a ping after 30 s without a frame,
// dropped when unanswered for 15 s), so this test takes about 45 s.
func TestWatchResumesAfterADeadConnection(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 3*time.Minute)
	admin := newClient(t)
	ns := newNamespace(t, admin)
	u, err := url.Parse(cfg.Host)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newFreezingProxy(t, u.Host)
	pc := rest.CopyConfig(cfg)
	pc.Host = "https://" + proxy.ln.Addr().String()
	c, tr := watchClient(t, pc, 0)

	w, err := kobj.New("v1", "ConfigMapList").Watch(ctx, kobj.WithClient(c), kobj.InNamespace(ns))
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	defer w.Stop()
	initialState(ctx, t, w)
	before := mustCreate(ctx, t, admin, newConfigMap("before", ns, nil))
	live(ctx, t, w, kobj.Added, "before", before.ResourceVersion())

	path := "/api/v1/namespaces/" + ns + "/configmaps"
	// The start may list (a watch-list refused under load falls back to a
	// list); only what follows the freeze counts.
	listsBefore := len(tr.requests(path, false))
	proxy.freeze()
	frozen := time.Now()
	during := mustCreate(ctx, t, admin, newConfigMap("during", ns, nil))
	live(ctx, t, w, kobj.Added, "during", during.ResourceVersion())
	t.Logf("the event made during the freeze arrived %v after it", time.Since(frozen).Round(time.Second))
	after := mustCreate(ctx, t, admin, newConfigMap("after", ns, nil))
	live(ctx, t, w, kobj.Added, "after", after.ResourceVersion()) // "during" came once

	watches := tr.requests(path, true)
	if len(watches) < 2 {
		t.Fatalf("watch requests %v, want a resumed one", watches)
	}
	if rv := watches[len(watches)-1].Get("resourceVersion"); rv != before.ResourceVersion() {
		t.Logf("resumed from %s (a bookmark after %s's %s)", rv, "before", before.ResourceVersion())
	}
	if lists := tr.requests(path, false); len(lists) != listsBefore {
		t.Errorf("list requests after the freeze %v, want none: a resume, not a relist", lists[listsBefore:])
	}
}
