package operator

import (
	"context"
)

// kindRef names a kind by apiVersion and kind.
type kindRef struct{ APIVersion, Kind string }

// controller reconciles the objects of one kind (For). Built by Manager.Add
// from a Builder.
type controller struct {
	mgr          *Manager
	forKind      kindRef
	owns         []kindRef // kinds of Owns, the only kinds r.Apply prunes
	fieldManager string    // r.Apply's and the status writes' field manager
	finalizer    string    // "" when the builder set none
	finalize     func(ctx context.Context, r *Reconcile) error
}
