package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
)

// newClient returns a kobj client for the test control plane whose on-disk
// caches live in the test's own temporary folder, so that every test starts
// cold and no test sees another's cache.
func newClient(t *testing.T, opts ...kobj.ClientOption) *kobj.Client {
	t.Helper()
	opts = append([]kobj.ClientOption{kobj.CacheDir(t.TempDir())}, opts...)
	c, err := kobj.NewClient(cfg, opts...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// newCountingClient is newClient with a transport that records every
// request the client sends, so that a test can assert that a call sent
// nothing (or exactly what it should).
func newCountingClient(t *testing.T, opts ...kobj.ClientOption) (*kobj.Client, *requestLog) {
	t.Helper()
	log := &requestLog{}
	cc := rest.CopyConfig(cfg)
	inner := cc.WrapTransport
	cc.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		if inner != nil {
			rt = inner(rt)
		}
		return &countingTransport{next: rt, log: log}
	}
	opts = append([]kobj.ClientOption{kobj.CacheDir(t.TempDir())}, opts...)
	c, err := kobj.NewClient(cc, opts...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c, log
}

// requestLog records the requests a client sent, as "METHOD /path?query".
type requestLog struct {
	mu   sync.Mutex
	reqs []string
}

func (l *requestLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, s)
}

// Count returns how many requests were sent since the last Reset.
func (l *requestLog) Count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.reqs)
}

// Requests returns a copy of the requests sent since the last Reset.
func (l *requestLog) Requests() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.reqs...)
}

// Reset forgets the requests recorded so far.
func (l *requestLog) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = nil
}

// Matching returns the recorded requests for which keep is true.
func (l *requestLog) Matching(keep func(method, path, query string) bool) []string {
	var out []string
	for _, r := range l.Requests() {
		method, rest, _ := strings.Cut(r, " ")
		path, query, _ := strings.Cut(rest, "?")
		if keep(method, path, query) {
			out = append(out, r)
		}
	}
	return out
}

type countingTransport struct {
	next http.RoundTripper
	log  *requestLog
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	s := r.Method + " " + r.URL.Path
	if r.URL.RawQuery != "" {
		s += "?" + r.URL.RawQuery
	}
	t.log.add(s)
	return t.next.RoundTrip(r)
}

// suffix returns a short random lowercase hex string for unique names.
func suffix() string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

var notDNS = regexp.MustCompile(`[^a-z0-9-]+`)

// uniqueName returns a DNS-label name made of prefix, a cleaned-up form of
// the test's name, and a random suffix.
func uniqueName(t *testing.T, prefix string) string {
	base := notDNS.ReplaceAllString(strings.ToLower(t.Name()), "-")
	base = strings.Trim(base, "-")
	if room := 63 - len(prefix) - 1 - 8 - 1; len(base) > room {
		base = strings.TrimRight(base[:room], "-")
	}
	return prefix + "-" + base + "-" + suffix()
}

// newNamespace creates, with kobj, a namespace of its own for the test and
// returns its name. The namespace is deleted at the end of the test, but
// nothing waits for it: without controllers, namespaces never finish
// deleting in this control plane.
func newNamespace(t *testing.T, c *kobj.Client) string {
	t.Helper()
	name := uniqueName(t, "e2e")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ns := kobj.New("v1", "Namespace").SetName(name).SetClient(c)
	if _, err := ns.Create(ctx); err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := kobj.New("v1", "Namespace").Delete(ctx, kobj.Named(name), kobj.WithClient(c)); err != nil && !apierrors.IsNotFound(err) {
			t.Logf("deleting namespace %s: %v", name, err)
		}
	})
	return name
}

// testContext returns a context that ends with the test or after d.
func testContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// load loads exactly one object from a YAML literal.
func load(t *testing.T, yaml string) *kobj.Object {
	t.Helper()
	objs, err := kobj.LoadString(yaml)
	if err != nil {
		t.Fatalf("LoadString: %v", err)
	}
	if len(objs) != 1 {
		t.Fatalf("LoadString: %d objects, want 1", len(objs))
	}
	return objs[0]
}

// mustString returns the string at path, failing the test when there is none.
func mustString(t *testing.T, o *kobj.Object, path string) string {
	t.Helper()
	s, err := o.GetString(path)
	if err != nil {
		t.Fatalf("%s: GetString(%q): %v", o, path, err)
	}
	return s
}

// readFresh reads the named object into a fresh Object of the same kind, so
// that what the test checks is what the server holds, not what o holds.
// The object's client is c, for later calls on it.
func readFresh(ctx context.Context, c *kobj.Client, apiVersion, kind, namespace, name string) (*kobj.Object, error) {
	opts := []kobj.Option{kobj.Named(name)}
	if namespace != "" {
		opts = append(opts, kobj.InNamespace(namespace))
	}
	return kobj.New(apiVersion, kind).SetClient(c).Read(ctx, opts...)
}

// isUnknownKind reports whether err is (or wraps) a *kobj.UnknownKindError.
func isUnknownKind(err error) bool {
	var uk *kobj.UnknownKindError
	return errors.As(err, &uk)
}
