package kobj

import (
	"time"

	"github.com/kobj-dev/kobj/internal/jsonvalue"
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

// statusCondition is one entry of status.conditions, as the Condition
// constructors read it.
type statusCondition struct {
	Type, Status, Reason, Message string
	ObservedGeneration            int64
	HasObservedGeneration         bool
}

// conditionsOf returns status.conditions, skipping entries that are not
// maps.
func conditionsOf(o *Object) []statusCondition {
	raw, _ := o.Get("status.conditions")
	list, _ := raw.([]any)
	out := make([]statusCondition, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		c := statusCondition{}
		c.Type, _ = m["type"].(string)
		c.Status, _ = m["status"].(string)
		c.Reason, _ = m["reason"].(string)
		c.Message, _ = m["message"].(string)
		if g, ok := jsonvalue.Int64(m["observedGeneration"]); ok {
			c.ObservedGeneration, c.HasObservedGeneration = g, true
		}
		out = append(out, c)
	}
	return out
}
