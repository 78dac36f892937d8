package bench

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	crlog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// envInt returns the integer in the environment variable name, or def
// when it is unset; a value that is not a positive integer fails b.
func envInt(b *testing.B, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive integer", name, s)
	}
	return n
}

// createGizmos creates n Gizmos named prefix-0 … in ns, 64 at a time.
func createGizmos(b *testing.B, dyn dynamic.Interface, gvr schema.GroupVersionResource, ns, prefix string, n int) {
	start := time.Now()
	fanOut(b, n, 64, func(i int) error {
		_, err := dyn.Resource(gvr).Namespace(ns).Create(context.Background(), gizmo(gvr, ns, fmt.Sprintf("%s-%d", prefix, i)), metav1.CreateOptions{})
		return err
	})
	b.Logf("created %d Gizmos in %v", n, time.Since(start).Round(time.Millisecond))
}

func gizmo(gvr schema.GroupVersionResource, ns, name string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{"apiVersion": gvr.GroupVersion().String(), "kind": "Gizmo",
		"metadata": map[string]any{"name": name, "namespace": ns}, "spec": map[string]any{"size": int64(1)}}}
}

// unlimited is cfg without client-side rate limiting, as kobj's client.
func unlimited() *rest.Config {
	raw := rest.CopyConfig(cfg)
	raw.QPS, raw.Burst = -1, 0
	return raw
}

