package kobj

import (
	"time"

	"github.com/kobj-dev/kobj/readiness"
)

// ReadinessState is the computed state of an object, in the vocabulary of
// kstatus (sigs.k8s.io/cli-utils/pkg/kstatus/status): readiness.State.
type ReadinessState = readiness.State

// The states Readiness reports; see package readiness. NotFound is what a
// wait reports for an object that does not exist; the Readiness of an
// Object value never says NotFound.
const (
	InProgress  = readiness.InProgress
	Current     = readiness.Current
	Failed      = readiness.Failed
	Terminating = readiness.Terminating
	NotFound    = readiness.NotFound
	Unknown     = readiness.Unknown
)

// Readiness is the computed state of an object: its State, a CamelCase
// Reason, a Message for humans and, when a rule depends on the clock, the
// RecheckAt moment when the answer may change by itself.
type Readiness = readiness.Result

// Readiness computes the object's state from its content alone, without a
// request, by kstatus's rules: it is readiness.Compute(o.Map()), whose doc
// comment gives the rules, where they differ from kstatus and why.
func (o *Object) Readiness() Readiness {
	return readiness.Compute(o.u.Object)
}

// readinessAt is Readiness with the clock given.
func readinessAt(o *Object, now time.Time) Readiness {
	return readiness.ComputeAt(o.u.Object, now)
}
