package operator_test

// Tests of r.Event (issue 19, behaviour 9), through a running Manager.

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	"github.com/kobj-dev/kobj/test/internal/testkit"
	"go.uber.org/goleak"
)

// TestEventRecordedRegardingObject: r.Event writes an events.k8s.io/v1
// Event regarding the reconciled object, reported by the controller's
// field manager, and repeats of it become a series on that one Event.
func TestEventRecordedRegardingObject(t *testing.T) {
	t.Parallel()
	ctx := helpContext(t, 2*time.Minute)
	c := helpClient(t, nil)
	apiVersion := helpCRD(ctx, t, c, true)
	ns := testkit.NewNamespace(t, c, "help")
	site := helpWebsite(ctx, t, c, apiVersion, ns, "web", nil)
	h := helpSites(t, apiVersion)
	deployed := func(ctx context.Context, r *operator.Reconcile) (*kobj.ChangeSet, error) {
		r.Event("Normal", "Deployed", "deployment %s", "web")
		return nil, nil
	}

	h.step(ctx, "web", "", deployed)
	evs := helpEvents(ctx, t, c, ns, func(evs []*kobj.Object) bool { return len(evs) > 0 })
	if len(evs) != 1 {
		t.Fatalf("%d Events; want 1", len(evs))
	}
	e := evs[0]
	for path, want := range map[string]any{
		"regarding.uid": string(site.UID()), "regarding.kind": "Website", "regarding.apiVersion": apiVersion,
		"regarding.name": "web", "regarding.namespace": ns, "type": "Normal", "reason": "Deployed",
		"action": "Reconcile", "note": "deployment web", "reportingController": helpManagerName,
	} {
		if got, _ := e.Get(path); got != want {
			t.Errorf("Event %s = %v; want %v", path, got, want)
		}
	}
	if inst, _ := e.GetString("reportingInstance"); !strings.HasPrefix(inst, helpManagerName+"-") {
		t.Errorf("reportingInstance = %q; want %s-<host>", inst, helpManagerName)
	}

	// The same event again: client-go makes it a series on the same Event.
	h.step(ctx, "web", "", deployed)
	evs = helpEvents(ctx, t, c, ns, func(evs []*kobj.Object) bool {
		n, _ := evs[0].GetInt64("series.count")
		return len(evs) == 1 && n >= 2
	})
	if evs[0].Name() != e.Name() {
		t.Errorf("the repeat made Event %s; want a series on %s", evs[0].Name(), e.Name())
	}
}

// TestEventRecorderStopsCleanly: once Run has returned, no goroutine of
// the manager's event recorder is left, and an Event recorded then is
// dropped without blocking (not parallel: goleak sees every goroutine of
// the process).
func TestEventRecorderStopsCleanly(t *testing.T) {
	// The client's connections are not the recorder's: one whose request
	// the stop canceled (an Event still being written) can stay busy
	// until the server has answered the stream's reset, past the close
	// of idle connections. Their read loops are left out; every other
	// goroutine the test started must be gone.
	ignore := []goleak.Option{goleak.IgnoreCurrent(), goleak.IgnoreAnyFunction("golang.org/x/net/http2.(*ClientConn).readLoop")}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := helpClient(t, nil)
	defer func() {
		c.Close()
		goleak.VerifyNone(t, ignore...)
	}()
	ns := testkit.NewNamespace(t, c, "help")
	cm := helpConfigMap("cm", nil).SetNamespace(ns).SetClient(c)
	if _, err := cm.Create(ctx); err != nil {
		t.Fatal(err)
	}
	m, err := operator.NewManager(c)
	if err != nil {
		t.Fatal(err)
	}
	reconciled := make(chan *operator.Reconcile, 1)
	err = m.Add(operator.For("v1", "ConfigMap").Reconcile(func(ctx context.Context, r *operator.Reconcile) (operator.Result, error) {
		if r.Object != nil && r.Namespace == ns {
			r.Event("Warning", "Broken", "nothing %d", 1)
			select {
			case reconciled <- r:
			default:
			}
		}
		return operator.Result{}, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- m.Run(runCtx) }()
	r := <-reconciled
	helpEvents(ctx, t, c, ns, func(evs []*kobj.Object) bool { return len(evs) == 1 })
	stop()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	// r outlives its reconcile here only to check that an Event after
	// the stop neither blocks nor starts anything.
	r.Event("Normal", "AfterStop", "dropped")
}
