package operator

import (
	"context"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"

	eventsv1client "k8s.io/client-go/kubernetes/typed/events/v1"
)

// Events are client-go's (tools/events): its broadcaster writes
// events.k8s.io/v1 Events, aggregates repeats of one event into a series
// (count and last time, patched in place rather than one Event each) and
// retries a server that cannot be reached. Written here is only the
// wiring: one broadcaster per manager that lives while the manager runs,
// a recorder per reporting controller, and the reference to the object.

// defaultReportingController names the controller of the Events a
// reconcile without a field manager records.
const defaultReportingController = "kobj-operator"

// eventAction is the action of every Event r.Event records: what the
// controller did regarding the object (events.k8s.io/v1 requires one).
const eventAction = "Reconcile"

// recorder writes the Events of a manager's reconciles while it runs.
type recorder struct {
	sink *events.EventSinkImpl

	mu          sync.Mutex
	broadcaster events.EventBroadcaster // nil unless run is running
	recorders   map[string]events.EventRecorderLogger
}

// newRecorder makes the recorder of m's Events, over m's client's
// connections. It starts nothing: run does. It fails only when the
// client's configuration cannot make an events client.
func newRecorder(m *Manager) (*recorder, error) {
	c := m.client
	ec, err := eventsv1client.NewForConfigAndClient(c.RESTConfig(), c.HTTPClient())
	if err != nil {
		return nil, fmt.Errorf("operator: making the events client: %w", err)
	}
	return &recorder{sink: &events.EventSinkImpl{Interface: ec}}, nil
}

// run records Events until ctx ends, then stops the broadcaster and
// returns. Events recorded while it does not run are dropped, as are
// those still being sent when ctx ends (their requests end with ctx).
func (rec *recorder) run(ctx context.Context) {
	b := events.NewBroadcaster(rec.sink)
	if err := b.StartRecordingToSinkWithContext(ctx); err != nil {
		b.Shutdown()
		return
	}
	rec.mu.Lock()
	rec.broadcaster, rec.recorders = b, map[string]events.EventRecorderLogger{}
	rec.mu.Unlock()
	<-ctx.Done()
	rec.mu.Lock()
	rec.broadcaster, rec.recorders = nil, nil
	rec.mu.Unlock()
	b.Shutdown()
}

// event records one Event regarding ref, reported by controller.
func (rec *recorder) event(controller string, ref *corev1.ObjectReference, eventtype, reason, messageFmt string, args ...any) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.broadcaster == nil {
		return
	}
	er := rec.recorders[controller]
	if er == nil {
		// The reference carries the kind: no scheme is consulted.
		er = rec.broadcaster.NewRecorder(runtime.NewScheme(), controller)
		rec.recorders[controller] = er
	}
	er.Eventf(ref, nil, eventtype, reason, eventAction, messageFmt, args...)
}

// Event records an events.k8s.io/v1 Event regarding the reconciled
// object: eventtype is "Normal" or "Warning", reason a short CamelCase
// word ("Deployed"), the note messageFmt formatted with args. The
// reporting controller is the controller's field manager, the action
// "Reconcile". It is sent in the background by client-go, which turns
// repeats of one event into a series on one Event; it never fails the
// reconcile. Without an object (it is gone), or when the manager does not
// record Events (not running), nothing is recorded.
func (r *Reconcile) Event(eventtype, reason, messageFmt string, args ...any) {
	if r == nil || r.ctl == nil || r.ctl.mgr == nil || r.ctl.mgr.recorder == nil || r.Object == nil {
		return
	}
	o := r.Object
	ref := &corev1.ObjectReference{APIVersion: o.APIVersion(), Kind: o.Kind(), Namespace: o.Namespace(),
		Name: o.Name(), UID: o.UID(), ResourceVersion: o.ResourceVersion()}
	controller := r.ctl.fieldManager
	if controller == "" {
		controller = defaultReportingController
	}
	r.ctl.mgr.recorder.event(controller, ref, eventtype, reason, messageFmt, args...)
}
