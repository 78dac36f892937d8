package operator

import (
	"errors"
	"time"
)

// Request names the object a reconcile is for. It is the work queue's key:
// requests for one object are merged while they wait, and one object is
// never reconciled by two workers at once.
type Request struct {
	APIVersion string
	Kind       string
	Namespace  string // "" for a cluster-scoped object
	Name       string
}

// String returns "apiVersion kind namespace/name" (or "apiVersion kind
// name" for a cluster-scoped object), for logs.
func (r Request) String() string {
	if r.Namespace == "" {
		return r.APIVersion + " " + r.Kind + " " + r.Name
	}
	return r.APIVersion + " " + r.Kind + " " + r.Namespace + "/" + r.Name
}

// Result is what a reconcile asks for when it succeeds. RequeueAfter > 0
// reconciles the object again after that long (sooner if it changes).
type Result struct {
	RequeueAfter time.Duration
}

// Reason says why a reconcile runs: a hint, since requests for one object
// merge while they wait (the reason is the latest).
type Reason string

// The reasons of a reconcile.
const (
	// Created: the object appeared after the cache had synced.
	Created Reason = "Created"
	// Changed: the object changed.
	Changed Reason = "Changed"
	// Deleted: the object is gone from the cache (Object is nil).
	Deleted Reason = "Deleted"
	// OwnedChanged: an object it owns (Owns) or that maps to it (Watches)
	// changed.
	OwnedChanged Reason = "OwnedChanged"
	// Requeued: a retry after an error, or Result.RequeueAfter.
	Requeued Reason = "Requeued"
	// Resynced: the object was in the cache's first list, or a relist.
	Resynced Reason = "Resynced"
)

// terminalError marks an error the controller does not retry.
type terminalError struct{ err error }

func (e terminalError) Error() string { return "terminal: " + e.err.Error() }
func (e terminalError) Unwrap() error { return e.err }

// Terminal wraps err so that the controller logs it and does not retry
// the reconcile (until the object changes again). Terminal(nil) is nil.
func Terminal(err error) error {
	if err == nil {
		return nil
	}
	return terminalError{err}
}

// IsTerminal reports whether err, or an error it wraps, was made by
// Terminal.
func IsTerminal(err error) bool {
	var t terminalError
	return errors.As(err, &t)
}
