package bench

import (
	"context"
	"fmt"
	"os"
	goruntime "runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// The BenchmarkScale... benchmarks (issue 21, "measured at scale") run
// only when scaleVariable is 1, as `make bench-scale` sets it: they create
// 100,000 objects, which `make bench-smoke`'s `-bench .` must not.
const (
	scaleVariable = "KOBJ_BENCH_SCALE"
	// scaleNVariable sets the number of ConfigMaps walked, read and
	// watched (100,000 without it); a small N is for developing.
	scaleNVariable = "KOBJ_BENCH_SCALE_N"
	// scaleApplyVariable sets the number of ConfigMaps ApplyAll applies
	// (5,000 without it).
	scaleApplyVariable = "KOBJ_BENCH_SCALE_APPLY"
	// scaleCRDsVariable sets the number of CRDs created (300 without it).
	scaleCRDsVariable = "KOBJ_BENCH_SCALE_CRDS"
	// scaleLoadMBVariable sets the size of the YAML file loaded (50 MB
	// without it).
	scaleLoadMBVariable = "KOBJ_BENCH_SCALE_LOAD_MB"
)

// scaleOnly skips b unless the scale benchmarks were asked for.
func scaleOnly(b *testing.B) {
	b.Helper()
	if os.Getenv(scaleVariable) != "1" {
		b.Skipf("a scale benchmark: set %s=1 (make bench-scale)", scaleVariable)
	}
}

// scaleInt returns the number the environment variable name holds, or def.
func scaleInt(b *testing.B, name string, def int) int {
	b.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive number", name, s)
	}
	return n
}

// scaleConfigMaps is the namespace holding the N ConfigMaps that the walk,
// read and watch benchmarks share, created once per run.
type scaleConfigMaps struct {
	ns      string
	n       int
	created time.Duration // wall time of the creation
	writers int
}

var (
	scaleOnce sync.Once
	scaleSet  scaleConfigMaps
)

// scaleWriters is the number of concurrent writers that create the N
// ConfigMaps.
const scaleWriters = 64

// scaleFixture returns the namespace of N ConfigMaps, creating them on
// the first call of the run with scaleWriters writers (the dynamic client,
// no client-side rate limit), and reports how long that took.
func scaleFixture(b *testing.B) scaleConfigMaps {
	b.Helper()
	n := scaleInt(b, scaleNVariable, 100000)
	scaleOnce.Do(func() {
		c, dyn := newClients(b)
		ns := namespace(b, c)
		res := dyn.Resource(configMaps).Namespace(ns)
		payload := strings.Repeat("x", 200)
		t := time.Now()
		fanOut(b, n, scaleWriters, func(i int) error {
			u := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "v1", "kind": "ConfigMap",
				"metadata": map[string]any{"name": fmt.Sprintf("cm-%06d", i), "labels": map[string]any{"app": "scale"}},
				"data":     map[string]any{"index": strconv.Itoa(i), "payload": payload},
			}}
			_, err := res.Create(context.Background(), u, metav1.CreateOptions{})
			return err
		})
		scaleSet = scaleConfigMaps{ns: ns, n: n, created: time.Since(t), writers: scaleWriters}
		fmt.Fprintf(os.Stderr, "scale: %d ConfigMaps created in %s by %d writers in %v (%.0f/s)\n",
			n, ns, scaleWriters, scaleSet.created.Round(time.Millisecond), float64(n)/scaleSet.created.Seconds())
	})
	if scaleSet.ns == "" {
		b.Fatal("creating the ConfigMaps failed earlier in this run")
	}
	b.ReportMetric(scaleSet.created.Seconds(), "create-all-s")
	b.ReportMetric(float64(scaleSet.n), "objects")
	return scaleSet
}

// heapObjects is the runtime metric of heap memory held by objects, live
// or not yet swept: reading it does not stop the world, as ReadMemStats
// does.
const heapObjects = "/memory/classes/heap/objects:bytes"

// heapSampler samples the heap every millisecond while f runs and returns
// the highest heap seen above the heap after a GC before f: an upper bound
// of what f held at once, garbage not yet collected included, so the GC's
// pacing (GOGC) counts in it alike for both sides of a comparison.
func heapSampler(f func()) uint64 {
	goruntime.GC()
	sample := []metrics.Sample{{Name: heapObjects}}
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	peak := base
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		s := []metrics.Sample{{Name: heapObjects}}
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak {
				peak = v
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(done)
	<-sampled
	return peak - base
}

// mb is bytes in megabytes, for metrics.
func mb(n uint64) float64 { return float64(n) / 1e6 }

// ratio is a ÷ b, 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// cpuTimes is the CPU time used so far by this process (the clients) and
// by the control plane's processes, which envtest starts as its children.
type cpuTimes struct {
	client, apiserver, etcd time.Duration
}

// readCPU reads the CPU time (user and system) of this process and of its
// children named kube-apiserver and etcd, from /proc; the control plane's
// are zero where /proc cannot be read.
func readCPU() cpuTimes {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	t := cpuTimes{client: time.Duration(ru.Utime.Nano() + ru.Stime.Nano())}
	entries, _ := os.ReadDir("/proc")
	self := os.Getpid()
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ... utime stime: fields 14 and 15.
		s := string(data)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		comm, fields := s[open+1:end], strings.Fields(s[end+1:])
		if len(fields) < 13 {
			continue
		}
		if ppid, _ := strconv.Atoi(fields[1]); ppid != self {
			continue
		}
		utime, _ := strconv.ParseInt(fields[11], 10, 64)
		stime, _ := strconv.ParseInt(fields[12], 10, 64)
		d := time.Duration(utime+stime) * time.Second / clockTicks
		switch comm {
		case "kube-apiserver":
			t.apiserver += d
		case "etcd":
			t.etcd += d
		}
	}
	return t
}

// clockTicks is the unit of /proc's CPU times (USER_HZ), 100 on Linux.
const clockTicks = 100

func (t cpuTimes) sub(u cpuTimes) cpuTimes {
	return cpuTimes{t.client - u.client, t.apiserver - u.apiserver, t.etcd - u.etcd}
}

func (t cpuTimes) add(u cpuTimes) cpuTimes {
	return cpuTimes{t.client + u.client, t.apiserver + u.apiserver, t.etcd + u.etcd}
}

// reportCPU reports a side's CPU seconds per iteration: this process's
// (the side's client, with the benchmark's own work), the apiserver's and
// etcd's.
func reportCPU(b *testing.B, side string, t cpuTimes) {
	per := func(d time.Duration) float64 { return d.Seconds() / float64(b.N) }
	b.ReportMetric(per(t.client), side+"-client-cpu-s")
	b.ReportMetric(per(t.apiserver), side+"-apiserver-cpu-s")
	b.ReportMetric(per(t.etcd), side+"-etcd-cpu-s")
}
