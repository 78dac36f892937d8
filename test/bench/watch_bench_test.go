package bench

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
)

// createConfigMaps makes n ConfigMaps in ns with the dynamic client, width
// at a time: the same load for whichever side is watching.
func createConfigMaps(b *testing.B, dyn dynamic.Interface, ns, prefix string, n, width int) {
	b.Helper()
	res := dyn.Resource(configMaps).Namespace(ns)
	fanOut(b, n, width, func(i int) error {
		_, err := res.Create(context.Background(), configMap(ns, fmt.Sprintf("%s-%d", prefix, i)).Unstructured(), metav1.CreateOptions{})
		return err
	})
}

// syncedWatch starts a kobj watch of ns's ConfigMaps and returns it once
// its initial state (Resync ... Synced) has been received.
func syncedWatch(ctx context.Context, b *testing.B, c *kobj.Client, ns string) *kobj.Watcher {
	b.Helper()
	w, err := kobj.New("v1", "ConfigMapList").Watch(ctx, kobj.WithClient(c), kobj.InNamespace(ns))
	if err != nil {
		b.Fatal(err)
	}
	for ev := range w.Events() {
		if ev.Type == kobj.Synced {
			return w
		}
	}
	b.Fatalf("watch of %s ended before Synced: %v", ns, w.Err())
	return nil
}

// syncedInformer starts a dynamic informer of ns's ConfigMaps, with
// handler, and returns it with its factory once its cache has synced.
func syncedInformer(b *testing.B, dyn dynamic.Interface, ns string, handler cache.ResourceEventHandler) (cache.SharedIndexInformer, dynamicinformer.DynamicSharedInformerFactory, chan struct{}) {
	b.Helper()
	f := dynamicinformer.NewFilteredDynamicSharedInformerFactory(dyn, 0, ns, nil)
	inf := f.ForResource(configMaps).Informer()
	if handler != nil {
		if _, err := inf.AddEventHandler(handler); err != nil {
			b.Fatal(err)
		}
	}
	stop := make(chan struct{})
	f.Start(stop)
	for _, ok := range f.WaitForCacheSync(stop) {
		if !ok {
			b.Fatal("informer cache did not sync")
		}
	}
	return inf, f, stop
}

// BenchmarkWatchThroughput follows one namespace's ConfigMaps while 2,000
// are created 16 at a time, and reports the Added events delivered per
// second until the last one arrived, for kobj's Watch and for a client-go
// dynamic informer, alternating within each iteration (a fresh namespace
// per side, the side that goes first alternating).
func BenchmarkWatchThroughput(b *testing.B) {
	const total, width = 2000, 16
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	c, dyn := newClients(b)
	withKobj := func() time.Duration {
		ns := namespace(b, c)
		w := syncedWatch(ctx, b, c, ns)
		defer w.Stop()
		done := make(chan struct{})
		go func() {
			n := 0
			for ev := range w.Events() {
				if ev.Type == kobj.Added && !ev.Initial {
					if n++; n == total {
						close(done)
					}
				}
			}
		}()
		t := time.Now()
		createConfigMaps(b, dyn, ns, "k", total, width)
		select {
		case <-done:
		case <-ctx.Done():
			b.Fatal("kobj watch: not every Added event arrived")
		}
		return time.Since(t)
	}
	withInformer := func() time.Duration {
		ns := namespace(b, c)
		var added atomic.Int64
		done := make(chan struct{})
		_, f, stop := syncedInformer(b, dyn, ns, cache.ResourceEventHandlerFuncs{AddFunc: func(any) {
			if added.Add(1) == total {
				close(done)
			}
		}})
		defer f.Shutdown()
		defer close(stop)
		t := time.Now()
		createConfigMaps(b, dyn, ns, "i", total, width)
		select {
		case <-done:
		case <-ctx.Done():
			b.Fatal("informer: not every Added event arrived")
		}
		return time.Since(t)
	}
	var kobjT, informerT time.Duration
	iteration := 0
	for b.Loop() {
		// Each side goes first every other iteration, so that neither
		// always meets the server after the other's 2,000 writes.
		if iteration++; iteration%2 == 1 {
			kobjT += withKobj()
			informerT += withInformer()
		} else {
			informerT += withInformer()
			kobjT += withKobj()
		}
	}
	rate := func(d time.Duration) float64 { return float64(total*b.N) / d.Seconds() }
	k, i := rate(kobjT), rate(informerT)
	b.ReportMetric(k, "kobj-events/s")
	b.ReportMetric(i, "informer-events/s")
	b.ReportMetric(k/i, "ratio")
	record(row{"watch of 2,000 ConfigMaps being created 16 at a time, Added events/s", fmt.Sprintf("%.0f", k), fmt.Sprintf("%.0f (dynamic informer)", i), fmt.Sprintf("%.2f", k/i), "≥ 0.9"})
}

