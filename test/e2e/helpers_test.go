package e2e

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/kobj-dev/kobj/test/internal/testkit"

	"github.com/kobj-dev/kobj"
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
	cc := testkit.Tracked(cfg, log)
	opts = append([]kobj.ClientOption{kobj.CacheDir(t.TempDir())}, opts...)
	c, err := kobj.NewClient(cc, opts...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c, log
}

// requestLog records the requests a client sent.
type requestLog = testkit.RequestLog

func suffix() string { return testkit.Suffix() }

func uniqueName(t *testing.T, prefix string) string { return testkit.UniqueName(t, prefix) }

// newNamespace creates a namespace of the test's own and returns its name.
func newNamespace(t *testing.T, c *kobj.Client) string { return testkit.NewNamespace(t, c, "e2e") }

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
	opts := []kobj.ReadOption{kobj.Named(name)}
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

// hop links one transport chain to a recording transport's through.
// client-go calls a rest.Config's WrapTransport once per transport it
// builds (kobj's client, a watch's, exec's WebSocket and SPDY executors),
// each with its own next: a recorder that kept one next for all would
// send every chain's requests down the last one built.
type hop struct {
	next    http.RoundTripper
	through func(*http.Request, http.RoundTripper) (*http.Response, error)
}

func (h hop) RoundTrip(r *http.Request) (*http.Response, error) { return h.through(r, h.next) }
