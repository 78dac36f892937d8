package bench

import (
	"context"
	"fmt"
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

// BenchmarkOperatorReconcile measures no-op reconcile throughput over
// KOBJ_BENCH_OPERATOR_N custom resources (default 10,000), with 1 and 10
// workers: kobj/operator's
// controller (handed the object, decoded from the cache's JSON) against
// controller-runtime's (unstructured, reading the object from its cache,
// as a reconciler does). Each run starts a manager and counts the
// reconciles of the first list; the rate is taken from the first
// reconcile to the last, so that the list itself, the same for both, is
// left out; the figures are the medians of the runs (-benchtime=5x).
func BenchmarkOperatorReconcile(b *testing.B) {
	const width = 64
	n := envInt(b, "KOBJ_BENCH_OPERATOR_N", 10000)
	crlog.SetLogger(logr.Discard())
	c, dyn := newClients(b)
	gvr := reconcileBenchCRD(b, c)
	apiVersion := gvr.GroupVersion().String()
	ns := namespace(b, c)
	start := time.Now()
	fanOut(b, n, width, func(i int) error {
		u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": apiVersion, "kind": "Gizmo",
			"metadata": map[string]any{"name": fmt.Sprintf("g-%d", i), "namespace": ns}, "spec": map[string]any{"size": int64(i)}}}
		_, err := dyn.Resource(gvr).Namespace(ns).Create(context.Background(), u, metav1.CreateOptions{})
		return err
	})
	b.Logf("created %d Gizmos in %v", n, time.Since(start).Round(time.Millisecond))
	raw := rest.CopyConfig(cfg)
	raw.QPS, raw.Burst = -1, 0

	rates := map[string][]float64{}
	for b.Loop() {
		for _, w := range []int{1, 10} {
			kcr, kk := fmt.Sprint("cr", w), fmt.Sprint("kobj", w)
			rates[kcr] = append(rates[kcr], crReconcileRun(b, raw, gvr.GroupVersion().WithKind("Gizmo"), n, w))
			rates[kk] = append(rates[kk], kobjReconcileRun(b, c, apiVersion, n, w))
		}
	}
	for _, w := range []int{1, 10} {
		k, cr := median(rates[fmt.Sprint("kobj", w)]), median(rates[fmt.Sprint("cr", w)])
		b.ReportMetric(k, fmt.Sprintf("kobj-%dw-reconciles/s", w))
		b.ReportMetric(cr, fmt.Sprintf("controller-runtime-%dw-reconciles/s", w))
		b.ReportMetric(k/cr, fmt.Sprintf("ratio-%dw", w))
		record(row{fmt.Sprintf("operator no-op reconciles/s over %d custom resources, %d worker(s)", n, w),
			fmt.Sprintf("%.0f", k), fmt.Sprintf("%.0f (controller-runtime, unstructured, cached Get)", cr), fmt.Sprintf("%.2f", k/cr), "≥ 1.0"})
	}
}

// rateMeter counts reconciles and times the first and the n-th.
type rateMeter struct {
	mu          sync.Mutex
	n, count    int
	first, last time.Time
	done        chan struct{}
}

func newRateMeter(n int) *rateMeter { return &rateMeter{n: n, done: make(chan struct{})} }

func (m *rateMeter) tick() {
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.count++
	switch m.count {
	case 1:
		m.first = now
	case m.n:
		m.last = now
		close(m.done)
	}
}

func (m *rateMeter) rate(b *testing.B, ctx context.Context) float64 {
	select {
	case <-m.done:
	case <-ctx.Done():
		b.Fatalf("%d of %d reconciles", m.count, m.n)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return float64(m.n-1) / m.last.Sub(m.first).Seconds()
}

func kobjReconcileRun(b *testing.B, c *kobj.Client, apiVersion string, n, workers int) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	meter := newRateMeter(n)
	m, err := operator.NewManager(c)
	if err != nil {
		b.Fatal(err)
	}
	if err := m.Add(operator.For(apiVersion, "Gizmo").Workers(workers).
		Reconcile(func(ctx context.Context, r *operator.Reconcile) (operator.Result, error) {
			if r.Object != nil {
				meter.tick()
			}
			return operator.Result{}, nil
		})); err != nil {
		b.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- m.Run(runCtx) }()
	rate := meter.rate(b, ctx)
	stop()
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
	return rate
}

func crReconcileRun(b *testing.B, raw *rest.Config, gvk schema.GroupVersionKind, n, workers int) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	meter := newRateMeter(n)
	mgr, err := manager.New(raw, manager.Options{
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Logger:                 logr.Discard(),
		Client:                 client.Options{Cache: &client.CacheOptions{Unstructured: true}},
	})
	if err != nil {
		b.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	err = builder.ControllerManagedBy(mgr).For(u).Named("gizmo").
		WithOptions(controller.Options{MaxConcurrentReconciles: workers, SkipNameValidation: ptr.To(true)}).
		Complete(reconcile.Func(func(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
			o := &unstructured.Unstructured{}
			o.SetGroupVersionKind(gvk)
			if err := mgr.GetClient().Get(ctx, req.NamespacedName, o); err == nil {
				meter.tick()
			}
			return reconcile.Result{}, nil
		}))
	if err != nil {
		b.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- mgr.Start(runCtx) }()
	rate := meter.rate(b, ctx)
	stop()
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
	return rate
}

// reconcileBenchCRD creates a namespaced Gizmo CRD in a group of its own
// and waits until it is served; it returns its resource.
func reconcileBenchCRD(b *testing.B, c *kobj.Client) schema.GroupVersionResource {
	group := fmt.Sprintf("rb%d.bench.kobj.test", time.Now().UnixNano()%1e9)
	objs, err := kobj.LoadString(strings.ReplaceAll(`
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gizmos.$GROUP}
spec:
  group: $GROUP
  scope: Namespaced
  names: {plural: gizmos, singular: gizmo, kind: Gizmo, listKind: GizmoList}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
`, "$GROUP", group))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	crd := objs[0].SetClient(c)
	if _, err := crd.Create(ctx); err != nil {
		b.Fatal(err)
	}
	for {
		if _, err := crd.Read(ctx); err != nil {
			b.Fatal(err)
		}
		conds, _ := crd.GetSlice("status.conditions")
		for _, cond := range conds {
			if m, _ := cond.(map[string]any); m["type"] == "Established" && m["status"] == "True" {
				return schema.GroupVersionResource{Group: group, Version: "v1", Resource: "gizmos"}
			}
		}
		select {
		case <-ctx.Done():
			b.Fatal("CRD not Established")
		case <-time.After(50 * time.Millisecond):
		}
	}
}
