package operator

import (
	"github.com/kobj-dev/kobj"
)

// Reconcile is what a reconciler is handed: the object a request names,
// as the cache holds it, and the helpers that act for it. It is valid for
// one reconcile and is not safe for concurrent use.
type Reconcile struct {
	Request
	// Object is the object from the cache, the reconciler's own copy; nil
	// when it is gone.
	Object *kobj.Object
	// Old is the version the controller saw before the change that
	// queued this reconcile: a hint, nil after a restart, when the object
	// is new, or when requests merged past it.
	Old *kobj.Object
	// Reason says why this reconcile runs (a hint: requests merge).
	Reason Reason

	ctl *controller // the controller running this reconcile
	// conditions set by SetCondition, written after the reconcile returns.
	conditions []condition
}
