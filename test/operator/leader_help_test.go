package operator_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	"go.uber.org/goleak"
)

// leaderTimings are short lease timings that keep the tests fast: a
// standby takes over 2 s after it last saw the leader renew.
func leaderTimings() []operator.ManagerOption {
	return []operator.ManagerOption{operator.LeaseDuration(2 * time.Second),
		operator.RenewDeadline(1500 * time.Millisecond), operator.RetryPeriod(200 * time.Millisecond)}
}

// replica is one Manager of a test election, with a Widget controller
// that counts its reconciles.
type replica struct {
	c     *kobj.Client
	m     *operator.Manager
	probe string // the probe address

	// hook, when set before start, runs in each reconcile.
	hook       func(ctx context.Context, r *operator.Reconcile)
	reconciles atomic.Int64
	first      atomic.Int64 // UnixNano of the first reconcile; 0: none

	cancel context.CancelFunc
	errc   chan error
	once   sync.Once
	err    error
}

// newReplica makes a replica over a client of its own, electing on the
// Lease lease in ns, reconciling the Widgets of apiVersion, serving probes
// on a free local port.
func newReplica(t *testing.T, apiVersion, ns, lease string, opts ...operator.ManagerOption) *replica {
	t.Helper()
	r := &replica{c: ctrlClient(t), probe: freeAddress(t), errc: make(chan error, 1)}
	opts = append(append(leaderTimings(), operator.LeaderElection(lease, ns), operator.ProbeAddress(r.probe)), opts...)
	var err error
	if r.m, err = operator.NewManager(r.c, opts...); err != nil {
		t.Fatal(err)
	}
	if err := r.m.Add(operator.For(apiVersion, "Widget").
		Reconcile(func(ctx context.Context, rec *operator.Reconcile) (operator.Result, error) {
			r.first.CompareAndSwap(0, time.Now().UnixNano())
			r.reconciles.Add(1)
			if r.hook != nil {
				r.hook(ctx, rec)
			}
			return operator.Result{}, nil
		})); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.stop() })
	return r
}

// start runs the replica's Manager.
func (r *replica) start() {
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.errc <- r.m.Run(ctx) }()
}

// stop cancels Run and returns its error (once; later calls return it
// again). A replica never started returns nil.
func (r *replica) stop() error {
	r.once.Do(func() {
		if r.cancel == nil {
			return
		}
		r.cancel()
		r.err = <-r.errc
	})
	return r.err
}

func (r *replica) count() int64 { return r.reconciles.Load() }

// ready reports whether the replica's /readyz answers 200.
func (r *replica) ready() bool {
	code, _ := probe(r.probe, "/readyz")
	return code == http.StatusOK
}

// freeAddress returns a local TCP address free a moment ago.
func freeAddress(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// probe GETs path on addr without keeping the connection; code 0 when
// nothing answers.
func probe(addr, path string) (int, string) {
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := hc.Get("http://" + addr + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// leakCheck notes the goroutines running now and returns a function that
// fails the test if any other still runs, after closing the clients' idle
// connections.
func leakCheck(t *testing.T, clients ...func() *kobj.Client) func() {
	t.Helper()
	opts := []goleak.Option{goleak.IgnoreCurrent()}
	return func() {
		t.Helper()
		closeAll := func() {
			for _, c := range clients {
				c().Close()
			}
		}
		for range 3 {
			closeAll()
			if goleak.Find(opts...) == nil {
				return
			}
		}
		closeAll()
		goleak.VerifyNone(t, opts...)
	}
}

// leaseHolder reads the holder of the Lease name in ns ("" when released).
func leaseHolder(ctx context.Context, t *testing.T, c *kobj.Client, ns, name string) string {
	t.Helper()
	l, err := kobj.New("coordination.k8s.io/v1", "Lease").Read(ctx, kobj.Named(name), kobj.InNamespace(ns), kobj.WithClient(c))
	if err != nil {
		t.Fatalf("reading the Lease %s/%s: %v", ns, name, err)
	}
	h, _ := l.GetString("spec.holderIdentity")
	return h
}
