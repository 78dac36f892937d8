package bench

import (
	"context"
	"fmt"
	"net/http"
	goruntime "runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/rest"
	crcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	crlog "sigs.k8s.io/controller-runtime/pkg/log"
)

// BenchmarkOperatorCache measures, on KOBJ_BENCH_OPERATOR_CACHE_N
// ConfigMaps (default 10,000; the full run also takes 50,000; each with the
// managedFields entry of its create), the live heap per cached object once
// synced and the time from start to synced: kobj/operator's Cache (JSON
// at rest; and with StripManagedFields), controller-runtime's cache of
// unstructured objects, and client-go's dynamic informer (maps at rest).
// Each side starts its informer on the same namespace in turn, with
// discovery already warm. KOBJ_BENCH_OPERATOR_CACHE_ROUNDS rounds
// (default 5).
func BenchmarkOperatorCache(b *testing.B) {
	const width = 64
	n := envInt(b, "KOBJ_BENCH_OPERATOR_CACHE_N", 10000)
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

	// Five rounds, each side once per round in a rotating order (the
	// machine is shared: one run of a side may be slowed by another
	// process); the figures are each side's median. Besides the wall time
	// to sync, the CPU time this process spent meanwhile: the client's
	// cost, which the apiserver and etcd (other processes) do not blur.
	rounds := envInt(b, "KOBJ_BENCH_OPERATOR_CACHE_ROUNDS", 5)
	runs := map[string][]syncRun{}
	for b.Loop() {
		sides := []struct {
			name string
			run  func() syncRun
		}{
			{"controller-runtime", func() syncRun { return crCacheRun(ctx, b, raw, hc, mapper, ns, n) }},
			{"kobj", func() syncRun { return kobjCacheRun(ctx, b, c, ns, n) }},
			{"dynamic informer", func() syncRun { return dynamicInformerRun(b, dyn, ns, n) }},
			{"kobj StripManagedFields", func() syncRun { return kobjCacheRun(ctx, b, c, ns, n, operator.StripManagedFields()) }},
		}
		for r := range rounds {
			for i := range sides {
				side := sides[(i+r)%len(sides)]
				runs[side.name] = append(runs[side.name], side.run())
			}
		}
	}
	k, s, cr, d := medians(runs["kobj"]), medians(runs["kobj StripManagedFields"]), medians(runs["controller-runtime"]), medians(runs["dynamic informer"])
	for name, rs := range runs {
		b.Logf("%s: %v", name, rs)
	}
	b.ReportMetric(k.mem, "kobj-B/obj")
	b.ReportMetric(s.mem, "kobj-strip-B/obj")
	b.ReportMetric(cr.mem, "controller-runtime-B/obj")
	b.ReportMetric(d.mem, "dynamic-informer-B/obj")
	b.ReportMetric(k.mem/cr.mem, "memory-ratio")
	b.ReportMetric(k.wall.Seconds(), "kobj-sync-s")
	b.ReportMetric(s.wall.Seconds(), "kobj-strip-sync-s")
	b.ReportMetric(cr.wall.Seconds(), "controller-runtime-sync-s")
	b.ReportMetric(d.wall.Seconds(), "dynamic-informer-sync-s")
	b.ReportMetric(k.wall.Seconds()/cr.wall.Seconds(), "sync-ratio")
	b.ReportMetric(k.cpu.Seconds()/cr.cpu.Seconds(), "sync-cpu-ratio")
	record(row{fmt.Sprintf("operator cache of %d ConfigMaps, live heap per object, bytes", n), fmt.Sprintf("%.0f (%.0f with StripManagedFields)", k.mem, s.mem),
		fmt.Sprintf("%.0f (controller-runtime unstructured cache); %.0f (dynamic informer)", cr.mem, d.mem), fmt.Sprintf("%.2f", k.mem/cr.mem), "≤ 0.5"})
	record(row{fmt.Sprintf("operator cache of %d ConfigMaps, time to first sync (median of %d)", n, rounds), fmt.Sprintf("%v (%v with StripManagedFields)", k.wall.Round(time.Millisecond), s.wall.Round(time.Millisecond)),
		fmt.Sprintf("%v (controller-runtime); %v (dynamic informer)", cr.wall.Round(time.Millisecond), d.wall.Round(time.Millisecond)), fmt.Sprintf("%.2f", k.wall.Seconds()/cr.wall.Seconds()), "≤ 1.0"})
	record(row{fmt.Sprintf("operator cache of %d ConfigMaps, client CPU to first sync (median of %d)", n, rounds), fmt.Sprintf("%v (%v with StripManagedFields)", k.cpu.Round(time.Millisecond), s.cpu.Round(time.Millisecond)),
		fmt.Sprintf("%v (controller-runtime); %v (dynamic informer)", cr.cpu.Round(time.Millisecond), d.cpu.Round(time.Millisecond)), fmt.Sprintf("%.2f", k.cpu.Seconds()/cr.cpu.Seconds()), "≤ 1.0"})
}

