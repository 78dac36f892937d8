package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
)

// applyChildVariable makes the test binary a child process that applies
// one file with kobj and exits (see init below), so that kobj's side of
// BenchmarkScaleApplyAll is a new process as kubectl's is, and the peak
// resident memory of the two processes compares. Its value is four lines:
// kubeconfig, file, cache folder, and the action every change must report
// ("Created" or "Unchanged"); or "noop", a process that only starts.
const applyChildVariable = "KOBJ_BENCH_SCALE_APPLY_CHILD"

func init() {
	if spec := os.Getenv(applyChildVariable); spec != "" {
		// Before TestMain, which would start a control plane.
		if err := applyChild(spec); err != nil {
			fmt.Fprintln(os.Stderr, "apply child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
}

// applyChild loads the file spec names and applies it with one ApplyAll,
// as kobjApplier does; it prints the peak heap it saw (heapSampler) on
// stdout.
func applyChild(spec string) error {
	if spec == "noop" {
		return nil
	}
	parts := strings.Split(spec, "\n")
	if len(parts) != 4 {
		return fmt.Errorf("%s: want 4 lines, got %q", applyChildVariable, spec)
	}
	kubeconfig, file, cacheDir, want := parts[0], parts[1], parts[2], kobj.ChangeAction(parts[3])
	var err error
	peak := heapSampler(func() {
		var c *kobj.Client
		if c, err = kobj.NewClientFromKubeconfig(kubeconfig, "", kobj.CacheDir(cacheDir)); err != nil {
			return
		}
		var objs []*kobj.Object
		if objs, err = kobj.LoadFile(file); err != nil {
			return
		}
		var cs *kobj.ChangeSet
		if cs, err = c.ApplyAll(context.Background(), objs, kobj.FieldValidation("Strict")); err != nil {
			return
		}
		if len(cs.Changes) != len(objs) {
			err = fmt.Errorf("%d changes for %d objects", len(cs.Changes), len(objs))
			return
		}
		for _, ch := range cs.Changes {
			if ch.Action != want {
				err = fmt.Errorf("%s: %s, want %s", ch.Object, ch.Action, want)
				return
			}
		}
	})
	if err != nil {
		return err
	}
	fmt.Printf("peak-heap %d\n", peak)
	return nil
}

// writeApplySet writes a file of one Namespace and n ConfigMaps in it,
// and returns its path and the number of objects.
func writeApplySet(b *testing.B, ns string, n int) (string, int) {
	b.Helper()
	path := filepath.Join(b.TempDir(), ns+".yaml")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	// The label makes the apply own a field: a bare Namespace's apply
	// records no managedFields, and the next apply would write.
	fmt.Fprintf(w, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n  labels: {set: scale}\n", ns)
	for i := range n {
		fmt.Fprintf(w, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%05d\n  namespace: %s\n  labels: {app: scale}\ndata:\n  index: \"%d\"\n  greeting: hello\n", i, ns, i)
	}
	if err := errors.Join(w.Flush(), f.Close()); err != nil {
		b.Fatal(err)
	}
	return path, n + 1
}

// processRun is what one process of a side cost.
type processRun struct {
	d       time.Duration
	maxRSS  int64 // bytes
	peak    int64 // kobj only: the heap the child saw, bytes
	traffic traffic
	cpu     time.Duration // the process's CPU time, user and system
	server  time.Duration // the apiserver's and etcd's CPU time meanwhile
}

// runProcess runs cmd, and returns its wall time and peak resident memory.
func runProcess(cmd *exec.Cmd) (processRun, []byte, error) {
	t := time.Now()
	out, err := cmd.CombinedOutput()
	r := processRun{d: time.Since(t)}
	if err != nil {
		return r, out, fmt.Errorf("%s: %w\n%s", cmd.Path, err, out)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.maxRSS = ru.Maxrss * 1024 // kilobytes on Linux
		r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return r, out, nil
}

// BenchmarkScaleApplyAll applies a file of one Namespace and 5,000
// ConfigMaps, then re-applies it unchanged, with kobj's ApplyAll in a new
// process (this test binary, see applyChild) and with `kubectl apply
// --server-side -f file` (kubectl's one command: the file's objects are
// all of built-in kinds), both through the counting proxy, alternating
// which side goes first. The first apply starts from an empty cache
// folder, the re-apply uses the folder the first filled. It reports per
// side and case: milliseconds, requests, writes and the process's peak
// resident memory, and for kobj the peak heap it saw; and the ratios
// kobj ÷ kubectl. A process that only starts is measured too, for each
// side's resident memory before any work.
func BenchmarkScaleApplyAll(b *testing.B) {
	scaleOnly(b)
	n := scaleInt(b, scaleApplyVariable, 5000)
	bin := kubectlPath(b)
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	p := newCountingProxy(b)
	kubeconfig := p.writeKubeconfig(b, b.TempDir())
	kobjRun := func(file, cacheDir string, want kobj.ChangeAction) (processRun, error) {
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), applyChildVariable+"="+strings.Join([]string{kubeconfig, file, cacheDir, string(want)}, "\n"))
		r, out, err := runProcess(cmd)
		if err != nil {
			return r, err
		}
		for _, line := range strings.Split(string(out), "\n") {
			if v, ok := strings.CutPrefix(line, "peak-heap "); ok {
				r.peak, _ = strconv.ParseInt(v, 10, 64)
			}
		}
		return r, nil
	}
	kubectlRun := func(file, cacheDir string, objects int) (processRun, error) {
		r, out, err := runProcess(exec.Command(bin, "--kubeconfig", kubeconfig, "--cache-dir", cacheDir, "apply", "--server-side", "-f", file))
		if err != nil {
			return r, err
		}
		if got := strings.Count(string(out), " serverside-applied\n"); got != objects {
			return r, fmt.Errorf("kubectl applied %d objects, want %d", got, objects)
		}
		return r, nil
	}
	// Resident memory of a process that does nothing: the test binary,
	// and kubectl printing its version.
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), applyChildVariable+"=noop")
	kIdle, _, err := runProcess(cmd)
	if err != nil {
		b.Fatal(err)
	}
	gIdle, _, err := runProcess(exec.Command(bin, "version", "--client"))
	if err != nil {
		b.Fatal(err)
	}

	const first, reapply = 0, 1
	var runs [2][2]processRun // [side][case]
	add := func(side, c int, r processRun) {
		s := &runs[side][c]
		s.d += r.d
		s.maxRSS = max(s.maxRSS, r.maxRSS)
		s.peak = max(s.peak, r.peak)
		s.traffic.requests += r.traffic.requests
		s.traffic.writes += r.traffic.writes
		s.traffic.discovery += r.traffic.discovery
		s.cpu += r.cpu
		s.server += r.server
	}
	iteration := 0
	stamp := time.Now().UnixNano() % 1e6
	for b.Loop() {
		iteration++
		type sideSet struct {
			file, cache string
			objects     int
		}
		var sets [2]sideSet
		for side, name := range []string{"kobj", "kubectl"} {
			file, objects := writeApplySet(b, fmt.Sprintf("scale-apply-%d-%s-%d", stamp, name, iteration), n)
			sets[side] = sideSet{file, b.TempDir(), objects}
		}
		for _, c := range []int{first, reapply} {
			for k := range 2 {
				side := (k + iteration) % 2
				s := sets[side]
				p.take()
				before := readCPU()
				var r processRun
				var err error
				if side == 0 {
					want := kobj.Created
					if c == reapply {
						want = kobj.Unchanged
					}
					r, err = kobjRun(s.file, s.cache, want)
				} else {
					r, err = kubectlRun(s.file, s.cache, s.objects)
				}
				if err != nil {
					b.Fatal(err)
				}
				r.traffic = p.take()
				server := readCPU().sub(before)
				r.server = server.apiserver + server.etcd
				add(side, c, r)
			}
		}
	}
	per := func(v int) float64 { return float64(v) / float64(b.N) }
	for c, cname := range []string{"first", "reapply"} {
		for side, sname := range []string{"kobj", "kubectl"} {
			r := runs[side][c]
			b.ReportMetric(r.d.Seconds()*1000/float64(b.N), sname+"-"+cname+"-ms")
			b.ReportMetric(per(r.traffic.requests), sname+"-"+cname+"-requests")
			b.ReportMetric(per(r.traffic.writes), sname+"-"+cname+"-writes")
			b.ReportMetric(mb(uint64(r.maxRSS)), sname+"-"+cname+"-maxrss-MB")
			b.ReportMetric(r.cpu.Seconds()/float64(b.N), sname+"-"+cname+"-cpu-s")
			b.ReportMetric(r.server.Seconds()/float64(b.N), sname+"-"+cname+"-server-cpu-s")
		}
		b.ReportMetric(mb(uint64(runs[0][c].peak)), "kobj-"+cname+"-peak-heap-MB")
		k, g := runs[0][c], runs[1][c]
		b.ReportMetric(ratio(k.d.Seconds(), g.d.Seconds()), cname+"-time-ratio")
		b.ReportMetric(ratio(float64(k.maxRSS), float64(g.maxRSS)), cname+"-maxrss-ratio")
		record(row{fmt.Sprintf("apply %d objects, %s: ms / requests / writes / peak RSS MB", n+1, cname),
			fmt.Sprintf("%.0f / %.0f / %.0f / %.0f (ApplyAll, heap peak %.0f)", k.d.Seconds()*1000/float64(b.N), per(k.traffic.requests), per(k.traffic.writes), mb(uint64(k.maxRSS)), mb(uint64(k.peak))),
			fmt.Sprintf("%.0f / %.0f / %.0f / %.0f (kubectl apply --server-side)", g.d.Seconds()*1000/float64(b.N), per(g.traffic.requests), per(g.traffic.writes), mb(uint64(g.maxRSS))),
			fmt.Sprintf("%.2f / %.2f (time / RSS)", ratio(k.d.Seconds(), g.d.Seconds()), ratio(float64(k.maxRSS), float64(g.maxRSS))), "time ≤ 0.5; 0 writes re-applying"})
	}
	b.ReportMetric(mb(uint64(kIdle.maxRSS)), "kobj-idle-maxrss-MB")
	b.ReportMetric(mb(uint64(gIdle.maxRSS)), "kubectl-idle-maxrss-MB")
}
