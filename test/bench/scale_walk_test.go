package bench

import (
	"context"
	"fmt"
	goruntime "runtime"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/pager"
)

// scalePage is the page size of every paged walk and read here: client-go's
// pager's default, and Each's.
const scalePage = 500

// dynamicPager is client-go's pager over the dynamic client's list of ns's
// ConfigMaps, in pages of scalePage (PageBufferSize left at its default:
// up to 10 pages fetched ahead while the caller walks).
func dynamicPager(ctx context.Context, dyn dynamic.Interface, ns string) *pager.ListPager {
	res := dyn.Resource(configMaps).Namespace(ns)
	p := pager.New(pager.SimplePageFunc(func(opts metav1.ListOptions) (runtime.Object, error) {
		return res.List(ctx, opts)
	}))
	p.PageSize = scalePage
	return p
}

// scaleSide is one side's figures over the iterations.
type scaleSide struct {
	d    time.Duration
	peak uint64 // the highest of the iterations
	cpu  cpuTimes
}

// run runs one side, name,'s measurement, f, and adds its figures and the CPU
// time the clients and the control plane used meanwhile.
// Its goroutines, and those it starts, carry the profiler label side=name,
// so that a CPU profile of the run (-cpuprofile) tells the sides apart
// (go tool pprof -tagfocus side=kobj).
func (s *scaleSide) run(name string, f func() (time.Duration, uint64)) {
	before := readCPU()
	var d time.Duration
	var peak uint64
	pprof.Do(context.Background(), pprof.Labels("side", name), func(context.Context) { d, peak = f() })
	s.cpu = s.cpu.add(readCPU().sub(before))
	s.add(d, peak)
}

func (s *scaleSide) add(d time.Duration, peak uint64) {
	s.d += d
	s.peak = max(s.peak, peak)
}

// BenchmarkScaleWalk walks the N ConfigMaps of the scale fixture once per
// side and iteration, reading each item's name: kobj's Object.Each against
// client-go's tools/pager EachListItem over the dynamic client, both in
// pages of 500, alternating which goes first. It reports each side's time
// and peak heap above the heap before the walk (heapSampler), and the
// ratios kobj ÷ client-go.
func BenchmarkScaleWalk(b *testing.B) {
	scaleOnly(b)
	fx := scaleFixture(b)
	ctx := context.Background()
	c, dyn := newClients(b)
	warmScale(ctx, b, c, dyn, fx.ns)
	walkKobj := func() (time.Duration, uint64) {
		var d time.Duration
		n := 0
		peak := heapSampler(func() {
			t := time.Now()
			for item, err := range kobj.New("v1", "ConfigMapList").Each(ctx, kobj.WithClient(c), kobj.InNamespace(fx.ns), kobj.Limit(scalePage)) {
				if err != nil {
					b.Fatal(err)
				}
				if item.Name() != "" {
					n++
				}
			}
			d = time.Since(t)
		})
		if n != fx.n {
			b.Fatalf("Each yielded %d items, want %d", n, fx.n)
		}
		return d, peak
	}
	walkPager := func() (time.Duration, uint64) {
		var d time.Duration
		n := 0
		peak := heapSampler(func() {
			t := time.Now()
			err := dynamicPager(ctx, dyn, fx.ns).EachListItem(ctx, metav1.ListOptions{}, func(obj runtime.Object) error {
				if obj.(*unstructured.Unstructured).GetName() != "" {
					n++
				}
				return nil
			})
			d = time.Since(t)
			if err != nil {
				b.Fatal(err)
			}
		})
		if n != fx.n {
			b.Fatalf("the pager yielded %d items, want %d", n, fx.n)
		}
		return d, peak
	}
	var k, g scaleSide
	iteration := 0
	for b.Loop() {
		if iteration++; iteration%2 == 1 {
			k.run("kobj", walkKobj)
			g.run("pager", walkPager)
		} else {
			g.run("pager", walkPager)
			k.run("kobj", walkKobj)
		}
	}
	reportScaleSides(b, fx.n, k, g, "pager")
	record(row{fmt.Sprintf("walk %d ConfigMaps in pages of 500: s / peak heap MB", fx.n),
		fmt.Sprintf("%.2f / %.1f (Each)", k.d.Seconds()/float64(b.N), mb(k.peak)),
		fmt.Sprintf("%.2f / %.1f (tools/pager EachListItem, dynamic)", g.d.Seconds()/float64(b.N), mb(g.peak)),
		fmt.Sprintf("%.2f / %.2f", ratio(k.d.Seconds(), g.d.Seconds()), ratio(float64(k.peak), float64(g.peak))), "time ≤ 1.0, heap a few pages"})
}

