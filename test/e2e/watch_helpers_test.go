package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/test/internal/testkit"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/rest"
)

// watchTransport records every request of a client and, when
// timeoutSeconds is set, shortens the server-side timeout of every watch
// request to it: client-go's reflector asks for 5 to 10 minutes, which a
// test cannot wait for, and honours nothing shorter.
type watchTransport struct {
	base           http.RoundTripper // the shared *http.Transport below client-go's wrappers
	timeoutSeconds int

	mu   sync.Mutex
	reqs []*url.URL // GET requests only
}

func (tr *watchTransport) roundTrip(r *http.Request, next http.RoundTripper) (*http.Response, error) {
	q := r.URL.Query()
	if tr.timeoutSeconds > 0 && q.Get("watch") == "true" {
		r = r.Clone(r.Context())
		q.Set("timeoutSeconds", strconv.Itoa(tr.timeoutSeconds))
		r.URL.RawQuery = q.Encode()
	}
	if r.Method == http.MethodGet {
		u := *r.URL
		tr.mu.Lock()
		tr.reqs = append(tr.reqs, &u)
		tr.mu.Unlock()
	}
	return next.RoundTrip(r)
}

// requests returns the recorded GET requests to path whose query has
// watch=true (watches) or not (lists), in order.
func (tr *watchTransport) requests(path string, watches bool) []url.Values {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var out []url.Values
	for _, u := range tr.reqs {
		q := u.Query()
		if u.Path == path && (q.Get("watch") == "true") == watches {
			out = append(out, q)
		}
	}
	return out
}

// closeIdle closes the kept-alive connections, whose goroutines would
// otherwise outlive the test.
func (tr *watchTransport) closeIdle() { utilnet.CloseIdleConnectionsFor(tr.base) }

// watchClient returns a client whose requests go through a watchTransport.
func watchClient(t *testing.T, base *rest.Config, timeoutSeconds int, opts ...kobj.ClientOption) (*kobj.Client, *watchTransport) {
	t.Helper()
	tr := &watchTransport{timeoutSeconds: timeoutSeconds}
	cc := rest.CopyConfig(base)
	inner := cc.WrapTransport
	cc.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		tr.base = rt
		if inner != nil {
			rt = inner(rt)
		}
		return hop{next: rt, through: tr.roundTrip}
	}
	opts = append([]kobj.ClientOption{kobj.CacheDir(t.TempDir())}, opts...)
	c, err := kobj.NewClient(cc, opts...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(tr.closeIdle)
	return c, tr
}

func next(ctx context.Context, t *testing.T, w *kobj.Watcher) kobj.WatchEvent {
	t.Helper()
	return testkit.NextEvent(ctx, t, w)
}

// initialState reads the Resync ... Synced of a (re)list and returns the
// names of its Added{Initial} objects, in order, and the Synced event.
func initialState(ctx context.Context, t *testing.T, w *kobj.Watcher) ([]string, kobj.WatchEvent) {
	t.Helper()
	if ev := next(ctx, t, w); ev.Type != kobj.Resync || ev.Object != nil {
		t.Fatalf("first event = %s (object %v), want RESYNC without an object", ev.Type, ev.Object)
	}
	var names []string
	for {
		ev := next(ctx, t, w)
		switch {
		case ev.Type == kobj.Synced:
			if ev.ResourceVersion == "" || ev.Object != nil {
				t.Fatalf("SYNCED = %+v, want a resourceVersion and no object", ev)
			}
			return names, ev
		case ev.Type == kobj.Added && ev.Initial:
			names = append(names, ev.Object.Namespace()+"/"+ev.Object.Name())
		default:
			t.Fatalf("event %s (initial %v) inside a relist", ev.Type, ev.Initial)
		}
	}
}

// live reads the next event and checks that it is a live event of type
// typ for the object named name, carrying the server's resourceVersion rv
// (when rv is not "").
func live(ctx context.Context, t *testing.T, w *kobj.Watcher, typ kobj.EventType, name, rv string) kobj.WatchEvent {
	t.Helper()
	ev := next(ctx, t, w)
	if ev.Type != typ || ev.Initial || ev.Object == nil || ev.Object.Name() != name {
		t.Fatalf("event = %s initial=%v %v, want live %s of %s", ev.Type, ev.Initial, ev.Object, typ, name)
	}
	if rv != "" && (ev.ResourceVersion != rv || ev.Object.ResourceVersion() != rv) {
		t.Fatalf("%s of %s: resourceVersion %q (object %q), want the server's %q", typ, name, ev.ResourceVersion, ev.Object.ResourceVersion(), rv)
	}
	return ev
}

// listNames reads the list kind afresh and returns namespace/name of each
// item, in the server's order (namespace, then name).
func listNames(ctx context.Context, t *testing.T, c *kobj.Client, opts ...kobj.ReadOption) []string {
	t.Helper()
	l, err := kobj.New("v1", "ConfigMapList").Read(ctx, append(opts, kobj.WithClient(c))...)
	if err != nil {
		t.Fatalf("Read ConfigMapList: %v", err)
	}
	var names []string
	for _, it := range l.Items() {
		names = append(names, it.Namespace()+"/"+it.Name())
	}
	return names
}

// waitForRequests polls until at least n requests match, or ctx ends.
func waitForRequests(ctx context.Context, t *testing.T, n int, count func() int) {
	t.Helper()
	for count() < n {
		select {
		case <-ctx.Done():
			t.Fatalf("%d requests, want %d: %v", count(), n, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func mustCreate(ctx context.Context, t *testing.T, c *kobj.Client, o *kobj.Object) *kobj.Object {
	t.Helper()
	if _, err := o.SetClient(c).Create(ctx); err != nil {
		t.Fatalf("Create %s: %v", o, err)
	}
	return o
}

func sameStrings(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }
