package operator_test

// Tests of r.Event (issue 19, behaviour 9). TEMPORARY: the manager and the
// reconcile come from the stub hooks, as apply_help_test.go; the recorder
// is the real one (events.go).

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

// helpEvents waits until the events.k8s.io/v1 Events of ns satisfy done,
// and returns them.
func helpEvents(ctx context.Context, t *testing.T, c *kobj.Client, ns string, done func([]*kobj.Object) bool) []*kobj.Object {
	t.Helper()
	for {
		l, err := kobj.New("events.k8s.io/v1", "EventList").Read(ctx, kobj.WithClient(c), kobj.InNamespace(ns))
		if err != nil {
			t.Fatal(err)
		}
		if done(l.Items()) {
			return l.Items()
		}
		select {
		case <-ctx.Done():
			for _, e := range l.Items() {
				t.Logf("event: %s", e)
			}
			t.Fatalf("the Events of %s never came: %v", ns, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

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
	m := helpManager(t, c)
	tc := helpSiteController(apiVersion)

	r, err := m.NewReconcileForTest(ctx, tc, operator.Request{APIVersion: apiVersion, Kind: "Website", Namespace: ns, Name: "web"})
	if err != nil {
		t.Fatal(err)
	}
	r.Event("Normal", "Deployed", "deployment %s", "web")
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
	r.Event("Normal", "Deployed", "deployment %s", "web")
	evs = helpEvents(ctx, t, c, ns, func(evs []*kobj.Object) bool {
		n, _ := evs[0].GetInt64("series.count")
		return len(evs) == 1 && n >= 2
	})
	if evs[0].Name() != e.Name() {
		t.Errorf("the repeat made Event %s; want a series on %s", evs[0].Name(), e.Name())
	}
}

// TestEventRecorderStopsCleanly: once the manager's recorder has run and
// stopped, no goroutine of it is left (not parallel: goleak sees every
// goroutine of the process).
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
	m, err := operator.NewManagerForTest(c)
	if err != nil {
		t.Fatal(err)
	}
	tc := operator.TestController{APIVersion: "v1", Kind: "ConfigMap", FieldManager: "kobj-operator-configmap"}
	r, err := m.NewReconcileForTest(ctx, tc, operator.Request{APIVersion: "v1", Kind: "ConfigMap", Namespace: ns, Name: "cm"})
	if err != nil {
		t.Fatal(err)
	}
	r.Event("Warning", "Broken", "nothing %d", 1)
	helpEvents(ctx, t, c, ns, func(evs []*kobj.Object) bool { return len(evs) == 1 })
	m.Stop()
	r.Event("Normal", "AfterStop", "dropped") // must neither block nor leak
}
