package operatortest_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	"github.com/kobj-dev/kobj/operatortest"
)

// recorder is a testing.TB that records failures instead of failing the
// test, and runs its cleanups when told: to test what the harness reports.
// Fatal ends the goroutine, as testing's does, so calls go through run.
type recorder struct {
	testing.TB
	mu       sync.Mutex
	failures []string
	skipped  string
	cleanups []func()
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatal(args ...any) { r.Errorf("%s", fmt.Sprint(args...)); runtime.Goexit() }
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

// run runs f in a goroutine of its own (Fatal ends it) and waits.
func (r *recorder) run(f func()) {
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	<-done
}

// cleanup runs the cleanups, last first.
func (r *recorder) cleanup() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func (r *recorder) failed() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.failures, "\n")
}

// TestHarness starts one control plane and checks each helper on it.
func TestHarness(t *testing.T) {
	env := operatortest.Start(t, operatortest.ControllerManager())
	c := env.Client()

	t.Run("InstallCRDs from a folder", func(t *testing.T) {
		objs := env.InstallCRDs(t, "testdata/crds")
		if len(objs) != 1 || objs[0].Name() != "gadgets.operatortest.kobj.dev" {
			t.Fatalf("installed %v", objs)
		}
		// Established: the kind can be created at once.
		ns := env.Namespace(t, "crd")
		g := kobj.New("operatortest.kobj.dev/v1", "Gadget").SetName("g").SetNamespace(ns).SetClient(c)
		if _, err := g.Create(context.Background()); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("InstallCRDs from objects", func(t *testing.T) {
		crds, err := kobj.LoadString(strings.NewReplacer("gadget", "widget", "Gadget", "Widget").Replace(crdYAML))
		if err != nil {
			t.Fatal(err)
		}
		env.InstallCRDs(t, crds[0], []*kobj.Object{})
		ns := env.Namespace(t, "crd")
		w := kobj.New("operatortest.kobj.dev/v1", "Widget").SetName("w").SetNamespace(ns).SetClient(c)
		if _, err := w.Create(context.Background()); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("InstallCRDs refuses bad sources before applying", func(t *testing.T) {
		for _, src := range []any{42, "testdata/missing.yaml", (*kobj.Object)(nil), []*kobj.Object{nil}} {
			r := &recorder{TB: t}
			r.run(func() { env.InstallCRDs(r, src) })
			if got := r.failed(); !strings.Contains(got, "InstallCRDs source 0") {
				t.Errorf("InstallCRDs(%#v) reported %q, want a failure naming source 0", src, got)
			}
		}
	})

	t.Run("Namespace", func(t *testing.T) {
		ns := env.Namespace(t, "ns")
		if !strings.HasPrefix(ns, "ns-testharness-namespace-") {
			t.Errorf("namespace %q", ns)
		}
		operatortest.Eventually(t, context.Background(), kobj.New("v1", "Namespace").SetName(ns).SetClient(c), kobj.Exists())
	})

	t.Run("RunManager and Eventually", func(t *testing.T) {
		env.InstallCRDs(t, "testdata/crds/gadget.yaml")
		ns := env.Namespace(t, "run")
		m, err := operator.NewManager(c, operator.CacheOptions(operator.Namespaces(ns)))
		if err != nil {
			t.Fatal(err)
		}
		err = m.Add(operator.For("operatortest.kobj.dev/v1", "Gadget").Owns("v1", "ConfigMap").
			Reconcile(func(ctx context.Context, r *operator.Reconcile) (operator.Result, error) {
				if r.Object == nil {
					return operator.Result{}, nil
				}
				child := kobj.New("v1", "ConfigMap").SetName(r.Name + "-child").SetNamespace(r.Namespace)
				if _, err := r.Apply(ctx, child); err != nil {
					return operator.Result{}, err
				}
				r.SetCondition("Ready", "True", "Rendered", "the ConfigMap is applied")
				return operator.Result{}, nil
			}))
		if err != nil {
			t.Fatal(err)
		}
		ctx := env.RunManager(t, m)
		g := kobj.New("operatortest.kobj.dev/v1", "Gadget").SetName("g").SetNamespace(ns).SetClient(c)
		if _, err := g.Create(ctx); err != nil {
			t.Fatal(err)
		}
		operatortest.Eventually(t, ctx, g, kobj.ConditionTrue("Ready"))
		child := kobj.New("v1", "ConfigMap").SetName("g-child").SetNamespace(ns).SetClient(c)
		operatortest.Eventually(t, ctx, child, kobj.Exists())
		if _, err := g.Delete(ctx); err != nil {
			t.Fatal(err)
		}
		// The ControllerManager option's garbage collector, within
		// Eventually's 30 s: without the restart in InstallCRDs it learns
		// the Gadget kind at its next discovery resync and takes 40 s.
		operatortest.Eventually(t, ctx, child, kobj.Gone())
	})

	t.Run("Eventually names the object and the condition", func(t *testing.T) {
		ns := env.Namespace(t, "ev")
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		cm := kobj.New("v1", "ConfigMap").SetName("never").SetNamespace(ns).SetClient(c)
		r := &recorder{TB: t}
		r.run(func() { operatortest.Eventually(r, ctx, cm, kobj.Exists(), kobj.PathEquals("data.a", "b")) })
		got := r.failed()
		for _, want := range []string{"v1 ConfigMap " + ns + "/never", "PathEquals", "not met after"} {
			if !strings.Contains(got, want) {
				t.Errorf("failure %q does not contain %q", got, want)
			}
		}
	})

	t.Run("RunManager reports a Manager that fails", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		m, err := operator.NewManager(c, operator.ProbeAddress(l.Addr().String()))
		if err != nil {
			t.Fatal(err)
		}
		r := &recorder{TB: t}
		var ctx context.Context
		r.run(func() { ctx = env.RunManager(r, m) })
		<-ctx.Done() // Run fails at once: the probe address is in use
		if cause := context.Cause(ctx); cause == nil || !strings.Contains(cause.Error(), "the Manager stopped") {
			t.Errorf("cause %v, want the Manager's error", cause)
		}
		// Eventually on that context fails at once with the Manager's error.
		cm := kobj.New("v1", "ConfigMap").SetName("x").SetNamespace("default").SetClient(c)
		r.run(func() { operatortest.Eventually(r, ctx, cm, kobj.Exists()) })
		r.cleanup()
		got := r.failed()
		if !strings.Contains(got, l.Addr().String()) || !strings.Contains(got, "Run returned") {
			t.Errorf("reported %q, want Run's error naming %s", got, l.Addr())
		}
		if errors.Is(context.Cause(ctx), context.Canceled) {
			t.Errorf("cause %v", context.Cause(ctx))
		}
	})
}

const crdYAML = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.operatortest.kobj.dev
spec:
  group: operatortest.kobj.dev
  names: {kind: Gadget, listKind: GadgetList, plural: gadgets, singular: gadget}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
`

// TestExample runs the test of the package's example (example_test.go).
func TestExample(t *testing.T) { testGadgets(t) }

func (r *recorder) Skipf(format string, args ...any) {
	r.mu.Lock()
	r.skipped = fmt.Sprintf(format, args...)
	r.mu.Unlock()
	runtime.Goexit()
}

// TestStartWithoutBinaries: no control plane starts; Start fails, or
// skips with SkipWithoutBinaries, saying what is missing where.
func TestStartWithoutBinaries(t *testing.T) {
	empty := t.TempDir()
	fake := t.TempDir() // etcd and kube-apiserver, no kube-controller-manager
	for _, name := range []string{"etcd", "kube-apiserver"} {
		if err := os.WriteFile(filepath.Join(fake, name), []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name               string
		opts               []operatortest.Option
		wantFail, wantSkip string
	}{
		{"fails", []operatortest.Option{operatortest.Assets(empty)}, "no etcd and kube-apiserver binaries found in " + empty, ""},
		{"skips", []operatortest.Option{operatortest.Assets(empty), operatortest.SkipWithoutBinaries()}, "", "no etcd and kube-apiserver binaries found in " + empty},
		{"no kube-controller-manager", []operatortest.Option{operatortest.Assets(fake), operatortest.ControllerManager()}, "no kube-controller-manager in " + fake, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			r.run(func() { operatortest.Start(r, tt.opts...) })
			r.cleanup()
			if got := r.failed(); (tt.wantFail == "") != (got == "") || !strings.Contains(got, tt.wantFail) {
				t.Errorf("failures %q, want %q", got, tt.wantFail)
			}
			if (tt.wantSkip == "") != (r.skipped == "") || !strings.Contains(r.skipped, tt.wantSkip) {
				t.Errorf("skipped %q, want %q", r.skipped, tt.wantSkip)
			}
		})
	}
}
