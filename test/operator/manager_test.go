package operator_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	"github.com/kobj-dev/kobj/test/internal/testkit"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/rest"
)

// The manager tests check goroutines with goleak, so they do not run in
// parallel (parallel tests start after them).

// TestManagerShutdownLetsReconcilesFinish cancels Run while a reconcile is
// in flight: the reconcile finishes with a live context (it writes an
// object), Run returns nil after it, and no goroutine is left.
func TestManagerShutdownLetsReconcilesFinish(t *testing.T) {
	ctx := ctrlContext(t, 2*time.Minute)
	c := ctrlClient(t)
	apiVersion := ctrlCRD(t, c)
	ns := testkit.NewNamespace(t, c, "mgr")
	ctrlWidget(t, c, apiVersion, ns, "w", 1)
	leak := ctrlLeakCheck(t, c)

	entered, canceled := make(chan struct{}), make(chan struct{})
	var finished atomic.Bool
	var ctxErr, writeErr error
	m, err := operator.NewManager(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Add(operator.For(apiVersion, "Widget").
		Reconcile(func(ctx context.Context, r *operator.Reconcile) (operator.Result, error) {
			if r.Name != "w" || finished.Load() {
				return operator.Result{}, nil
			}
			close(entered)
			<-canceled
			ctxErr = ctx.Err()
			_, writeErr = kobj.New("v1", "ConfigMap").SetName("written-while-stopping").SetNamespace(ns).
				Create(ctx, kobj.WithClient(c))
			finished.Store(true)
			return operator.Result{}, nil
		})); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- m.Run(runCtx) }()
	<-entered
	cancel()
	close(canceled)
	if err := <-errc; err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if !finished.Load() {
		t.Fatal("Run returned before the reconcile in flight finished")
	}
	if ctxErr != nil || writeErr != nil {
		t.Errorf("the reconcile in flight had its context ended (%v) or could not write (%v)", ctxErr, writeErr)
	}
	leak()
	if _, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.Named("written-while-stopping"), kobj.InNamespace(ns), kobj.WithClient(c)); err != nil {
		t.Errorf("the write of the reconcile in flight: %v", err)
	}
}

// TestManagerGracefulShutdownTimeout checks that a reconcile still running
// at the graceful timeout has its context canceled, that Run says so, and
// that no goroutine is left once the reconcile returns.
func TestManagerGracefulShutdownTimeout(t *testing.T) {
	ctx := ctrlContext(t, 2*time.Minute)
	c := ctrlClient(t)
	apiVersion := ctrlCRD(t, c)
	ns := testkit.NewNamespace(t, c, "mgr")
	ctrlWidget(t, c, apiVersion, ns, "w", 1)
	leak := ctrlLeakCheck(t, c)

	entered, returned := make(chan struct{}), make(chan error, 1)
	m, err := operator.NewManager(c, operator.GracefulShutdownTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Add(operator.For(apiVersion, "Widget").
		Reconcile(func(ctx context.Context, r *operator.Reconcile) (operator.Result, error) {
			close(entered)
			<-ctx.Done() // a reconcile that only stops when told
			returned <- ctx.Err()
			return operator.Result{}, ctx.Err()
		})); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- m.Run(runCtx) }()
	<-entered
	cancel()
	err = <-errc
	if err == nil || !strings.Contains(err.Error(), "graceful shutdown timeout (200ms)") {
		t.Fatalf("Run = %v, want the graceful timeout", err)
	}
	if got := <-returned; !errors.Is(got, context.Canceled) {
		t.Errorf("the reconcile's context ended with %v, want Canceled", got)
	}
	leak()
}

