package kobj

// Edit's own options; Edit also takes every option Update takes.

type rollbackOption struct{}

// Rollback makes Edit restore the object as it was before the edit when
// the edit function fails or panics, or the update fails. Only the local
// object is restored; nothing is undone on the server. Edit takes it.
func Rollback() EditOption { return rollbackOption{} }

func (rollbackOption) applyToEdit(co *callOptions) { co.rollback = true }

type retryOnConflictOption struct{}

// RetryOnConflict makes Edit, on a Conflict, read the object again and run
// the edit function again, until it succeeds, fails otherwise, the context
// ends, or 100 attempts have met a Conflict. Edit takes it.
func RetryOnConflict() EditOption { return retryOnConflictOption{} }

func (retryOnConflictOption) applyToEdit(co *callOptions) { co.retryOnConflict = true }