// syncRun is one side's figures for one sync: live heap per object once
// synced, wall time and this process's CPU time from start to synced.
type syncRun struct {
	mem       float64
	wall, cpu time.Duration
}

func (r syncRun) String() string {
	return fmt.Sprintf("{%.0f B/obj, %v, cpu %v}", r.mem, r.wall.Round(time.Millisecond), r.cpu.Round(time.Millisecond))
}

// medians returns the median of each figure of rs.
func medians(rs []syncRun) syncRun {
	var mem []float64
	var wall, cpu []time.Duration
	for _, r := range rs {
		mem, wall, cpu = append(mem, r.mem), append(wall, r.wall), append(cpu, r.cpu)
	}
	return syncRun{mem: median(mem), wall: median(wall), cpu: median(cpu)}
}

// stopwatch returns a function that returns the wall and CPU time (of
// this process: user and system) since stopwatch was called.
func stopwatch(b *testing.B) func() (wall, cpu time.Duration) {
	cpuNow := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start, cpu0 := time.Now(), cpuNow()
	return func() (time.Duration, time.Duration) { return time.Since(start), cpuNow() - cpu0 }
}

// kobjCacheRun starts a kobj/operator Cache of ns's ConfigMaps and returns
// its figures.
func kobjCacheRun(ctx context.Context, b *testing.B, c *kobj.Client, ns string, n int, opts ...operator.CacheOption) syncRun {
	var r syncRun
	var cc *operator.Cache
	r.mem = heapPerObject(n, func() any {
		var err error
		cc, err = operator.NewCache(c, append([]operator.CacheOption{operator.Namespaces(ns)}, opts...)...)
		if err != nil {
			b.Fatal(err)
		}
		stop := stopwatch(b)
		if _, err := cc.Get(ctx, "v1", "ConfigMap", ns, "cm-0"); err != nil {
			b.Fatal(err)
		}
		r.wall, r.cpu = stop()
		return cc
	})
	list, err := cc.List(ctx, "v1", "ConfigMapList", kobj.InNamespace(ns))
	if err != nil || len(list) != n {
		b.Fatalf("kobj cache holds %d ConfigMaps (%v), want %d", len(list), err, n)
	}
	cc.Stop()
	return r
}