// BenchmarkScaleRead reads the list of the N ConfigMaps whole, in pages of
// 500: kobj's Read of ConfigMapList with Limit(500) against the dynamic
// client's pages appended into one UnstructuredList (pagedList), alternating
// which goes first. It reports time, peak heap and the heap the result
// keeps per object (after a GC), and the ratios kobj ÷ client-go.
func BenchmarkScaleRead(b *testing.B) {
	scaleOnly(b)
	fx := scaleFixture(b)
	ctx := context.Background()
	c, dyn := newClients(b)
	warmScale(ctx, b, c, dyn, fx.ns)
	var kKeep, gKeep float64
	readKobj := func() (time.Duration, uint64) {
		var d time.Duration
		var l *kobj.Object
		peak := heapSampler(func() {
			kKeep = heapPerObject(fx.n, func() any {
				t := time.Now()
				l = kobj.New("v1", "ConfigMapList")
				if _, err := l.Read(ctx, kobj.WithClient(c), kobj.InNamespace(fx.ns), kobj.Limit(scalePage)); err != nil {
					b.Fatal(err)
				}
				d = time.Since(t)
				return l
			})
		})
		if got := len(l.Items()); got != fx.n {
			b.Fatalf("Read: %d items, want %d", got, fx.n)
		}
		return d, peak
	}
	readPager := func() (time.Duration, uint64) {
		var d time.Duration
		var l *unstructured.UnstructuredList
		peak := heapSampler(func() {
			gKeep = heapPerObject(fx.n, func() any {
				t := time.Now()
				var err error
				if l, err = pagedList(ctx, dyn, fx.ns); err != nil {
					b.Fatal(err)
				}
				d = time.Since(t)
				return l
			})
		})
		if got := len(l.Items); got != fx.n {
			b.Fatalf("pager List: %d items, want %d", got, fx.n)
		}
		return d, peak
	}
	var k, g scaleSide
	iteration := 0
	for b.Loop() {
		if iteration++; iteration%2 == 1 {
			k.run("kobj", readKobj)
			g.run("dynamic", readPager)
		} else {
			g.run("dynamic", readPager)
			k.run("kobj", readKobj)
		}
	}
	reportScaleSides(b, fx.n, k, g, "dynamic")
	b.ReportMetric(kKeep, "kobj-kept-B/obj")
	b.ReportMetric(gKeep, "dynamic-kept-B/obj")
	b.ReportMetric(ratio(kKeep, gKeep), "kept-ratio")
	record(row{fmt.Sprintf("read the list of %d ConfigMaps in pages of 500: s / kept B per object / peak heap MB", fx.n),
		fmt.Sprintf("%.2f / %.0f / %.0f (Read)", k.d.Seconds()/float64(b.N), kKeep, mb(k.peak)),
		fmt.Sprintf("%.2f / %.0f / %.0f (dynamic paged list, UnstructuredList)", g.d.Seconds()/float64(b.N), gKeep, mb(g.peak)),
		fmt.Sprintf("%.2f / %.2f / %.2f", ratio(k.d.Seconds(), g.d.Seconds()), ratio(kKeep, gKeep), ratio(float64(k.peak), float64(g.peak))), "≤ 1.5 memory"})
}

// pagedList reads ns's ConfigMaps with the dynamic client in pages of
// scalePage, appending each page's items to the first page's
// UnstructuredList. (client-go's pager.List returns a metainternalversion
// List of runtime.Objects once there is more than one page.)
func pagedList(ctx context.Context, dyn dynamic.Interface, ns string) (*unstructured.UnstructuredList, error) {
	res := dyn.Resource(configMaps).Namespace(ns)
	opts := metav1.ListOptions{Limit: scalePage}
	var all *unstructured.UnstructuredList
	for {
		page, err := res.List(ctx, opts)
		if err != nil {
			return nil, err
		}
		if all == nil {
			all = page
		} else {
			all.Items = append(all.Items, page.Items...)
		}
		if opts.Continue = page.GetContinue(); opts.Continue == "" {
			all.SetContinue("")
			return all, nil
		}
	}
}

// warmScale makes each side's first request (kobj's discovery, both
// connections) before anything is measured.
func warmScale(ctx context.Context, b *testing.B, c *kobj.Client, dyn dynamic.Interface, ns string) {
	b.Helper()
	// Each, not Read: Read with a Limit reads every page.
	for _, err := range kobj.New("v1", "ConfigMapList").Each(ctx, kobj.WithClient(c), kobj.InNamespace(ns), kobj.Limit(1)) {
		if err != nil {
			b.Fatal(err)
		}
		break
	}
	if _, err := dyn.Resource(configMaps).Namespace(ns).List(ctx, metav1.ListOptions{Limit: 1}); err != nil {
		b.Fatal(err)
	}
	goruntime.GC()
}

// reportScaleSides reports two sides' seconds and peak heap per iteration
// and their ratios.
func reportScaleSides(b *testing.B, n int, k, g scaleSide, peer string) {
	s := func(d time.Duration) float64 { return d.Seconds() / float64(b.N) }
	b.ReportMetric(s(k.d), "kobj-s")
	b.ReportMetric(s(g.d), peer+"-s")
	b.ReportMetric(ratio(s(k.d), s(g.d)), "time-ratio")
	b.ReportMetric(mb(k.peak), "kobj-peak-MB")
	b.ReportMetric(mb(g.peak), peer+"-peak-MB")
	b.ReportMetric(ratio(float64(k.peak), float64(g.peak)), "peak-ratio")
	b.ReportMetric(float64(n)/s(k.d), "kobj-objects/s")
	b.ReportMetric(float64(n)/s(g.d), peer+"-objects/s")
	reportCPU(b, "kobj", k.cpu)
	reportCPU(b, peer, g.cpu)
}
