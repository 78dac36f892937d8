package condition

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrFailed is wrapped by the verdict error of a condition that says
// waiting longer is pointless (FailWhen). The root package's
// ErrConditionFailed is this very value.
var ErrFailed = errors.New("condition failed")

// Verdict is the outcome of evaluating a condition once, on one observed
// state of an object.
type Verdict struct {
	Met bool
	// Seen describes what was observed, for the error of a wait that ends
	// unmet: `Established is "False" (reason Installing)`.
	Seen string
	// Err ends the wait: a failure (wrapping ErrFailed) or a condition
	// that cannot be evaluated on this state (a JSONPath matching several
	// values, a status.conditions that is not a list).
	Err error
	// RecheckAt is when the verdict may change although the object does
	// not (a readiness rule that depends on the clock); zero if never.
	RecheckAt time.Time
}

// EarliestRecheck returns the earlier of two recheck times, zero meaning
// none.
func EarliestRecheck(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// Mode is what wrappers such as IgnoreObservedGeneration change about how
// the conditions inside them are evaluated.
type Mode struct {
	// IgnoreObservedGeneration switches kubectl's observedGeneration rule
	// off (see Is).
	IgnoreObservedGeneration bool
}

// Absent is what a condition reports seeing when the object does not exist.
const Absent = "the object does not exist"

// AnyOf combines the verdicts of several conditions on one state: met when
// one is. A combination that holds holds even when a branch that did not
// hold failed; otherwise the first branch error is its error. No verdicts
// are never met.
func AnyOf(vs []Verdict) Verdict {
	return combine(vs, func(met, n int) bool { return met > 0 })
}

// AllOf combines verdicts as AnyOf does, met when every one is. No verdicts
// are always met.
func AllOf(vs []Verdict) Verdict {
	return combine(vs, func(met, n int) bool { return met == n })
}

func combine(vs []Verdict, holds func(met, n int) bool) Verdict {
	met := 0
	var seen []string
	var firstErr error
	var recheckAt time.Time
	for _, v := range vs {
		if v.Met {
			met++
		}
		recheckAt = EarliestRecheck(recheckAt, v.RecheckAt)
		if v.Err != nil && firstErr == nil {
			firstErr = v.Err
		}
		if v.Seen != "" && !slices.Contains(seen, v.Seen) {
			seen = append(seen, v.Seen) // not "the object does not exist" thrice
		}
	}
	out := Verdict{Met: holds(met, len(vs)), Seen: strings.Join(seen, "; "), RecheckAt: recheckAt}
	if !out.Met {
		out.Err = firstErr
	}
	return out
}

// FailWhen turns the verdict v of the condition described by desc inside
// it: met while v is not, and an error wrapping ErrFailed once v is. An
// error of v stays the error.
func FailWhen(desc string, v Verdict) Verdict {
	if v.Err != nil {
		return v
	}
	if v.Met {
		return Verdict{Seen: v.Seen, Err: fmt.Errorf("%w: %s holds: %s", ErrFailed, desc, v.Seen)}
	}
	return Verdict{Met: true, Seen: v.Seen, RecheckAt: v.RecheckAt}
}

// Show formats a JSON value for a description: strings quoted, null as
// null.
func Show(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	if v == nil {
		return "null"
	}
	return fmt.Sprintf("%v", v)
}

// jsonType names the JSON type of v for an error message.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "a map"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a bool"
	case int64, float64, int, int32, float32:
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}
