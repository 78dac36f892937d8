package operator

import (
	"testing"

	"github.com/kobj-dev/kobj"
	corev1 "k8s.io/api/core/v1"
)

// Event never fails a reconcile and never panics: without a controller, a
// manager recorder, an object, or a running recorder, it does nothing.
func TestEventWithoutRecorderIsANoOp(t *testing.T) {
	obj := kobj.New("v1", "ConfigMap").SetName("c").SetNamespace("ns")
	idle := &recorder{} // never run
	cases := []struct {
		name string
		r    *Reconcile
	}{
		{"nil reconcile", nil},
		{"no controller", &Reconcile{Object: obj}},
		{"no recorder", &Reconcile{Object: obj, ctl: &controller{mgr: &Manager{}}}},
		{"no object", &Reconcile{ctl: &controller{mgr: &Manager{recorder: idle}}}},
		{"not running", &Reconcile{Object: obj, ctl: &controller{mgr: &Manager{recorder: idle}}}},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			tt.r.Event("Normal", "R", "note %d", 1)
		})
	}
	idle.event("c", &corev1.ObjectReference{Name: "c"}, "Normal", "R", "x")
	if idle.recorders != nil {
		t.Error("a recorder that does not run made event recorders")
	}
}