// BenchmarkWatchMemoryPerObject measures the live heap per object once a
// watch of 5,000 existing ConfigMaps has synced: kobj's Watcher (its events
// read into nothing, so what stays is the watcher's own store) against a
// dynamic informer's store.
func BenchmarkWatchMemoryPerObject(b *testing.B) {
	const n, width = 5000, 16
	ctx := context.Background()
	c, dyn := newClients(b)
	ns := namespace(b, c)
	createConfigMaps(b, dyn, ns, "cm", n, width)
	var k, i float64
	for b.Loop() {
		var w *kobj.Watcher
		drained := make(chan struct{})
		k = heapPerObject(n, func() any {
			w = syncedWatch(ctx, b, c, ns)
			go func() {
				defer close(drained)
				for range w.Events() {
				}
			}()
			return w
		})
		w.Stop()
		<-drained

		var f dynamicinformer.DynamicSharedInformerFactory
		var stop chan struct{}
		i = heapPerObject(n, func() any {
			var inf cache.SharedIndexInformer
			inf, f, stop = syncedInformer(b, dyn, ns, nil)
			if got := len(inf.GetStore().ListKeys()); got != n {
				b.Fatalf("informer store holds %d objects, want %d", got, n)
			}
			return inf
		})
		close(stop)
		f.Shutdown()
	}
	b.ReportMetric(k, "kobj-B/obj")
	b.ReportMetric(i, "informer-B/obj")
	b.ReportMetric(k/i, "ratio")
	record(row{"memory per object of a synced watch of 5,000 ConfigMaps, bytes", fmt.Sprintf("%.0f", k), fmt.Sprintf("%.0f (dynamic informer's store)", i), fmt.Sprintf("%.2f", k/i), "≤ 1.2"})
}

// watchCounter counts a client's requests and signals each watch whose
// response has started: from then on the server sends the watcher every
// change.
type watchCounter struct {
	requests atomic.Int64
	watching chan struct{}
}

func (wc *watchCounter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		wc.requests.Add(1)
		resp, err := rt.RoundTrip(r)
		if err == nil && r.URL.Query().Get("watch") == "true" {
			select {
			case wc.watching <- struct{}{}:
			default:
			}
		}
		return resp, err
	})
}

func watchCountedConfig() (*rest.Config, *watchCounter) {
	wc := &watchCounter{watching: make(chan struct{}, 1)}
	cc := rest.CopyConfig(cfg)
	cc.QPS, cc.Burst = -1, 0
	cc.WrapTransport = wc.wrap
	return cc, wc
}

// timeWait runs wait in a goroutine, makes the change once wait's watch is
// open, and returns the time from the change to wait returning and the
// requests wait's client made.
func timeWait(b *testing.B, wc *watchCounter, change func(), wait func() error) (time.Duration, int64) {
	b.Helper()
	select {
	case <-wc.watching: // a stale signal from an earlier wait
	default:
	}
	before := wc.requests.Load()
	errs := make(chan error, 1)
	go func() { errs <- wait() }()
	select {
	case <-wc.watching:
	case err := <-errs:
		b.Fatalf("wait returned before the change: %v", err)
	case <-time.After(time.Minute):
		b.Fatal("the wait opened no watch")
	}
	t := time.Now()
	change()
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	return time.Since(t), wc.requests.Load() - before
}

