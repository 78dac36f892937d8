package operator_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	"github.com/kobj-dev/kobj/test/internal/testkit"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
)

// logLines captures what klog writes (client-go's reflectors included)
// while a test runs, to count the lines about a kind.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

// captureKlog sends klog's output (client-go's informers and the
// manager, which log through klog's global logger here) to l until the
// test ends. Tests that capture must not run in parallel.
func captureKlog(t *testing.T) *logLines {
	l := &logLines{}
	klog.LogToStderr(false)
	klog.SetOutput(l)
	t.Cleanup(func() {
		klog.Flush()
		klog.SetOutput(os.Stderr)
		klog.LogToStderr(true)
	})
	return l
}

// Write records one or more lines klog wrote.
func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		l.lines = append(l.lines, line)
	}
	return len(p), nil
}

// count returns the number of distinct lines containing s, and the lines.
func (l *logLines) count(s string) (int, []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	seen := map[string]bool{}
	for _, line := range l.lines {
		// klog writes an error line once per severity it covers
		// (ERROR, WARNING, INFO) to the one output: counted once.
		if strings.Contains(line, s) && !seen[line] {
			seen[line] = true
			out = append(out, line)
		}
	}
	return len(out), out
}

// requestCounter counts the requests whose path contains a string.
type requestCounter struct {
	rt    http.RoundTripper
	match string
	n     atomic.Int64
}

func (r *requestCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.Contains(req.URL.Path, r.match) {
		r.n.Add(1)
	}
	return r.rt.RoundTrip(req)
}

// kindsCRD is a namespaced Widget CRD of group, not created.
func kindsCRD(t *testing.T, group string) *kobj.Object {
	t.Helper()
	return testCRD{group: group, kind: "Widget"}.object(t)
}

// TestKindsCRDComesAndGoes: a controller For a kind whose CRD does not
// exist is added and waits (logging so once); the CRD created after Run
// starts it; the CRD deleted stops the kind's informers (no request for
// the kind, no log storm) while the manager keeps running; the CRD
// created again resumes it.
func TestKindsCRDComesAndGoes(t *testing.T) {
	ctx := ctrlContext(t, 3*time.Minute)
	group := "kinds-" + testkit.Suffix() + ".kobj.test"
	apiVersion := group + "/v1"
	lines := captureKlog(t)

	counter := &requestCounter{match: "/apis/" + group + "/"}
	conf := rest.CopyConfig(cfg)
	conf.Wrap(func(rt http.RoundTripper) http.RoundTripper { counter.rt = rt; return counter })
	c, err := kobj.NewClient(conf, kobj.CacheDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	admin := ctrlClient(t)
	ns := testkit.NewNamespace(t, admin, "kinds")
	leak := ctrlLeakCheck(t, c)

	var mu sync.Mutex
	reconciled := map[string]int{}
	m, err := operator.NewManager(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Add(operator.For(apiVersion, "Widget").Reconcile(func(_ context.Context, r *operator.Reconcile) (operator.Result, error) {
		mu.Lock()
		defer mu.Unlock()
		if r.Object != nil {
			reconciled[r.Request.Name]++
		}
		return operator.Result{}, nil
	})); err != nil {
		t.Fatalf("Add of a kind whose CRD is not installed yet: %v", err)
	}
	wasReconciled := func(name string) func() bool {
		return func() bool { mu.Lock(); defer mu.Unlock(); return reconciled[name] > 0 }
	}

	runCtx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- m.Run(runCtx) }()
	ctrlEventually(t, ctx, "the waiting line", func() bool {
		n, _ := lines.count("waiting for the CRD of " + apiVersion + " Widget")
		return n > 0
	})

	crdOnce := func() {
		crd := kindsCRD(t, group)
		if _, err := crd.Create(ctx, kobj.WithClient(admin)); err != nil {
			t.Fatal(err)
		}
	}
	deleteCRD := func() {
		if _, err := kobj.New("apiextensions.k8s.io/v1", "CustomResourceDefinition").Delete(ctx, kobj.Named("widgets."+group), kobj.WithClient(admin)); err != nil && !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
		ctrlEventually(t, ctx, "the CRD gone", func() bool {
			_, err := kobj.New("apiextensions.k8s.io/v1", "CustomResourceDefinition").SetName("widgets."+group).Read(ctx, kobj.WithClient(admin))
			return apierrors.IsNotFound(err)
		})
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = kobj.New("apiextensions.k8s.io/v1", "CustomResourceDefinition").Delete(ctx, kobj.Named("widgets."+group), kobj.WithClient(admin))
	})
	widget := func(name string) {
		t.Helper()
		// Created again, a CRD serves its kind once Established; the
		// client's discovery knows the kind already, so it does not wait.
		ctrlEventually(t, ctx, "Widget "+name+" created", func() bool {
			_, err := kobj.New(apiVersion, "Widget").SetName(name).SetNamespace(ns).Create(ctx, kobj.WithClient(admin))
			return err == nil
		})
	}

	// 1. The CRD comes after Run: the controller starts.
	crdOnce()
	widget("a")
	ctrlEventually(t, ctx, "Widget a reconciled", wasReconciled("a"))

	// 2. The CRD goes: the informers stop, the manager keeps running.
	deleteCRD()
	ctrlEventually(t, ctx, "the paused line", func() bool {
		n, _ := lines.count("controller paused")
		return n > 0
	})
	before, _ := lines.count(group)
	requestsBefore := counter.n.Load()
	const window = 10 * time.Second
	time.Sleep(window) // a measurement window, not a wait for an outcome
	after, got := lines.count(group)
	requests := counter.n.Load() - requestsBefore
	t.Logf("over %s after the CRD went: %d new log lines about %s (%d in all), %d requests for the kind", window, after-before, group, after, requests)
	for _, l := range got {
		t.Logf("  %s", l)
	}
	if requests != 0 {
		t.Errorf("%d requests for %s after its CRD went: an informer still lists it", requests, group)
	}
	if n, storm := lines.count("could not find the requested resource"); n > 0 {
		t.Errorf("404s logged after the CRD went: %q", storm)
	}
	select {
	case err := <-errc:
		t.Fatalf("Run returned while the CRD was gone: %v", err)
	default:
	}

	// 3. The CRD comes back: the controller resumes.
	crdOnce()
	widget("b")
	ctrlEventually(t, ctx, "Widget b reconciled after the CRD came back", wasReconciled("b"))

	cancel()
	if err := <-errc; err != nil {
		t.Errorf("Run = %v", err)
	}
	deleteCRD()
	leak()
}

