package bench

import (
	"context"
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
)

// callMeter adds up, side by side, what the calls of several clients cost
// this process within one benchmark iteration: allocations and bytes
// (runtime.MemStats), CPU time (getrusage: the kube-apiserver is another
// process, so this is the client's CPU, its HTTP and GC work included)
// and wall time (the server's included).
type callMeter struct {
	names         []string
	allocs, bytes []uint64
	cpu, wall     []time.Duration
	ms            runtime.MemStats
}

func newCallMeter(names ...string) *callMeter {
	n := len(names)
	return &callMeter{names: names, allocs: make([]uint64, n), bytes: make([]uint64, n),
		cpu: make([]time.Duration, n), wall: make([]time.Duration, n)}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs fn as side i and adds its cost.
func (m *callMeter) measure(b *testing.B, i int, fn func() error) {
	runtime.ReadMemStats(&m.ms)
	allocs, bytes := m.ms.Mallocs, m.ms.TotalAlloc
	cpu, t := cpuTime(), time.Now()
	err := fn()
	m.wall[i] += time.Since(t)
	m.cpu[i] += cpuTime() - cpu
	runtime.ReadMemStats(&m.ms)
	m.allocs[i] += m.ms.Mallocs - allocs
	m.bytes[i] += m.ms.TotalAlloc - bytes
	if err != nil {
		b.Fatalf("%s: %v", m.names[i], err)
	}
}

// report gives each side's figures per call, and side 0's allocation and
// CPU ratios to each other side; the allocation ratios go to the table.
func (m *callMeter) report(b *testing.B, verb string) {
	n := float64(b.N)
	for i, name := range m.names {
		b.ReportMetric(float64(m.allocs[i])/n, name+"-allocs/op")
		b.ReportMetric(float64(m.bytes[i])/n, name+"-B/op")
		b.ReportMetric(float64(m.cpu[i].Nanoseconds())/n, name+"-cpu-ns/op")
		b.ReportMetric(float64(m.wall[i].Nanoseconds())/n, name+"-ns/op")
		if i == 0 {
			continue
		}
		ratio := float64(m.allocs[0]) / float64(m.allocs[i])
		b.ReportMetric(ratio, "allocs-ratio-"+name)
		b.ReportMetric(float64(m.cpu[0])/float64(m.cpu[i]), "cpu-ratio-"+name)
		what := fmt.Sprintf("allocations per %s call of a ConfigMap", verb)
		if len(m.names) > 2 {
			what += ", against " + name
		}
		record(row{what, fmt.Sprintf("%.0f", float64(m.allocs[0])/n),
			fmt.Sprintf("%.0f (%s)", float64(m.allocs[i])/n, name), fmt.Sprintf("%.2f", ratio), "≤ 1.0"})
	}
}

// BenchmarkCRUDCallCost weighs one call of each CRUD verb, kobj against
// the dynamic client, alternating within each iteration: allocations,
// bytes, client CPU and wall time per call. Update is weighed against
// both ways the dynamic client updates: a whole PUT of the object it got
// back (Update) and a merge patch written by hand (Patch); kobj computes
// its merge patch against the object as last served.
//
//	cd test && KUBEBUILDER_ASSETS=... go test -run '^$' -bench CRUDCallCost -benchtime=300x -count=3 ./bench/
func BenchmarkCRUDCallCost(b *testing.B) {
	ctx := context.Background()
	c, dyn := newClients(b)
	ns := namespace(b, c)
	res := dyn.Resource(configMaps).Namespace(ns)
	// Warm both: kobj's discovery, and both connections.
	if _, err := kobj.New("v1", "ConfigMapList").Read(ctx, kobj.WithClient(c), kobj.InNamespace(ns)); err != nil {
		b.Fatal(err)
	}
	if _, err := res.List(ctx, metav1.ListOptions{}); err != nil {
		b.Fatal(err)
	}
	seq := 0
	name := func(prefix string) string { seq++; return fmt.Sprintf("%s-%d", prefix, seq) }
	create := func(b *testing.B) (*kobj.Object, *unstructured.Unstructured) {
		o, err := configMap(ns, name("k")).SetClient(c).Create(ctx)
		if err != nil {
			b.Fatal(err)
		}
		u, err := res.Create(ctx, configMap(ns, name("r")).Unstructured(), metav1.CreateOptions{})
		if err != nil {
			b.Fatal(err)
		}
		return o, u
	}

	b.Run("Create", func(b *testing.B) {
		m := newCallMeter("kobj", "dynamic")
		for b.Loop() {
			o, u := configMap(ns, name("k")).SetClient(c), configMap(ns, name("r")).Unstructured()
			m.measure(b, 0, func() error { _, err := o.Create(ctx); return err })
			m.measure(b, 1, func() error { _, err := res.Create(ctx, u, metav1.CreateOptions{}); return err })
		}
		m.report(b, "create")
	})
	b.Run("Get", func(b *testing.B) {
		o, u := create(b)
		m := newCallMeter("kobj", "dynamic")
		for b.Loop() {
			m.measure(b, 0, func() error { _, err := o.Read(ctx); return err })
			m.measure(b, 1, func() error { _, err := res.Get(ctx, u.GetName(), metav1.GetOptions{}); return err })
		}
		m.report(b, "get")
	})
	b.Run("List10", func(b *testing.B) {
		lns := namespace(b, c)
		lres := dyn.Resource(configMaps).Namespace(lns)
		for i := range 10 {
			if _, err := configMap(lns, fmt.Sprint("cm-", i)).Create(ctx, kobj.WithClient(c)); err != nil {
				b.Fatal(err)
			}
		}
		m := newCallMeter("kobj", "dynamic")
		for b.Loop() {
			l := kobj.New("v1", "ConfigMapList").SetClient(c)
			m.measure(b, 0, func() error { _, err := l.Read(ctx, kobj.InNamespace(lns)); return err })
			m.measure(b, 1, func() error { _, err := lres.List(ctx, metav1.ListOptions{}); return err })
		}
		m.report(b, "list (10 items)")
	})
	b.Run("Update", func(b *testing.B) {
		o, u := create(b)
		_, p := create(b)
		m := newCallMeter("kobj", "dynamic-put", "dynamic-patch")
		i := 0
		for b.Loop() {
			i++
			step := fmt.Sprint("s", i)
			o.SetLabel("step", step)
			m.measure(b, 0, func() error { _, err := o.Update(ctx); return err })
			u.SetLabels(map[string]string{"step": step})
			m.measure(b, 1, func() (err error) { u, err = res.Update(ctx, u, metav1.UpdateOptions{}); return err })
			patch := fmt.Appendf(nil, `{"metadata":{"labels":{"step":%q},"resourceVersion":%q}}`, step, p.GetResourceVersion())
			m.measure(b, 2, func() (err error) {
				p, err = res.Patch(ctx, p.GetName(), types.MergePatchType, patch, metav1.PatchOptions{})
				return err
			})
		}
		m.report(b, "update")
	})
	b.Run("Delete", func(b *testing.B) {
		m := newCallMeter("kobj", "dynamic")
		for b.Loop() {
			o, u := create(b)
			m.measure(b, 0, func() error { _, err := o.Delete(ctx); return err })
			m.measure(b, 1, func() error { return res.Delete(ctx, u.GetName(), metav1.DeleteOptions{}) })
		}
		m.report(b, "delete")
	})
}
