package bench

import (
	"context"
	"fmt"
	"net/http"
	goruntime "runtime"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	crcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	crlog "sigs.k8s.io/controller-runtime/pkg/log"
)

// BenchmarkOperatorCache measures, on 10,000 ConfigMaps (each with the
// managedFields entry of its create), the live heap per cached object once
// synced and the time from start to synced: kobj/operator's Cache (JSON
// at rest; and with StripManagedFields), controller-runtime's cache of
// unstructured objects, and client-go's dynamic informer (maps at rest).
// Each side starts its informer on the same namespace in turn, with
// discovery already warm.
func BenchmarkOperatorCache(b *testing.B) {
	const n, width = 10000, 64
	ctx := context.Background()
	crlog.SetLogger(logr.Discard())
	c, dyn := newClients(b)
	ns := namespace(b, c)
	start := time.Now()
	createConfigMaps(b, dyn, ns, "cm", n, width)
	b.Logf("created %d ConfigMaps in %v", n, time.Since(start).Round(time.Millisecond))
	// Discovery of ConfigMaps, warm for both sides.
	if _, err := kobj.New("v1", "ConfigMapList").Read(ctx, kobj.WithClient(c), kobj.InNamespace(ns), kobj.Limit(1)); err != nil {
		b.Fatal(err)
	}
	raw := rest.CopyConfig(cfg)
	raw.QPS, raw.Burst = -1, 0
	hc, err := rest.HTTPClientFor(raw)
	if err != nil {
		b.Fatal(err)
	}
	mapper, err := apiutil.NewDynamicRESTMapper(raw, hc)
	if err != nil {
		b.Fatal(err)
	}
	cmGVK := configMaps.GroupVersion().WithKind("ConfigMap")
	if _, err := mapper.RESTMapping(cmGVK.GroupKind(), cmGVK.Version); err != nil {
		b.Fatal(err)
	}

	var kMem, sMem, crMem, dMem float64
	var kSync, sSync, crSync, dSync time.Duration
	for b.Loop() {
		// controller-runtime first: a side that runs later finds the
		// server warmer, if anything.
		crMem, crSync = crCacheRun(ctx, b, raw, hc, mapper, ns, n)
		kMem, kSync = kobjCacheRun(ctx, b, c, ns, n)
		sMem, sSync = kobjCacheRun(ctx, b, c, ns, n, operator.StripManagedFields())
		dMem, dSync = dynamicInformerRun(b, dyn, ns, n)
	}
	b.ReportMetric(kMem, "kobj-B/obj")
	b.ReportMetric(sMem, "kobj-strip-B/obj")
	b.ReportMetric(crMem, "controller-runtime-B/obj")
	b.ReportMetric(dMem, "dynamic-informer-B/obj")
	b.ReportMetric(kMem/crMem, "memory-ratio")
	b.ReportMetric(kSync.Seconds(), "kobj-sync-s")
	b.ReportMetric(sSync.Seconds(), "kobj-strip-sync-s")
	b.ReportMetric(crSync.Seconds(), "controller-runtime-sync-s")
	b.ReportMetric(dSync.Seconds(), "dynamic-informer-sync-s")
	b.ReportMetric(kSync.Seconds()/crSync.Seconds(), "sync-ratio")
	record(row{"operator cache of 10,000 ConfigMaps, live heap per object, bytes", fmt.Sprintf("%.0f (%.0f with StripManagedFields)", kMem, sMem),
		fmt.Sprintf("%.0f (controller-runtime unstructured cache); %.0f (dynamic informer)", crMem, dMem), fmt.Sprintf("%.2f", kMem/crMem), "≤ 0.5"})
	record(row{"operator cache of 10,000 ConfigMaps, time to first sync", fmt.Sprintf("%v (%v with StripManagedFields)", kSync.Round(time.Millisecond), sSync.Round(time.Millisecond)),
		fmt.Sprintf("%v (controller-runtime); %v (dynamic informer)", crSync.Round(time.Millisecond), dSync.Round(time.Millisecond)), fmt.Sprintf("%.2f", kSync.Seconds()/crSync.Seconds()), "≤ 1.0"})
}

// kobjCacheRun starts a kobj/operator Cache of ns's ConfigMaps and returns
// the heap per object it holds once synced and the time it took to sync.
func kobjCacheRun(ctx context.Context, b *testing.B, c *kobj.Client, ns string, n int, opts ...operator.CacheOption) (float64, time.Duration) {
	var took time.Duration
	var cc *operator.Cache
	mem := heapPerObject(n, func() any {
		var err error
		cc, err = operator.NewCache(c, append([]operator.CacheOption{operator.Namespaces(ns)}, opts...)...)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := cc.Get(ctx, "v1", "ConfigMap", ns, "cm-0"); err != nil {
			b.Fatal(err)
		}
		took = time.Since(start)
		return cc
	})
	list, err := cc.List(ctx, "v1", "ConfigMapList", kobj.InNamespace(ns))
	if err != nil || len(list) != n {
		b.Fatalf("kobj cache holds %d ConfigMaps (%v), want %d", len(list), err, n)
	}
	cc.Stop()
	return mem, took
}

// crCacheRun does the same with controller-runtime's cache of
// unstructured ConfigMaps.
func crCacheRun(ctx context.Context, b *testing.B, raw *rest.Config, hc *http.Client, mapper meta.RESTMapper, ns string, n int) (float64, time.Duration) {
	var took time.Duration
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	var crc crcache.Cache
	mem := heapPerObject(n, func() any {
		var err error
		crc, err = crcache.New(raw, crcache.Options{HTTPClient: hc, Mapper: mapper,
			DefaultNamespaces: map[string]crcache.Config{ns: {}}})
		if err != nil {
			b.Fatal(err)
		}
		u := &unstructured.Unstructured{}
		u.SetAPIVersion("v1")
		u.SetKind("ConfigMap")
		start := time.Now()
		if _, err := crc.GetInformer(runCtx, u); err != nil {
			b.Fatal(err)
		}
		go func() {
			defer close(done)
			_ = crc.Start(runCtx)
		}()
		if !crc.WaitForCacheSync(runCtx) {
			b.Fatal("controller-runtime cache did not sync")
		}
		took = time.Since(start)
		return crc
	})
	list := &unstructured.UnstructuredList{}
	list.SetAPIVersion("v1")
	list.SetKind("ConfigMapList")
	if err := crc.List(ctx, list); err != nil || len(list.Items) != n {
		b.Fatalf("controller-runtime cache holds %d ConfigMaps (%v), want %d", len(list.Items), err, n)
	}
	cancel()
	<-done
	return mem, took
}

// dynamicInformerRun does the same with client-go's dynamic informer.
func dynamicInformerRun(b *testing.B, dyn dynamic.Interface, ns string, n int) (float64, time.Duration) {
	var took time.Duration
	var stop chan struct{}
	var shutdown func()
	mem := heapPerObject(n, func() any {
		start := time.Now()
		var inf cache.SharedIndexInformer
		inf, f, s := syncedInformer(b, dyn, ns, nil)
		took = time.Since(start)
		stop, shutdown = s, f.Shutdown
		if got := len(inf.GetStore().ListKeys()); got != n {
			b.Fatalf("dynamic informer holds %d ConfigMaps, want %d", got, n)
		}
		return inf
	})
	close(stop)
	shutdown()
	goruntime.GC()
	return mem, took
}