// TestKindsOwnedCRDLater: an Owns kind whose CRD is not installed holds
// the whole controller (its For kind is served) until the CRD comes.
func TestKindsOwnedCRDLater(t *testing.T) {
	ctx := ctrlContext(t, 2*time.Minute)
	c := ctrlClient(t)
	group := "kindsown-" + testkit.Suffix() + ".kobj.test"
	ns := testkit.NewNamespace(t, c, "kinds")
	leak := ctrlLeakCheck(t, c)
	lines := captureKlog(t)
	var started atomic.Bool
	m, err := operator.NewManager(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Add(operator.For("v1", "ConfigMap").Owns(group+"/v1", "Widget").Reconcile(
		func(_ context.Context, r *operator.Reconcile) (operator.Result, error) {
			if r.Request.Namespace == ns {
				started.Store(true)
			}
			return operator.Result{}, nil
		})); err != nil {
		t.Fatalf("Add: %v", err)
	}
	cm := kobj.New("v1", "ConfigMap").SetName("x").SetNamespace(ns)
	if _, err := cm.Create(ctx, kobj.WithClient(c)); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- m.Run(runCtx) }()
	ctrlEventually(t, ctx, "the waiting line", func() bool {
		n, _ := lines.count("waiting for the CRD of " + group + "/v1 Widget")
		return n > 0
	})
	if started.Load() {
		t.Fatal("the controller reconciled while an Owns kind was missing")
	}
	if _, err := kindsCRD(t, group).Create(ctx, kobj.WithClient(c)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = kobj.New("apiextensions.k8s.io/v1", "CustomResourceDefinition").Delete(ctx, kobj.Named("widgets."+group), kobj.WithClient(c))
	})
	ctrlEventually(t, ctx, "the ConfigMap reconciled once the owned kind is served", started.Load)
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("Run = %v", err)
	}
	leak()
}