// crCacheRun does the same with controller-runtime's cache of
// unstructured ConfigMaps.
func crCacheRun(ctx context.Context, b *testing.B, raw *rest.Config, hc *http.Client, mapper meta.RESTMapper, ns string, n int) syncRun {
	var r syncRun
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	var crc crcache.Cache
	r.mem = heapPerObject(n, func() any {
		var err error
		crc, err = crcache.New(raw, crcache.Options{HTTPClient: hc, Mapper: mapper,
			DefaultNamespaces: map[string]crcache.Config{ns: {}}})
		if err != nil {
			b.Fatal(err)
		}
		u := &unstructured.Unstructured{}
		u.SetAPIVersion("v1")
		u.SetKind("ConfigMap")
		stop := stopwatch(b)
		inf, err := crc.GetInformer(runCtx, u)
		if err != nil {
			b.Fatal(err)
		}
		go func() {
			defer close(done)
			_ = crc.Start(runCtx)
		}()
		// Not crc.WaitForCacheSync, which polls every 100 ms.
		waitSynced(b, inf.HasSynced)
		r.wall, r.cpu = stop()
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
	return r
}

// dynamicInformerRun does the same with client-go's dynamic informer.
func dynamicInformerRun(b *testing.B, dyn dynamic.Interface, ns string, n int) syncRun {
	var r syncRun
	var stop chan struct{}
	var shutdown func()
	r.mem = heapPerObject(n, func() any {
		watch := stopwatch(b)
		f := dynamicinformer.NewFilteredDynamicSharedInformerFactory(dyn, 0, ns, nil)
		inf := f.ForResource(configMaps).Informer()
		stop = make(chan struct{})
		f.Start(stop)
		// Not f.WaitForCacheSync, which polls every 100 ms.
		<-inf.HasSyncedChecker().Done()
		r.wall, r.cpu = watch()
		shutdown = f.Shutdown
		if got := len(inf.GetStore().ListKeys()); got != n {
			b.Fatalf("dynamic informer holds %d ConfigMaps, want %d", got, n)
		}
		return inf
	})
	close(stop)
	shutdown()
	return r
}

// waitSynced polls synced every millisecond until it is true, or fails
// after a minute.
func waitSynced(b *testing.B, synced func() bool) {
	for deadline := time.Now().Add(time.Minute); !synced(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatal("controller-runtime cache did not sync in a minute")
		}
	}
}

// median returns the median of vs (the upper one of an even count).
func median[T int64 | float64 | time.Duration](vs []T) T {
	s := slices.Clone(vs)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkOperatorCacheReadYourWrites measures what read-your-writes adds
// to a read after a write: 200 times, a ConfigMap is updated through kobj
// and the time from the update's answer until the cache's Get returns
// that resourceVersion is taken (the cache is polled). That is how long
// the bounded wait of a read after the operator's own write (the cache's
// expect, unexported, used by r.Apply and the status writes) lasts.
func BenchmarkOperatorCacheReadYourWrites(b *testing.B) {
	const writes = 200
	ctx := context.Background()
	c, _ := newClients(b)
	ns := namespace(b, c)
	if _, err := configMap(ns, "ryw").Create(ctx, kobj.WithClient(c)); err != nil {
		b.Fatal(err)
	}
	cc, err := operator.NewCache(c, operator.Namespaces(ns))
	if err != nil {
		b.Fatal(err)
	}
	defer cc.Stop()
	var lat []time.Duration
	for b.Loop() {
		lat = lat[:0]
		for i := range writes {
			o, err := cc.Get(ctx, "v1", "ConfigMap", ns, "ryw")
			if err != nil {
				b.Fatal(err)
			}
			if err := o.Set("data.count", fmt.Sprint(i)); err != nil {
				b.Fatal(err)
			}
			if _, err := o.Update(ctx); err != nil {
				b.Fatal(err)
			}
			written := o.ResourceVersion()
			start := time.Now()
			for {
				got, err := cc.Get(ctx, "v1", "ConfigMap", ns, "ryw")
				if err != nil {
					b.Fatal(err)
				}
				if got.ResourceVersion() == written {
					break
				}
				goruntime.Gosched()
			}
			lat = append(lat, time.Since(start))
		}
	}
	slices.Sort(lat)
	p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
	b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	record(row{"read-your-writes: write, then Get of the cache sees it, added latency p50 / p99", fmt.Sprintf("%v / %v", p50.Round(10*time.Microsecond), p99.Round(10*time.Microsecond)), "(a write-back copy: 0)", "", "report"})
}