// TestManagerBadInput checks the errors of Add for what cannot work, and
// that nothing is started by a refused Add.
func TestManagerBadInput(t *testing.T) {
	c := ctrlClient(t)
	apiVersion := ctrlCRD(t, c)
	noop := func(context.Context, *operator.Reconcile) (operator.Result, error) { return operator.Result{}, nil }
	leak := ctrlLeakCheck(t, c)

	m, err := operator.NewManager(c)
	if err != nil {
		t.Fatal(err)
	}
	running := make(chan struct{})
	var once sync.Once
	if err := m.Add(operator.For(apiVersion, "Widget").Reconcile(func(context.Context, *operator.Reconcile) (operator.Result, error) {
		once.Do(func() { close(running) })
		return operator.Result{}, nil
	})); err != nil {
		t.Fatalf("Add: %v", err)
	}
	unknownKind := func(err error) bool {
		var uk *kobj.UnknownKindError
		return errors.As(err, &uk) || meta.IsNoMatchError(err)
	}
	cases := []struct {
		name string
		b    *operator.Builder
		want []string
		is   func(error) bool
	}{
		// Kinds no CRD could serve (the core group, a group without a
		// dot); custom resource kinds not served yet are awaited (below).
		{"unknown core kind", operator.For("v1", "Nope").Reconcile(noop), []string{`For("v1", "Nope")`}, unknownKind},
		{"unknown built-in group", operator.For("nowhere/v1", "Widget").Reconcile(noop), []string{`For("nowhere/v1", "Widget")`}, unknownKind},
		{"unknown owned kind", operator.For("v1", "ConfigMap").Owns("apps/v1", "Nope").Reconcile(noop), []string{`Owns("apps/v1", "Nope")`}, unknownKind},
		{"unknown watched kind", operator.For("v1", "ConfigMap").Watches("v1", "Nope", func(*kobj.Object) []operator.Request { return nil }).Reconcile(noop),
			[]string{`Watches("v1", "Nope", ...)`}, unknownKind},
		{"cluster-scoped child of a namespaced owner", operator.For("v1", "ConfigMap").Owns("v1", "Namespace").Reconcile(noop),
			[]string{`Owns("v1", "Namespace"): Namespace is cluster-scoped and ConfigMap is namespaced`}, nil},
		{"second controller for a kind", operator.For(apiVersion, "Widget").Reconcile(noop),
			[]string{"a controller for " + apiVersion + " Widget is added already"}, nil},
		{"nil reconcile", operator.For("v1", "ConfigMap").Reconcile(nil), []string{"Reconcile(nil): nil function"}, nil},
		{"no reconcile", operator.For("v1", "ConfigMap"), []string{"no Reconcile function"}, nil},
		{"zero workers", operator.For("v1", "ConfigMap").Workers(0).Reconcile(noop), []string{"Workers(0)"}, nil},
		{"every problem at once", operator.For("v1", "ConfigMap").Owns("v1", "Namespace").Owns("v1", "Nope").Workers(-1),
			[]string{"Owns(\"v1\", \"Namespace\")", "Owns(\"v1\", \"Nope\")", "Workers(-1)", "no Reconcile function"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := m.Add(tc.b)
			if err == nil {
				t.Fatal("Add = nil")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Add = %v\nwant it to contain %q", err, w)
				}
			}
			if tc.is != nil && !tc.is(err) {
				t.Errorf("Add = %v (%T): not the discovery's no-match error", err, err)
			}
		})
	}
	// A kind of a group with a dot that the server does not serve yet may
	// come with a CRD: Add accepts it, and Run waits for it
	// (TestKindsCRDComesAndGoes).
	for _, b := range []*operator.Builder{
		operator.For(apiVersion, "Nope").Reconcile(noop),
		operator.For("nowhere.kobj.test/v1", "Widget").Reconcile(noop),
		operator.For("v1", "Secret").Owns(apiVersion, "Nope").Reconcile(noop),
		operator.For("v1", "Pod").Watches("nowhere.kobj.test/v1", "Widget", func(*kobj.Object) []operator.Request { return nil }).Reconcile(noop),
	} {
		waiting, err := operator.NewManager(c)
		if err != nil {
			t.Fatal(err)
		}
		if err := waiting.Add(b); err != nil {
			t.Errorf("Add of a custom resource kind not served yet: %v", err)
		}
	}
	// A namespaced child of a cluster-scoped owner is fine.
	if err := m.Add(operator.For("v1", "Namespace").Owns("v1", "ConfigMap").Reconcile(noop)); err != nil {
		t.Errorf("Add(Namespace owning ConfigMap) = %v", err)
	}
	leak() // the refused controllers started nothing

	// Run once; a second Run and an Add after Run fail.
	ctx, cancel := context.WithCancel(ctrlContext(t, time.Minute))
	errc := make(chan error, 1)
	go func() { errc <- m.Run(ctx) }()
	ctrlWidget(t, c, apiVersion, testkit.NewNamespace(t, c, "mgr"), "w", 1)
	<-running // a reconcile: Run has started
	if err := m.Run(ctx); err == nil || !strings.Contains(err.Error(), "Run called twice") {
		t.Errorf("second Run = %v", err)
	}
	if err := m.Add(operator.For("v1", "Secret").Reconcile(noop)); err == nil || !strings.Contains(err.Error(), "Add after Run") {
		t.Errorf("Add after Run = %v", err)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("Run = %v", err)
	}
}

// TestManagerCacheSyncTimeout checks that Run fails, rather than waits
// for ever, when a kind cannot be listed (here: a user with no rights),
// and leaves no goroutine.
func TestManagerCacheSyncTimeout(t *testing.T) {
	nobody := rest.CopyConfig(cfg)
	nobody.Impersonate = rest.ImpersonationConfig{UserName: "ctrl-nobody"}
	c, err := kobj.NewClient(nobody, kobj.CacheDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	leak := ctrlLeakCheck(t, c)
	m, err := operator.NewManager(c, operator.CacheSyncTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Add(operator.For("v1", "ConfigMap").
		Reconcile(func(context.Context, *operator.Reconcile) (operator.Result, error) { return operator.Result{}, nil })); err != nil {
		t.Fatalf("Add: %v", err)
	}
	err = m.Run(ctrlContext(t, time.Minute))
	if err == nil {
		t.Fatal("Run = nil for a kind the user cannot list")
	}
	t.Logf("Run: %v", err)
	leak()
}