// BenchmarkWaitLatency measures the time from the update that makes
// data.n "go" to the wait for it returning, and the requests the wait
// made, for kobj's Wait against kubectl wait's way with client-go
// (UntilWithSync on a ListWatch with a field selector on the name),
// alternating within each iteration.
func BenchmarkWaitLatency(b *testing.B) {
	const name = "wait-target"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, dyn := newClients(b)
	ns := namespace(b, c)
	res := dyn.Resource(configMaps).Namespace(ns)
	cm := configMap(ns, name)
	_ = cm.Set("data.n", "no")
	if _, err := res.Create(ctx, cm.Unstructured(), metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	set := func(v string) {
		patch := fmt.Appendf(nil, `{"data":{"n":%q}}`, v)
		if _, err := res.Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			b.Fatal(err)
		}
	}

	kcfg, kcount := watchCountedConfig()
	kc, err := kobj.NewClient(kcfg, kobj.CacheDir(b.TempDir()))
	if err != nil {
		b.Fatal(err)
	}
	// Warm kobj's discovery, as kubectl's mapping is resolved before it waits.
	if _, err := kobj.New("v1", "ConfigMap").SetClient(kc).Read(ctx, kobj.Named(name), kobj.InNamespace(ns)); err != nil {
		b.Fatal(err)
	}
	rcfg, rcount := watchCountedConfig()
	rdyn, err := dynamic.NewForConfig(rcfg)
	if err != nil {
		b.Fatal(err)
	}
	rres := rdyn.Resource(configMaps).Namespace(ns)
	selector := fields.OneTermEqualSelector("metadata.name", name).String()
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			opts.FieldSelector = selector
			return rres.List(ctx, opts)
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			opts.FieldSelector = selector
			return rres.Watch(ctx, opts)
		},
	}
	isGo := func(ev watch.Event) (bool, error) {
		u, ok := ev.Object.(*unstructured.Unstructured)
		if !ok {
			return false, nil
		}
		v, _, _ := unstructured.NestedString(u.Object, "data", "n")
		return v == "go", nil
	}

	var kobjT, rawT time.Duration
	var kobjReqs, rawReqs int64
	for b.Loop() {
		set("no")
		d, reqs := timeWait(b, kcount, func() { set("go") }, func() error {
			_, err := kobj.New("v1", "ConfigMap").SetName(name).SetNamespace(ns).SetClient(kc).
				Wait(ctx, kobj.PathEquals("data.n", "go"))
			return err
		})
		kobjT += d
		kobjReqs += reqs

		set("no")
		d, reqs = timeWait(b, rcount, func() { set("go") }, func() error {
			_, err := watchtools.UntilWithSync(ctx, lw, &unstructured.Unstructured{}, nil, isGo)
			return err
		})
		rawT += d
		rawReqs += reqs
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	perWait := func(n int64) float64 { return float64(n) / float64(b.N) }
	k, r := ms(kobjT), ms(rawT)
	b.ReportMetric(k, "kobj-ms")
	b.ReportMetric(r, "untilwithsync-ms")
	b.ReportMetric(perWait(kobjReqs), "kobj-requests/wait")
	b.ReportMetric(perWait(rawReqs), "untilwithsync-requests/wait")
	b.ReportMetric(k/r, "ratio")
	record(row{"from an update to Wait returning: requests / ms", fmt.Sprintf("%.0f / %.1f", perWait(kobjReqs), k),
		fmt.Sprintf("%.0f / %.1f (UntilWithSync, kubectl wait's way)", perWait(rawReqs), r), fmt.Sprintf("%.2f (time)", k/r), "1 request, no polling"})
}
