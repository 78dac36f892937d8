package operator

// TEMPORARY: minimal versions of H-helpers' hooks from the internal
// contract of OPERATOR_PLAN.md, so that the controller loop compiles and
// runs before they land. Deleted in H-ctrl's last commit.

import "context"

// finalizeOrAdd (stub): does nothing.
func (r *Reconcile) finalizeOrAdd(ctx context.Context) (handled bool, err error) { return false, nil }

// flush (stub): writes nothing.
func (r *Reconcile) flush(ctx context.Context) error { return nil }

type recorder struct{}

// newRecorder (stub).
func newRecorder(m *Manager) (*recorder, error) { return &recorder{}, nil }

// run (stub): waits for ctx.
func (rec *recorder) run(ctx context.Context) { <-ctx.Done() }
