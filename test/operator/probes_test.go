package operator_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	"github.com/kobj-dev/kobj/test/internal/testkit"
	"k8s.io/client-go/rest"
)

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestProbeReadyOnceSynced holds the first list (or watch) of the
// ConfigMaps of a namespace: /readyz answers 500 naming the kind while it
// is held and /healthz 200; once released /readyz answers 200, user checks
// show up in both, a failing user check fails its probe, and /readyz
// fails again ("shutting down") while Run waits for a reconcile in flight.
func TestProbeReadyOnceSynced(t *testing.T) {
	ctx := ctrlContext(t, 2*time.Minute)
	admin := ctrlClient(t)
	ns := testkit.NewNamespace(t, admin, "probe")
	release := make(chan struct{})
	held := rest.CopyConfig(cfg)
	held.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method == http.MethodGet && r.URL.Path == "/api/v1/namespaces/"+ns+"/configmaps" {
				select {
				case <-release:
				case <-r.Context().Done():
					return nil, r.Context().Err()
				}
			}
			return rt.RoundTrip(r)
		})
	}
	c, err := kobj.NewClient(held, kobj.CacheDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	leak := leakCheck(t, func() *kobj.Client { return c })
	addr := freeAddress(t)
	m, err := operator.NewManager(c, operator.ProbeAddress(addr), operator.CacheOptions(operator.Namespaces(ns)))
	if err != nil {
		t.Fatal(err)
	}
	var dbDown atomic.Bool
	dbDown.Store(true)
	if err := m.AddReadyCheck("database", func(*http.Request) error {
		if dbDown.Load() {
			return errors.New("no connection to the database")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := m.AddHealthCheck("disk", func(*http.Request) error { return nil }); err != nil {
		t.Fatal(err)
	}
	entered, proceed := make(chan struct{}), make(chan struct{})
	if err := m.Add(operator.For("v1", "ConfigMap").Reconcile(func(ctx context.Context, r *operator.Reconcile) (operator.Result, error) {
		if r.Name == "block" {
			close(entered)
			<-proceed
		}
		return operator.Result{}, nil
	})); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- m.Run(runCtx) }()

	var code int
	var body string
	ctrlEventually(t, ctx, "the probe endpoint to answer", func() bool {
		code, body = probe(addr, "/readyz")
		return code != 0
	})
	if code != http.StatusInternalServerError || !strings.Contains(body, "[-]caches failed: waiting for the caches of v1 ConfigMap in "+ns+" to sync") {
		t.Fatalf("/readyz while the list is held: %d %q, want 500 naming v1 ConfigMap", code, body)
	}
	t.Logf("/readyz while the list is held: %d\n%s", code, body)
	if code, body := probe(addr, "/healthz?verbose"); code != http.StatusOK || !strings.Contains(body, "[+]disk ok") {
		t.Fatalf("/healthz while the list is held: %d %q, want 200 with the disk check", code, body)
	}
	close(release)
	ctrlEventually(t, ctx, "the caches to sync", func() bool {
		code, body = probe(addr, "/readyz")
		return !strings.Contains(body, "[-]caches")
	})
	if code != http.StatusInternalServerError || !strings.Contains(body, "[-]database failed: no connection to the database") {
		t.Fatalf("/readyz with the database check failing: %d %q, want 500 naming it", code, body)
	}
	dbDown.Store(false)
	if code, body := probe(addr, "/readyz?verbose"); code != http.StatusOK ||
		!strings.Contains(body, "[+]caches ok") || !strings.Contains(body, "[+]database ok") {
		t.Fatalf("/readyz once synced: %d %q, want 200 listing caches and database", code, body)
	}
	if code, body := probe(addr, "/readyz/database"); code != http.StatusOK || body != "ok" {
		t.Fatalf("/readyz/database: %d %q, want 200 ok", code, body)
	}

	if _, err := kobj.New("v1", "ConfigMap").SetName("block").SetNamespace(ns).Create(ctx, kobj.WithClient(admin)); err != nil {
		t.Fatal(err)
	}
	<-entered
	cancel()
	ctrlEventually(t, ctx, "/readyz to fail while stopping", func() bool {
		code, body = probe(addr, "/readyz")
		return code == http.StatusInternalServerError
	})
	if !strings.Contains(body, "[-]running failed: shutting down") {
		t.Errorf("/readyz while stopping: %q, want running failed: shutting down", body)
	}
	close(proceed)
	if err := <-errc; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if code, _ := probe(addr, "/healthz"); code != 0 {
		t.Errorf("/healthz answers %d after Run returned", code)
	}
	leak()
}

// TestProbeAddressInUse: a probe or metrics address already bound fails
// Run before anything starts: the error names the option and address,
// nothing is reconciled (the objects exist), no informer runs, and no
// goroutine is left.
func TestProbeAddressInUse(t *testing.T) {
	ctx := ctrlContext(t, time.Minute)
	c := ctrlClient(t)
	ns := testkit.NewNamespace(t, c, "inuse")
	if _, err := kobj.New("v1", "ConfigMap").SetName("cm").SetNamespace(ns).Create(ctx, kobj.WithClient(c)); err != nil {
		t.Fatal(err)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct {
		option string
		opts   []operator.ManagerOption
	}{
		{"ProbeAddress", []operator.ManagerOption{operator.ProbeAddress(busy.Addr().String())}},
		{"MetricsAddress", []operator.ManagerOption{operator.ProbeAddress(freeAddress(t)), operator.MetricsAddress(busy.Addr().String())}},
	} {
		t.Run(tc.option, func(t *testing.T) {
			leak := leakCheck(t, func() *kobj.Client { return c })
			opts := append(tc.opts, operator.CacheOptions(operator.Namespaces(ns)), operator.LeaderElection("inuse", ns))
			m, err := operator.NewManager(c, opts...)
			if err != nil {
				t.Fatal(err)
			}
			var reconciles atomic.Int64
			if err := m.Add(operator.For("v1", "ConfigMap").Reconcile(func(context.Context, *operator.Reconcile) (operator.Result, error) {
				reconciles.Add(1)
				return operator.Result{}, nil
			})); err != nil {
				t.Fatal(err)
			}
			err = m.Run(ctx)
			want := tc.option + `("` + busy.Addr().String() + `")`
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "address already in use") {
				t.Fatalf("Run = %v, want an error naming %s and the address in use", err, want)
			}
			t.Logf("Run: %v", err)
			if n := reconciles.Load(); n != 0 {
				t.Errorf("%d reconciles", n)
			}
			leak()
		})
	}
}