// percentiles returns the p50 and p99 of ds (sorted in place).
func percentiles(ds []time.Duration) (p50, p99 time.Duration) {
	slices.Sort(ds)
	return ds[len(ds)/2], ds[min(len(ds)-1, len(ds)*99/100)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// BenchmarkOperatorPickup measures how long a new object waits for its
// first reconcile while the initial list's items are still queued:
// KOBJ_BENCH_OPERATOR_N Gizmos (default 10,000) exist when the manager
// starts, one worker, each reconcile of an initial item costing 0.5 ms
// (so the queue takes seconds to drain); once the first reconcile has
// run, KOBJ_BENCH_PICKUP_NEW (default 10) new Gizmos are created 100 ms
// apart, each timed from just before its create to the start of its
// reconcile. kobj/operator (client-go's FIFO rate-limiting queue) against
// controller-runtime's default, the priority queue (initial-list items
// at low priority). Sides alternate; p50 and p99 over the new objects.
func BenchmarkOperatorPickup(b *testing.B) {
	n := envInt(b, "KOBJ_BENCH_OPERATOR_N", 10000)
	fresh := envInt(b, "KOBJ_BENCH_PICKUP_NEW", 10)
	crlog.SetLogger(logr.Discard())
	c, dyn := newClients(b)
	gvr := reconcileBenchCRD(b, c)
	ns := namespace(b, c)
	createGizmos(b, dyn, gvr, ns, "g", n)
	lat := map[string][]time.Duration{}
	round := 0
	for b.Loop() {
		sides := []string{"kobj", "controller-runtime"}
		if round%2 == 1 {
			slices.Reverse(sides)
		}
		for _, side := range sides {
			prefix := fmt.Sprintf("new-%d-%s", round, side[:1])
			p := &pickup{fresh: fresh, seen: map[string]time.Time{}, done: make(chan struct{}), first: make(chan struct{})}
			var stop func()
			if side == "kobj" {
				stop = kobjPickupRun(b, c, gvr, p)
			} else {
				stop = crPickupRun(b, gvr, p)
			}
			lat[side] = append(lat[side], p.measure(b, dyn, gvr, ns, prefix)...)
			stop()
		}
		round++
	}
	k50, k99 := percentiles(lat["kobj"])
	c50, c99 := percentiles(lat["controller-runtime"])
	b.ReportMetric(ms(k50), "kobj-p50-ms")
	b.ReportMetric(ms(k99), "kobj-p99-ms")
	b.ReportMetric(ms(c50), "controller-runtime-p50-ms")
	b.ReportMetric(ms(c99), "controller-runtime-p99-ms")
	b.ReportMetric(ms(k50)/ms(c50), "ratio-p50")
	b.ReportMetric(ms(k99)/ms(c99), "ratio-p99")
	record(row{fmt.Sprintf("operator pickup of a new object while %d initial items are queued (1 worker), p50 / p99", n),
		fmt.Sprintf("%v / %v", k50.Round(time.Millisecond), k99.Round(time.Millisecond)),
		fmt.Sprintf("%v / %v (controller-runtime, priority queue)", c50.Round(time.Millisecond), c99.Round(time.Millisecond)),
		fmt.Sprintf("%.2f / %.2f", ms(k50)/ms(c50), ms(k99)/ms(c99)), "≤ 1.0"})
}

// pickup records when each new object's first reconcile started.
type pickup struct {
	fresh int
	mu    sync.Mutex
	seen  map[string]time.Time
	once  sync.Once
	first chan struct{} // closed at the first reconcile
	done  chan struct{} // closed when every new object was reconciled
}

// reconciled is the reconciler's body: new objects are timed, initial
// ones cost 0.5 ms.
func (p *pickup) reconciled(name string) {
	now := time.Now()
	p.once.Do(func() { close(p.first) })
	if !strings.HasPrefix(name, "new-") {
		time.Sleep(500 * time.Microsecond)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.seen[name]; !ok {
		p.seen[name] = now
		if len(p.seen) == p.fresh {
			close(p.done)
		}
	}
}

// measure creates the new objects once the first reconcile ran and
// returns each one's wait for its reconcile.
func (p *pickup) measure(b *testing.B, dyn dynamic.Interface, gvr schema.GroupVersionResource, ns, prefix string) []time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	select {
	case <-p.first:
	case <-ctx.Done():
		b.Fatal("no reconcile")
	}
	created := map[string]time.Time{}
	for i := range p.fresh {
		name := fmt.Sprintf("%s-%d", prefix, i)
		created[name] = time.Now()
		if _, err := dyn.Resource(gvr).Namespace(ns).Create(ctx, gizmo(gvr, ns, name), metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		b.Fatal("new objects not all reconciled")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var lat []time.Duration
	for name, t := range created {
		lat = append(lat, p.seen[name].Sub(t))
	}
	return lat
}

// kobjPickupRun starts a kobj Manager with one worker on Gizmos; the
// returned function stops it.
func kobjPickupRun(b *testing.B, c *kobj.Client, gvr schema.GroupVersionResource, p *pickup) func() {
	m, err := operator.NewManager(c)
	if err != nil {
		b.Fatal(err)
	}
	if err := m.Add(operator.For(gvr.GroupVersion().String(), "Gizmo").Workers(1).
		Reconcile(func(ctx context.Context, r *operator.Reconcile) (operator.Result, error) {
			if r.Object != nil {
				p.reconciled(r.Object.Name())
			}
			return operator.Result{}, nil
		})); err != nil {
		b.Fatal(err)
	}
	return runKobj(b, m)
}

func runKobj(b *testing.B, m *operator.Manager) func() {
	ctx, stop := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- m.Run(ctx) }()
	return func() {
		stop()
		if err := <-errc; err != nil {
			b.Error(err)
		}
	}
}

// crPickupRun starts a controller-runtime manager with one worker on
// Gizmos, default queue (the priority queue); the returned function stops
// it.
func crPickupRun(b *testing.B, gvr schema.GroupVersionResource, p *pickup) func() {
	mgr := crManager(b, manager.Options{})
	gvk := gvr.GroupVersion().WithKind("Gizmo")
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	err := builder.ControllerManagedBy(mgr).For(u).Named("gizmo").
		WithOptions(controller.Options{MaxConcurrentReconciles: 1, SkipNameValidation: ptr.To(true)}).
		Complete(reconcile.Func(func(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
			o := &unstructured.Unstructured{}
			o.SetGroupVersionKind(gvk)
			if err := mgr.GetClient().Get(ctx, req.NamespacedName, o); err == nil {
				p.reconciled(req.Name)
			}
			return reconcile.Result{}, nil
		}))
	if err != nil {
		b.Fatal(err)
	}
	return runCR(b, mgr)
}

// crManager makes a controller-runtime manager on the bench's server
// (no rate limit, unstructured objects cached, no metrics or probes
// served), with the fields of opts that are set.
func crManager(b *testing.B, opts manager.Options) manager.Manager {
	opts.Metrics = metricsserver.Options{BindAddress: "0"}
	opts.HealthProbeBindAddress = "0"
	opts.Logger = logr.Discard()
	opts.Client = client.Options{Cache: &client.CacheOptions{Unstructured: true}}
	mgr, err := manager.New(unlimited(), opts)
	if err != nil {
		b.Fatal(err)
	}
	return mgr
}

func runCR(b *testing.B, mgr manager.Manager) func() {
	ctx, stop := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- mgr.Start(ctx) }()
	return func() {
		stop()
		if err := <-errc; err != nil {
			b.Error(err)
		}
	}
}
