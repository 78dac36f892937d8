// Package reliability tests how kobj behaves when things go wrong: the
// apiserver restarting under load, writers racing on one object, contexts
// canceled under pending calls, and a user with few rights. It starts a
// control plane of its own (one test restarts its apiserver), with the
// real kube-apiserver and etcd of the e2e tests.
package reliability

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/kobj-dev/kobj/test/internal/testkit"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/test/internal/controlplane"
	"go.uber.org/goleak"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/rest"
)

var (
	plane *controlplane.Plane
	cfg   *rest.Config // admin
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	plane, err = controlplane.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "reliability:", err)
		return 1
	}
	cfg = plane.Config
	code := m.Run()
	certDir := plane.Env.ControlPlane.APIServer.CertDir
	if err := plane.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "reliability: stopping the control plane:", err)
	}
	// After a restart the apiserver's certificates live in a folder of
	// StopAPIServer's that envtest does not remove.
	if certDir != "" {
		_ = os.RemoveAll(certDir)
	}
	return code
}

// transports holds the base transport of every client the tests made, so
// that a leak check can close their idle connections first: kobj.Client
// has no Close, and an idle keep-alive connection holds two goroutines.
var transports struct {
	mu  sync.Mutex
	rts []http.RoundTripper
}

// tracked returns a copy of base whose transport is recorded in transports
// (and, with log, counts every request in log).
func tracked(base *rest.Config, log *requestLog) *rest.Config {
	cc := rest.CopyConfig(base)
	inner := cc.WrapTransport
	cc.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		transports.mu.Lock()
		transports.rts = append(transports.rts, rt)
		transports.mu.Unlock()
		if inner != nil {
			rt = inner(rt)
		}
		return rt
	}
	if log != nil {
		cc = testkit.Tracked(cc, log)
	}
	return cc
}

func closeIdleConnections() {
	transports.mu.Lock()
	defer transports.mu.Unlock()
	for _, rt := range transports.rts {
		utilnet.CloseIdleConnectionsFor(rt)
	}
}

// leakCheck notes the goroutines running now and returns a function that
// fails the test if any other is still running when it is called (after
// closing the clients' idle connections; goleak retries for a while, so
// goroutines on their way out are waited for).
func leakCheck(t *testing.T, ignore ...goleak.Option) func() {
	t.Helper()
	opts := append([]goleak.Option{goleak.IgnoreCurrent()}, ignore...)
	return func() {
		t.Helper()
		// A connection whose dial was still completing when its request
		// went out on another one joins the idle pool after a first
		// close: close again, a few times, before the verdict.
		for range 3 {
			closeIdleConnections()
			if goleak.Find(opts...) == nil {
				return
			}
		}
		closeIdleConnections()
		goleak.VerifyNone(t, opts...)
	}
}

// newClient returns a kobj client of the admin, with its caches in the
// test's own temporary folder (every test starts cold).
func newClient(t *testing.T, opts ...kobj.ClientOption) *kobj.Client {
	t.Helper()
	return clientFor(t, cfg, opts...)
}

func clientFor(t *testing.T, base *rest.Config, opts ...kobj.ClientOption) *kobj.Client {
	t.Helper()
	opts = append([]kobj.ClientOption{kobj.CacheDir(t.TempDir())}, opts...)
	c, err := kobj.NewClient(tracked(base, nil), opts...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// newCountingClient is newClient with a transport that records every
// request the client sends.
func newCountingClient(t *testing.T, opts ...kobj.ClientOption) (*kobj.Client, *requestLog) {
	t.Helper()
	log := &requestLog{}
	opts = append([]kobj.ClientOption{kobj.CacheDir(t.TempDir())}, opts...)
	c, err := kobj.NewClient(tracked(cfg, log), opts...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c, log
}

// requestLog records the requests a client sent.
type requestLog = testkit.RequestLog

func uniqueName(t *testing.T, prefix string) string { return testkit.UniqueName(t, prefix) }

// newNamespace creates a namespace of the test's own and returns its name.
func newNamespace(t *testing.T, c *kobj.Client) string { return testkit.NewNamespace(t, c, "rel") }

// testContext returns a context that ends with the test or after d.
func testContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// configMapNames lists the ConfigMaps of ns with c, page by page, and
// returns how many times each name occurs.
func configMapNames(ctx context.Context, t *testing.T, c *kobj.Client, ns string) map[string]int {
	t.Helper()
	list, err := kobj.New("v1", "ConfigMapList").SetClient(c).Read(ctx, kobj.InNamespace(ns), kobj.Limit(250))
	if err != nil {
		t.Fatalf("listing the ConfigMaps of %s: %v", ns, err)
	}
	counts := map[string]int{}
	for _, it := range list.Items() {
		counts[it.Name()]++
	}
	return counts
}

// waitAll waits for every future to be done, up to the context's end, and
// returns the indices of those that were not.
func waitAll(ctx context.Context, fs []*kobj.Response) (notDone []int) {
	for i, f := range fs {
		select {
		case <-f.Done():
		case <-ctx.Done():
			notDone = append(notDone, i)
		}
	}
	return notDone
}
func suffix() string { return testkit.Suffix() }
