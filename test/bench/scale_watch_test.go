package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"
)

// BenchmarkScaleWatch starts a watch of the N ConfigMaps of the scale
// fixture and waits until it has the whole initial state: kobj's Watch of
// ConfigMapList until its Synced event (the Initial events read into
// nothing, as BenchmarkWatchMemoryPerObject does) against a dynamic
// informer until WaitForCacheSync, alternating which goes first. It
// reports the time to synced, the peak heap on the way there and the live
// heap per object once synced (after a GC), with the ratios kobj ÷
// informer.
func BenchmarkScaleWatch(b *testing.B) {
	scaleOnly(b)
	fx := scaleFixture(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	// Each side's client counts its requests and the bytes it received.
	kcfg, kcount := countedConfig()
	c, err := kobj.NewClient(kcfg, kobj.CacheDir(b.TempDir()))
	if err != nil {
		b.Fatal(err)
	}
	icfg, icount := countedConfig()
	icfg.QPS, icfg.Burst = -1, 0
	dyn, err := dynamic.NewForConfig(icfg)
	if err != nil {
		b.Fatal(err)
	}
	warmScale(ctx, b, c, dyn, fx.ns)
	kcount.requests.Store(0)
	kcount.bytes.Store(0)
	icount.requests.Store(0)
	icount.bytes.Store(0)
	var kLive, iLive float64
	watchKobj := func() (time.Duration, uint64) {
		var d time.Duration
		var w *kobj.Watcher
		drained := make(chan struct{})
		peak := heapSampler(func() {
			kLive = heapPerObject(fx.n, func() any {
				t := time.Now()
				w = syncedWatch(ctx, b, c, fx.ns)
				d = time.Since(t)
				go func() {
					defer close(drained)
					for range w.Events() {
					}
				}()
				return w
			})
		})
		w.Stop()
		<-drained
		return d, peak
	}
	watchInformer := func() (time.Duration, uint64) {
		var d time.Duration
		var f dynamicinformer.DynamicSharedInformerFactory
		var stop chan struct{}
		var inf cache.SharedIndexInformer
		peak := heapSampler(func() {
			iLive = heapPerObject(fx.n, func() any {
				t := time.Now()
				inf, f, stop = syncedInformer(b, dyn, fx.ns, nil)
				d = time.Since(t)
				return inf
			})
		})
		if got := len(inf.GetStore().ListKeys()); got != fx.n {
			b.Fatalf("the informer's store holds %d objects, want %d", got, fx.n)
		}
		close(stop)
		f.Shutdown()
		return d, peak
	}
	var k, i scaleSide
	iteration := 0
	for b.Loop() {
		if iteration++; iteration%2 == 1 {
			k.run("kobj", watchKobj)
			i.run("informer", watchInformer)
		} else {
			i.run("informer", watchInformer)
			k.run("kobj", watchKobj)
		}
	}
	reportScaleSides(b, fx.n, k, i, "informer")
	b.ReportMetric(float64(kcount.requests.Load())/float64(b.N), "kobj-requests")
	b.ReportMetric(float64(icount.requests.Load())/float64(b.N), "informer-requests")
	b.ReportMetric(float64(kcount.bytes.Load())/1e6/float64(b.N), "kobj-received-MB")
	b.ReportMetric(float64(icount.bytes.Load())/1e6/float64(b.N), "informer-received-MB")
	b.ReportMetric(kLive, "kobj-live-B/obj")
	b.ReportMetric(iLive, "informer-live-B/obj")
	b.ReportMetric(ratio(kLive, iLive), "live-ratio")
	record(row{fmt.Sprintf("watch of %d ConfigMaps to synced: s / live B per object / peak heap MB", fx.n),
		fmt.Sprintf("%.2f / %.0f / %.0f (Watch)", k.d.Seconds()/float64(b.N), kLive, mb(k.peak)),
		fmt.Sprintf("%.2f / %.0f / %.0f (dynamic informer)", i.d.Seconds()/float64(b.N), iLive, mb(i.peak)),
		fmt.Sprintf("%.2f / %.2f / %.2f", ratio(k.d.Seconds(), i.d.Seconds()), ratio(kLive, iLive), ratio(float64(k.peak), float64(i.peak))), "≤ 1.2 memory"})
}
