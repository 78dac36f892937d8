package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
)

var configMaps = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}

var nsSeq atomic.Int64

// namespace creates a fresh namespace for one benchmark.
func namespace(b *testing.B, c *kobj.Client) string {
	b.Helper()
	name := fmt.Sprintf("bench-%d-%d", time.Now().UnixNano()%1e6, nsSeq.Add(1))
	if _, err := kobj.New("v1", "Namespace").SetName(name).Create(context.Background(), kobj.WithClient(c)); err != nil {
		b.Fatal(err)
	}
	return name
}

func configMap(ns, name string) *kobj.Object {
	o := kobj.New("v1", "ConfigMap").SetName(name).SetNamespace(ns)
	_ = o.Set("data", map[string]any{"greeting": "hello", "count": "1"})
	return o
}

func newClients(b *testing.B, opts ...kobj.ClientOption) (*kobj.Client, *dynamic.DynamicClient) {
	b.Helper()
	c, err := kobj.NewClient(cfg, append([]kobj.ClientOption{kobj.CacheDir(b.TempDir())}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	raw := *cfg
	raw.QPS, raw.Burst = -1, 0 // no client-side rate limiting, as kobj
	dyn, err := dynamic.NewForConfig(&raw)
	if err != nil {
		b.Fatal(err)
	}
	return c, dyn
}

// BenchmarkSequentialCRUD creates, gets, updates and deletes ConfigMaps one
// at a time, alternating kobj's CRUD methods and the raw dynamic client
// within each iteration, and reports each side's rate per verb and the
// ratio kobj ÷ raw.
func BenchmarkSequentialCRUD(b *testing.B) {
	ctx := context.Background()
	c, dyn := newClients(b)
	ns := namespace(b, c)
	res := dyn.Resource(configMaps).Namespace(ns)
	// Both sides warm up: kobj's discovery, and both connections.
	if _, err := kobj.New("v1", "ConfigMapList").Read(ctx, kobj.WithClient(c), kobj.InNamespace(ns)); err != nil {
		b.Fatal(err)
	}
	if _, err := res.List(ctx, metav1.ListOptions{}); err != nil {
		b.Fatal(err)
	}
	var kobjT, rawT [4]time.Duration
	verbs := [4]string{"create", "get", "update", "delete"}
	i := 0
	for b.Loop() {
		i++
		name := fmt.Sprintf("k-%d", i)
		o := configMap(ns, name).SetClient(c)
		t := time.Now()
		if _, err := o.Create(ctx); err != nil {
			b.Fatal(err)
		}
		kobjT[0] += time.Since(t)
		t = time.Now()
		if _, err := o.Read(ctx); err != nil {
			b.Fatal(err)
		}
		kobjT[1] += time.Since(t)
		o.SetLabel("step", "updated")
		t = time.Now()
		if _, err := o.Update(ctx); err != nil {
			b.Fatal(err)
		}
		kobjT[2] += time.Since(t)
		t = time.Now()
		if _, err := o.Delete(ctx); err != nil {
			b.Fatal(err)
		}
		kobjT[3] += time.Since(t)

		name = fmt.Sprintf("r-%d", i)
		u := configMap(ns, name).Unstructured()
		t = time.Now()
		if _, err := res.Create(ctx, u, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		rawT[0] += time.Since(t)
		t = time.Now()
		got, err := res.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			b.Fatal(err)
		}
		rawT[1] += time.Since(t)
		patch := fmt.Appendf(nil, `{"metadata":{"labels":{"step":"updated"},"resourceVersion":%q}}`, got.GetResourceVersion())
		t = time.Now()
		if _, err := res.Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			b.Fatal(err)
		}
		rawT[2] += time.Since(t)
		t = time.Now()
		if err := res.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			b.Fatal(err)
		}
		rawT[3] += time.Since(t)
	}
	for v, verb := range verbs {
		k, r := float64(b.N)/kobjT[v].Seconds(), float64(b.N)/rawT[v].Seconds()
		b.ReportMetric(k, "kobj-"+verb+"/s")
		b.ReportMetric(r, "raw-"+verb+"/s")
		b.ReportMetric(k/r, verb+"-ratio")
		record(row{fmt.Sprintf("sequential %s of ConfigMaps, ops/s", verb), fmt.Sprintf("%.0f", k), fmt.Sprintf("%.0f (dynamic client)", r), fmt.Sprintf("%.2f", k/r), "≥ 0.95"})
	}
}

// BenchmarkConcurrentCreates makes 2,000 ConfigMaps 32 at a time three
// ways in each iteration: kobj futures (CallAsync, MaxInFlight 32), kobj's
// Create in 32 goroutines, and the raw dynamic client in 32 goroutines.
func BenchmarkConcurrentCreates(b *testing.B) {
	const total, width = 2000, 32
	ctx := context.Background()
	c, dyn := newClients(b, kobj.MaxInFlight(width))
	var futuresT, goroutinesT, rawT time.Duration
	for b.Loop() {
		ns := namespace(b, c)
		res := dyn.Resource(configMaps).Namespace(ns)
		// Warm the operation index, as the other two sides warm discovery.
		if _, err := c.Call(ctx, "listCoreV1NamespacedConfigMap", kobj.Args{"namespace": ns, "limit": 1}); err != nil {
			b.Fatal(err)
		}
		t := time.Now()
		futures := make([]*kobj.Response, total)
		for i := range futures {
			futures[i] = c.CallAsync(ctx, "createCoreV1NamespacedConfigMap", kobj.Args{"namespace": ns, "body": configMap(ns, fmt.Sprintf("f-%d", i))})
		}
		for _, f := range futures {
			if _, _, _, err := f.Get(ctx); err != nil {
				b.Fatal(err)
			}
		}
		futuresT += time.Since(t)

		t = time.Now()
		fanOut(b, total, width, func(i int) error {
			_, err := configMap(ns, fmt.Sprintf("g-%d", i)).Create(ctx, kobj.WithClient(c))
			return err
		})
		goroutinesT += time.Since(t)

		t = time.Now()
		fanOut(b, total, width, func(i int) error {
			_, err := res.Create(ctx, configMap(ns, fmt.Sprintf("r-%d", i)).Unstructured(), metav1.CreateOptions{})
			return err
		})
		rawT += time.Since(t)
	}
	rate := func(d time.Duration) float64 { return float64(total*b.N) / d.Seconds() }
	f, g, r := rate(futuresT), rate(goroutinesT), rate(rawT)
	b.ReportMetric(f, "kobj-futures-creates/s")
	b.ReportMetric(g, "kobj-goroutines-creates/s")
	b.ReportMetric(r, "raw-creates/s")
	b.ReportMetric(f/r, "futures-ratio")
	b.ReportMetric(g/r, "goroutines-ratio")
	record(row{"2,000 creates 32 in flight, futures (CallAsync), ops/s", fmt.Sprintf("%.0f", f), fmt.Sprintf("%.0f (dynamic, 32 goroutines)", r), fmt.Sprintf("%.2f", f/r), "≥ 0.95"})
	record(row{"2,000 creates 32 in flight, Create in 32 goroutines, ops/s", fmt.Sprintf("%.0f", g), fmt.Sprintf("%.0f (dynamic, 32 goroutines)", r), fmt.Sprintf("%.2f", g/r), "≥ 0.95"})
}

// fanOut runs fn(0..n-1) in width goroutines.
func fanOut(b *testing.B, n, width int, fn func(i int) error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, width)
	for range width {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

var _ = unstructured.Unstructured{}
