package reliability

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/test/internal/testkit"
	"k8s.io/client-go/rest"
)

// partition is a transport that can cut a client off the apiserver: cut
// closes every open response (a watch's stream ends as on a dropped
// connection) and makes new requests fail as a refused connection would,
// until heal. An apiserver does not stop while a watch stream is open on
// it (its HTTP server waits for open streams far longer than the test
// harness waits for it), so a test that restarts the apiserver cuts its
// watching client off first, as a network would.
type partition struct {
	next   http.RoundTripper
	mu     sync.Mutex
	down   bool
	bodies map[*partitionBody]bool
}

type partitionBody struct {
	io.ReadCloser
	p *partition
}

func (b *partitionBody) Close() error {
	b.p.mu.Lock()
	delete(b.p.bodies, b)
	b.p.mu.Unlock()
	return b.ReadCloser.Close()
}

func (p *partition) RoundTrip(r *http.Request) (*http.Response, error) {
	p.mu.Lock()
	down := p.down
	p.mu.Unlock()
	if down {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	resp, err := p.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	b := &partitionBody{ReadCloser: resp.Body, p: p}
	p.mu.Lock()
	p.bodies[b] = true
	p.mu.Unlock()
	resp.Body = b
	return resp, nil
}

func (p *partition) cut() {
	p.mu.Lock()
	p.down = true
	open := make([]*partitionBody, 0, len(p.bodies))
	for b := range p.bodies {
		open = append(open, b)
	}
	p.mu.Unlock()
	for _, b := range open {
		_ = b.ReadCloser.Close()
	}
}

func (p *partition) heal() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// partitionedClient returns a client whose requests go through a
// partition, and are counted in the returned log.
func partitionedClient(t *testing.T) (*kobj.Client, *partition, *requestLog) {
	t.Helper()
	p := &partition{bodies: map[*partitionBody]bool{}}
	cc := rest.CopyConfig(cfg)
	cc.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { p.next = rt; return p }
	log := &requestLog{}
	c, err := kobj.NewClient(testkit.Tracked(tracked(cc, nil), log), kobj.CacheDir(t.TempDir()))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c, p, log
}

// The tests of this file restart the apiserver: they are not parallel.

// watchState follows a watch's events as a consumer keeps a cache: a
// relist (Resync ... Synced) replaces the state, live events edit it.
type watchState struct {
	objects  map[string]bool
	relist   map[string]bool // being filled between Resync and Synced
	resyncs  int
	lastLive map[string]kobj.EventType
}

func (s *watchState) apply(t *testing.T, ev kobj.WatchEvent) {
	t.Helper()
	switch {
	case ev.Type == kobj.Resync:
		s.resyncs++
		s.relist = map[string]bool{}
	case ev.Type == kobj.Synced:
		s.objects, s.relist = s.relist, nil
	case ev.Initial && ev.Type == kobj.Added:
		s.relist[ev.Object.Name()] = true
	case ev.Initial && ev.Type == kobj.Deleted:
		// an object known before the relist and absent from it
	case ev.Initial:
		t.Fatalf("initial %s event", ev.Type)
	case ev.Type == kobj.Deleted:
		delete(s.objects, ev.Object.Name())
		s.lastLive[ev.Object.Name()] = ev.Type
	default:
		s.objects[ev.Object.Name()] = true
		s.lastLive[ev.Object.Name()] = ev.Type
	}
}

func (s *watchState) names() []string {
	var out []string
	for n := range s.objects {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func nextEvent(ctx context.Context, t *testing.T, w *kobj.Watcher) kobj.WatchEvent {
	t.Helper()
	return testkit.NextEvent(ctx, t, w)
}

func freshNames(ctx context.Context, t *testing.T, c *kobj.Client, ns string) []string {
	t.Helper()
	var out []string
	for n := range configMapNames(ctx, t, c, ns) {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// watchRequests returns the queries of the GET requests of log to path
// that are watches (watches true) or lists.
func watchRequests(log *requestLog, path string, watches bool) []url.Values {
	var out []url.Values
	for _, r := range log.Matching(func(method, p, _ string) bool { return method == "GET" && p == path }) {
		_, query, _ := strings.Cut(r, "?")
		q, _ := url.ParseQuery(query)
		if (q.Get("watch") == "true") == watches {
			out = append(out, q)
		}
	}
	return out
}

// A watch goes on across an apiserver restart: it resumes, or (the usual
// case: the restarted apiserver's watch cache starts after the watch's
// resourceVersion) gets 410 Gone and relists. Either way, the changes
// made after the restart arrive and the state equals a fresh list. On the
// restarted apiserver, a watch from resourceVersion 1 gets 410 Gone and
// relists once, without looping.
func TestWatchAcrossAPIServerRestartAndGone(t *testing.T) {
	ctx := testContext(t, 3*time.Minute)
	c, p, log := partitionedClient(t)
	ns := newNamespace(t, c)
	for _, name := range []string{"a", "b"} {
		if _, err := kobj.New("v1", "ConfigMap").SetName(name).SetNamespace(ns).SetClient(c).Create(ctx); err != nil {
			t.Fatal(err)
		}
	}
	w, err := kobj.New("v1", "ConfigMapList").Watch(ctx, kobj.WithClient(c), kobj.InNamespace(ns))
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	defer w.Stop()
	st := &watchState{objects: map[string]bool{}, lastLive: map[string]kobj.EventType{}}
	for st.resyncs == 0 || st.relist != nil {
		st.apply(t, nextEvent(ctx, t, w))
	}
	if got := st.names(); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("initial state = %v, want [a b]", got)
	}

	p.cut()
	if err := plane.StopAPIServer(); err != nil {
		t.Fatalf("StopAPIServer: %v", err)
	}
	if err := plane.StartAPIServer(); err != nil {
		t.Fatalf("StartAPIServer: %v", err)
	}
	p.heal()
	if _, err := kobj.New("v1", "ConfigMap").SetName("c").SetNamespace(ns).SetClient(c).Create(ctx); err != nil {
		t.Fatalf("Create after the restart: %v", err)
	}
	if _, err := kobj.New("v1", "ConfigMap").SetName("a").SetNamespace(ns).SetClient(c).Delete(ctx); err != nil {
		t.Fatalf("Delete after the restart: %v", err)
	}
	// A relist may report c and a's absence instead of live events.
	for !(st.relist == nil && st.objects["c"] && !st.objects["a"]) {
		st.apply(t, nextEvent(ctx, t, w))
	}
	if got, want := st.names(), freshNames(ctx, t, c, ns); !slices.Equal(got, want) {
		t.Errorf("state after the restart = %v, want a fresh list's %v", got, want)
	}
	t.Logf("across the restart: %d relists (1 is the initial one); live events %v", st.resyncs, st.lastLive)
	w.Stop()

	log.Reset()
	path := "/api/v1/namespaces/" + ns + "/configmaps"
	g, err := kobj.New("v1", "ConfigMapList").Watch(ctx, kobj.WithClient(c), kobj.InNamespace(ns), kobj.FromResourceVersion("1"))
	if err != nil {
		t.Fatalf("Watch from 1: %v", err)
	}
	defer g.Stop()
	gs := &watchState{objects: map[string]bool{}, lastLive: map[string]kobj.EventType{}}
	for gs.resyncs == 0 || gs.relist != nil {
		gs.apply(t, nextEvent(ctx, t, g))
	}
	if got, want := gs.names(), freshNames(ctx, t, c, ns); !slices.Equal(got, want) {
		t.Errorf("state after 410 = %v, want a fresh list's %v", got, want)
	}
	if _, err := kobj.New("v1", "ConfigMap").SetName("d").SetNamespace(ns).SetClient(c).Create(ctx); err != nil {
		t.Fatal(err)
	}
	for !gs.objects["d"] {
		gs.apply(t, nextEvent(ctx, t, g))
	}
	watches, lists := watchRequests(log, path, true), []url.Values{}
	for _, q := range watchRequests(log, path, false) {
		// Neither freshNames's own list nor the resumed watch's check of
		// its checkpoint (limit=1, resourceVersionMatch=NotOlderThan).
		if q.Get("limit") != "250" && q.Get("limit") != "1" {
			lists = append(lists, q)
		}
	}
	if len(watches) == 0 || watches[0].Get("resourceVersion") != "1" {
		t.Fatalf("first watch = %v, want one from resourceVersion 1", watches)
	}
	// The expired watch, at most two lists (at the expired version, then
	// consistent), one watch from the list: no loop.
	if gs.resyncs != 1 || len(lists) > 2 || len(watches) > 2 {
		t.Errorf("%d relists, %d lists, %d watches; want 1, at most 2, at most 2: %v %v", gs.resyncs, len(lists), len(watches), lists, watches)
	}
	t.Logf("after 410: lists %v, watches %v", lists, watches)
}