// TestKindsCRDGoesWhileServed: a controller for a kind whose CRD is
// installed before Add (nothing follows CRDs then): the CRD deleted, the
// informer's 404 stops it, quietly, and the cache starts following CRDs;
// the CRD created again resumes the controller.
func TestKindsCRDGoesWhileServed(t *testing.T) {
	ctx := ctrlContext(t, 3*time.Minute)
	group := "kindsgo-" + testkit.Suffix() + ".kobj.test"
	apiVersion := group + "/v1"
	lines := captureKlog(t)
	counter := &requestCounter{match: "/apis/" + group + "/"}
	conf := rest.CopyConfig(cfg)
	conf.Wrap(func(rt http.RoundTripper) http.RoundTripper { counter.rt = rt; return counter })
	c, err := kobj.NewClient(conf, kobj.CacheDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	admin := ctrlClient(t)
	ns := testkit.NewNamespace(t, admin, "kinds")
	crdName := "widgets." + group
	createCRD := func() {
		if _, err := kindsCRD(t, group).Create(ctx, kobj.WithClient(admin)); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = kobj.New("apiextensions.k8s.io/v1", "CustomResourceDefinition").Delete(ctx, kobj.Named(crdName), kobj.WithClient(admin))
	})
	widget := func(name string) {
		t.Helper()
		var err error
		ctrlEventually(t, ctx, "Widget "+name+" created", func() bool {
			_, err = kobj.New(apiVersion, "Widget").SetName(name).SetNamespace(ns).Create(ctx, kobj.WithClient(admin))
			return err == nil
		})
	}
	createCRD()
	widget("a")
	leak := ctrlLeakCheck(t, c)

	var mu sync.Mutex
	reconciled := map[string]int{}
	m, err := operator.NewManager(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Add(operator.For(apiVersion, "Widget").Reconcile(func(_ context.Context, r *operator.Reconcile) (operator.Result, error) {
		mu.Lock()
		defer mu.Unlock()
		if r.Object != nil {
			reconciled[r.Request.Name]++
		}
		return operator.Result{}, nil
	})); err != nil {
		t.Fatal(err)
	}
	wasReconciled := func(name string) func() bool {
		return func() bool { mu.Lock(); defer mu.Unlock(); return reconciled[name] > 0 }
	}
	runCtx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- m.Run(runCtx) }()
	ctrlEventually(t, ctx, "Widget a reconciled", wasReconciled("a"))

	if _, err := kobj.New("apiextensions.k8s.io/v1", "CustomResourceDefinition").Delete(ctx, kobj.Named(crdName), kobj.WithClient(admin)); err != nil {
		t.Fatal(err)
	}
	ctrlEventually(t, ctx, "the paused line", func() bool {
		n, _ := lines.count("controller paused")
		return n > 0
	})
	before, _ := lines.count(group)
	requestsBefore := counter.n.Load()
	const window = 10 * time.Second
	time.Sleep(window) // a measurement window, not a wait for an outcome
	after, got := lines.count(group)
	requests := counter.n.Load() - requestsBefore
	t.Logf("over %s after the CRD went: %d new log lines about %s (%d in all), %d requests for the kind", window, after-before, group, after, requests)
	for _, l := range got {
		t.Logf("  %s", l)
	}
	if requests != 0 {
		t.Errorf("%d requests for %s after its CRD went: an informer still lists it", requests, group)
	}
	if n, storm := lines.count("could not find the requested resource"); n > 0 {
		t.Errorf("404s logged after the CRD went: %q", storm)
	}
	select {
	case err := <-errc:
		t.Fatalf("Run returned while the CRD was gone: %v", err)
	default:
	}

	ctrlEventually(t, ctx, "the CRD gone", func() bool {
		_, err := kobj.New("apiextensions.k8s.io/v1", "CustomResourceDefinition").SetName(crdName).Read(ctx, kobj.WithClient(admin))
		return apierrors.IsNotFound(err)
	})
	createCRD()
	widget("b")
	ctrlEventually(t, ctx, "Widget b reconciled after the CRD came back", wasReconciled("b"))
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("Run = %v", err)
	}
	leak()
}
