package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/test/internal/controlplane"
	"github.com/kobj-dev/kobj/test/internal/manifestset"
)

// kubectlVariable names the environment variable that may point at the
// kubectl binary to compare with; without it, the kubectl that
// hack/controlplane.sh builds next to kube-apiserver.
const kubectlVariable = "KOBJ_KUBECTL"

// kubectlPath returns the kubectl to compare with, or skips b when there
// is none.
func kubectlPath(b *testing.B) string {
	b.Helper()
	if p := os.Getenv(kubectlVariable); p != "" {
		return p
	}
	dir, err := controlplane.Binaries()
	if err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(dir, "kubectl")
	if _, err := os.Stat(p); err != nil {
		b.Skipf("no kubectl to compare with (%v): hack/controlplane.sh builds it, or set %s", err, kubectlVariable)
	}
	return p
}

var setSeq atomic.Int64

// writeSet writes a fresh 300-object set, never applied before, into a
// new temporary folder.
func writeSet(b *testing.B, side string) manifestset.Set {
	b.Helper()
	prefix := fmt.Sprintf("ab%d-%s-%d", time.Now().UnixNano()%1e6, side, setSeq.Add(1))
	s, err := manifestset.Write(b.TempDir(), prefix)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// loadSet loads every object of a set's folder, file by file in name
// order, as `kubectl apply -f dir/` reads them.
func loadSet(dir string) ([]*kobj.Object, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var objs []*kobj.Object
	for _, f := range files {
		more, err := kobj.LoadFile(f)
		if err != nil {
			return nil, err
		}
		objs = append(objs, more...)
	}
	return objs, nil
}

// setApplier is one tool applying a set's folder through the counting
// proxy, with the given cache folder, as a new process would. first says
// the set was never applied. It fails when the tool does, or when what it
// reports does not fit: kobj must report every object Created (first) or
// Unchanged, kubectl every object "serverside-applied" (it cannot tell
// which changed).
type setApplier func(ctx context.Context, set manifestset.Set, first bool, cacheDir string) error

// kobjApplier loads the set's files with a new kobj client and applies
// them with ApplyAll, in one call whatever the set holds.
func kobjApplier(p *countingProxy) setApplier {
	return func(ctx context.Context, set manifestset.Set, first bool, cacheDir string) error {
		c, err := kobj.NewClient(p.config(), kobj.CacheDir(cacheDir))
		if err != nil {
			return err
		}
		objs, err := loadSet(set.Dir)
		if err != nil {
			return err
		}
		cs, err := c.ApplyAll(ctx, objs, kobj.FieldValidation("Strict"))
		if err != nil {
			return err
		}
		want := kobj.Unchanged
		if first {
			want = kobj.Created
		}
		if len(cs.Changes) != manifestset.Objects {
			return fmt.Errorf("ApplyAll reported %d changes, want %d", len(cs.Changes), manifestset.Objects)
		}
		for _, ch := range cs.Changes {
			if ch.Action != want {
				return fmt.Errorf("%s: %s, want %s", ch.Object, ch.Action, want)
			}
		}
		return nil
	}
}

// kubectlApplier runs kubectl apply --server-side on the set's folder. A
// set never applied takes three commands, as kubectl's users run it: one
// `kubectl apply -f dir/` fails on the custom resources, because kubectl
// maps every object of the folder to a resource before applying the first,
// when the CRD does not exist yet. So: apply the CRD's file, wait for the
// CRD to be Established, apply the folder (the CRD again, unchanged).
func kubectlApplier(bin, kubeconfig string) setApplier {
	return func(ctx context.Context, set manifestset.Set, first bool, cacheDir string) error {
		run := func(args ...string) (string, error) {
			cmd := exec.CommandContext(ctx, bin, append([]string{"--kubeconfig", kubeconfig, "--cache-dir", cacheDir}, args...)...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				return "", fmt.Errorf("kubectl %s: %w\n%s", strings.Join(args, " "), err, out)
			}
			return string(out), nil
		}
		if first {
			if _, err := run("apply", "--server-side", "-f", set.CRDFile); err != nil {
				return err
			}
			if _, err := run("wait", "--for=condition=Established", "--timeout=60s", "customresourcedefinition/"+set.CRDName); err != nil {
				return err
			}
		}
		out, err := run("apply", "--server-side", "-f", set.Dir)
		if err != nil {
			return err
		}
		if n := strings.Count(out, " serverside-applied\n"); n != manifestset.Objects {
			return fmt.Errorf("kubectl applied %d objects, want %d:\n%s", n, manifestset.Objects, out)
		}
		return nil
	}
}

// sideRun accumulates one side's figures over the iterations.
type sideRun struct {
	d       time.Duration
	traffic traffic
}

func (s *sideRun) add(d time.Duration, t traffic) {
	s.d += d
	s.traffic.requests += t.requests
	s.traffic.writes += t.writes
	s.traffic.discovery += t.discovery
}

// BenchmarkApplyAllVsKubectl applies a set of 300 objects (a CRD, 3
// Namespaces, ConfigMaps, Services, Deployments and custom resources of
// the CRD; test/internal/manifestset) with kobj's ApplyAll and with
// `kubectl apply --server-side`, both reading the same kind of folder of
// YAML files and both going through one counting reverse proxy, alternating
// which goes first within each iteration. It reports each side's
// milliseconds, requests, writes (non-GET requests) and discovery/OpenAPI
// requests per run, and the time ratio kobj ÷ kubectl (ns/op is both
// sides' runs of an iteration together, set writing included).
//
// kobj's side is a new client (NewClient, loading the folder, ApplyAll),
// kubectl's new processes (three for a first apply, see kubectlApplier):
// each side's time is what a user of each waits for, process start and
// file reading included.
//
// first-apply: a fresh set per side and iteration, never applied before
// (unique CRD group and Namespaces; nothing is deleted, since Namespaces
// never finish deleting without a controller manager). reapply-unchanged:
// each side re-applies its own set, applied once before the
// sub-benchmarks. cold: an empty cache folder per run (kobj's CacheDir,
// kubectl's --cache-dir), so discovery is read from the server; warm: the
// folder each side's earlier runs filled (a first apply still reads the
// new CRD's group, which no cache holds).
func BenchmarkApplyAllVsKubectl(b *testing.B) {
	ctx := context.Background()
	bin := kubectlPath(b)
	p := newCountingProxy(b)
	sides := []struct {
		name    string
		apply   setApplier
		warmDir string
		base    manifestset.Set
	}{
		{name: "kobj", apply: kobjApplier(p), warmDir: b.TempDir()},
		{name: "kubectl", apply: kubectlApplier(bin, p.writeKubeconfig(b, b.TempDir())), warmDir: b.TempDir()},
	}
	// Each side's set to re-apply, applied once with its warm cache
	// folder, which this fills.
	for i := range sides {
		sides[i].base = writeSet(b, sides[i].name)
		if err := sides[i].apply(ctx, sides[i].base, true, sides[i].warmDir); err != nil {
			b.Fatalf("%s: %v", sides[i].name, err)
		}
	}
	p.take()
	cases := []struct {
		name        string
		first, warm bool
	}{
		{"first-apply/cold", true, false},
		{"first-apply/warm", true, true},
		{"reapply-unchanged/cold", false, false},
		{"reapply-unchanged/warm", false, true},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			var runs [2]sideRun
			iteration := 0
			for b.Loop() {
				for n := range sides {
					k := (n + iteration) % 2 // the side that goes first alternates
					s := sides[k]
					set := s.base
					if tc.first {
						set = writeSet(b, s.name)
					}
					cacheDir := s.warmDir
					if !tc.warm {
						cacheDir = b.TempDir()
					}
					p.take()
					t := time.Now()
					err := s.apply(ctx, set, tc.first, cacheDir)
					d := time.Since(t)
					if err != nil {
						b.Fatalf("%s: %v", s.name, err)
					}
					runs[k].add(d, p.take())
				}
				iteration++
			}
			per := func(v int) float64 { return float64(v) / float64(b.N) }
			for k, s := range sides {
				b.ReportMetric(runs[k].d.Seconds()*1000/float64(b.N), s.name+"-ms/op")
				b.ReportMetric(per(runs[k].traffic.requests), s.name+"-requests/op")
				b.ReportMetric(per(runs[k].traffic.writes), s.name+"-writes/op")
				b.ReportMetric(per(runs[k].traffic.discovery), s.name+"-discovery/op")
			}
			ratio := runs[0].d.Seconds() / runs[1].d.Seconds()
			b.ReportMetric(ratio, "time-ratio")
			figures := func(r sideRun) string {
				return fmt.Sprintf("%.0f / %.0f / %.0f", r.d.Seconds()*1000/float64(b.N), per(r.traffic.requests), per(r.traffic.writes))
			}
			what, target := "apply 300 objects, "+tc.name+": ms / requests / writes", "time ≤ 0.5"
			if !tc.first {
				target = "0 writes"
			}
			record(row{what, figures(runs[0]), figures(runs[1]) + " (kubectl apply --server-side)", fmt.Sprintf("%.2f (time)", ratio), target})
		})
	}
}
