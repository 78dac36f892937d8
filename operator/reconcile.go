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
	// queued this reconcile (when changes merged while queued, before the
	// first of them, so that Diff covers them all; for Deleted, the last
	// state). A hint: nil after a restart, for a new object, a retry, or
	// when only an owned or watched object changed.
	Old *kobj.Object
	// Reason says why this reconcile runs (a hint: requests merge).
	Reason Reason

	ctl *controller // the controller running this reconcile
	// conditions set by SetCondition, written after the reconcile returns.
	conditions []condition
}
