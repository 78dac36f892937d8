package operator

import "github.com/kobj-dev/kobj"

// Diff returns what changed between r.Old and r.Object, as kobj's
// Object.Diff reports it (paths sorted; a nil side counts as empty: a
// deleted object's Diff removes everything). It is nil when Old is nil
// (a new object, a restart, a retry, or a change of an owned object
// only): the loop is level-triggered, and Diff is a hint for logs and
// shortcuts, never the only reason to act. It includes metadata
// (resourceVersion, managedFields) and status.
func (r *Reconcile) Diff() []kobj.Difference {
	if r.Old == nil {
		return nil
	}
	return r.Old.Diff(r.Object)
}
