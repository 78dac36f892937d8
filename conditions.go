package kobj

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kobj-dev/kobj/internal/jsonvalue"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/jsonpath"
)

// ErrConditionFailed is wrapped by the error Wait returns when a condition
// says that waiting longer is pointless: a FailWhen condition held, or
// Ready() saw the object Failed. Test for it with errors.Is.
var ErrConditionFailed = errors.New("condition failed")

// Condition is something Wait waits for, evaluated on one observed version
// of an object (or on its absence). Make Conditions with ConditionTrue,
// ConditionIs, PathEquals, JSONPath, Exists, Gone, Ready, Func, AnyOf,
// AllOf, FailWhen and IgnoreObservedGeneration; the zero Condition fails
// the wait with an error.
type Condition struct {
	desc string
	eval func(s observed, ev evalMode) verdict
	// waitsForCreation is set when the condition can only hold once the
	// object exists and says so itself (Exists, or a combination with
	// Exists in it): an object missing when the wait starts is waited for,
	// not an error.
	waitsForCreation bool
}

// String describes the condition as it was written, such as
// ConditionTrue("Established").
func (c Condition) String() string {
	if c.eval == nil {
		return "Condition{}"
	}
	return c.desc
}

// observed is one observed state of the waited-for object.
type observed struct {
	obj *Object // nil when the object does not exist
	// uid is the UID the wait started with: the object's own, or the first
	// one observed. An object with another UID is a different object.
	uid types.UID
	// now is the moment of the evaluation, for readiness rules that
	// depend on the clock; zero means time.Now().
	now time.Time
}

// evalMode carries what wrappers such as IgnoreObservedGeneration change
// about how the conditions inside them are evaluated.
type evalMode struct {
	ignoreObservedGeneration bool
}

// verdict is the outcome of evaluating a Condition once.
type verdict struct {
	met bool
	// seen describes what was observed, for the error of a wait that ends
	// unmet: `Established is "False" (reason Installing)`.
	seen string
	// err ends the wait: a failure (wrapping ErrConditionFailed) or a
	// condition that cannot be evaluated (a JSONPath matching a list).
	err error
	// recheckAt is when the verdict may change although the object does
	// not (a readiness rule that depends on the clock); zero if never.
	recheckAt time.Time
}

// earliestRecheck returns the earlier of two recheck times, zero meaning
// none.
func earliestRecheck(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

const absentText = "the object does not exist"

func (c Condition) evaluate(s observed, ev evalMode) verdict {
	if c.eval == nil {
		return verdict{err: errors.New("zero Condition: make Conditions with the kobj constructors")}
	}
	return c.eval(s, ev)
}

// ConditionTrue holds when the object has a condition of type typ (compared
// case-insensitively, as kubectl does) with status "True"; it is
// ConditionIs(typ, "True").
func ConditionTrue(typ string) Condition {
	c := ConditionIs(typ, "True")
	c.desc = fmt.Sprintf("ConditionTrue(%q)", typ)
	return c
}

// ConditionIs holds when status.conditions has an entry of type typ whose
// status is status, both compared case-insensitively (kubectl wait
// --for=condition=typ=status). As in kubectl, a condition that describes
// an older generation of the object does not count: when
// metadata.generation is set and the condition's observedGeneration (or
// else status.observedGeneration) is set and lower, the condition is not
// met. Wrap it in IgnoreObservedGeneration for resources whose controller
// does not maintain observedGeneration.
func ConditionIs(typ, status string) Condition {
	return Condition{
		desc: fmt.Sprintf("ConditionIs(%q, %q)", typ, status),
		eval: func(s observed, ev evalMode) verdict {
			if s.obj == nil {
				return verdict{seen: absentText}
			}
			for _, c := range conditionsOf(s.obj) {
				if !strings.EqualFold(c.Type, typ) {
					continue
				}
				seen := fmt.Sprintf("%s is %q", c.Type, c.Status)
				if c.Reason != "" {
					seen += " (reason " + c.Reason + ")"
				}
				if !strings.EqualFold(c.Status, status) {
					return verdict{seen: seen}
				}
				if stale, why := staleCondition(s.obj, c); stale && !ev.ignoreObservedGeneration {
					return verdict{seen: seen + " but " + why}
				}
				return verdict{met: true, seen: seen}
			}
			return verdict{seen: fmt.Sprintf("no condition %s", typ)}
		},
	}
}

// staleCondition applies kubectl's observedGeneration rule to c.
func staleCondition(o *Object, c statusCondition) (bool, string) {
	gen, err := o.GetInt64("metadata.generation")
	if err != nil {
		return false, ""
	}
	observedGen, have := c.ObservedGeneration, c.HasObservedGeneration
	if !have {
		if g, err := o.GetInt64("status.observedGeneration"); err == nil {
			observedGen, have = g, true
		}
	}
	if !have || observedGen >= gen {
		return false, ""
	}
	return true, fmt.Sprintf("observedGeneration %d is older than generation %d", observedGen, gen)
}

// IgnoreObservedGeneration returns c with kubectl's observedGeneration rule
// switched off for every ConditionIs and ConditionTrue inside it: for
// custom resources whose controller sets conditions but never
// observedGeneration, so that the rule would otherwise hold the wait.
func IgnoreObservedGeneration(c Condition) Condition {
	return Condition{
		desc: "IgnoreObservedGeneration(" + c.String() + ")",
		eval: func(s observed, ev evalMode) verdict {
			ev.ignoreObservedGeneration = true
			return c.evaluate(s, ev)
		},
		waitsForCreation: c.waitsForCreation,
	}
}

// PathEquals holds when the value at path (kobj's path syntax, as for Get)
// equals v as JSON sees it: numbers by value (3 equals 3.0), maps and lists
// recursively. A missing value equals only nil. A v that has no JSON form
// fails the wait with an error.
func PathEquals(path string, v any) Condition {
	want, wantErr := jsonValue(v, path)
	if wantErr != nil {
		wantErr = &PathError{Path: path, Err: wantErr}
	} else if _, err := parsePath(path); err != nil {
		wantErr = err
	}
	return Condition{
		desc: fmt.Sprintf("PathEquals(%q, %s)", path, showValue(v)),
		eval: func(s observed, _ evalMode) verdict {
			if wantErr != nil {
				return verdict{err: wantErr}
			}
			if s.obj == nil {
				return verdict{seen: absentText}
			}
			got, found := s.obj.Get(path)
			if !found {
				return verdict{met: want == nil, seen: "no value at " + path}
			}
			return verdict{met: jsonvalue.Equal(got, want), seen: path + " is " + showValue(got)}
		},
	}
}

// showValue formats a value for a condition's description.
func showValue(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	if v == nil {
		return "null"
	}
	return fmt.Sprintf("%v", v)
}

// JSONPath holds when the kubectl-style JSONPath expression expr (client-go's
// util/jsonpath; the braces and the leading dot may be left out, as with
// kubectl wait --for=jsonpath=) finds one value that, printed with %v,
// equals value after trimming spaces. Without a value, any non-empty
// match holds. As in kubectl, a missing key is no match, and a match of
// several values or of a map or a list fails the wait with an error, as
// does an expression that does not parse or more than one value.
func JSONPath(expr string, value ...string) Condition {
	desc := fmt.Sprintf("JSONPath(%q)", expr)
	if len(value) > 0 {
		desc = fmt.Sprintf("JSONPath(%q, %q)", expr, strings.Join(value, `", "`))
	}
	jp, parseErr := compileJSONPath(expr)
	if parseErr == nil && len(value) > 1 {
		parseErr = fmt.Errorf("JSONPath takes at most one value, got %d", len(value))
	}
	return Condition{
		desc: desc,
		eval: func(s observed, _ evalMode) verdict {
			if parseErr != nil {
				return verdict{err: parseErr}
			}
			if s.obj == nil {
				return verdict{seen: absentText}
			}
			return jsonPathVerdict(jp, expr, s.obj, value)
		},
	}
}

// relaxedJSONPath matches what kubectl's RelaxedJSONPathExpression accepts:
// an expression with or without its braces and leading dot.
var relaxedJSONPath = regexp.MustCompile(`^\{?(\.?[^{}]*)\}?$`)

func compileJSONPath(expr string) (*jsonpath.JSONPath, error) {
	full := expr
	if m := relaxedJSONPath.FindStringSubmatch(expr); m != nil && strings.TrimSpace(expr) != "" {
		inner := m[1]
		if !strings.HasPrefix(inner, ".") {
			inner = "." + inner
		}
		full = "{" + inner + "}"
	}
	jp := jsonpath.New("wait").AllowMissingKeys(true)
	if err := jp.Parse(full); err != nil {
		return nil, fmt.Errorf("JSONPath %q: %w", expr, err)
	}
	return jp, nil
}

func jsonPathVerdict(jp *jsonpath.JSONPath, expr string, o *Object, value []string) verdict {
	results, err := jp.FindResults(o.u.Object)
	if err != nil {
		return verdict{err: fmt.Errorf("JSONPath %q: %w", expr, err)}
	}
	if len(results) == 0 || len(results[0]) == 0 {
		return verdict{seen: "no value at " + expr}
	}
	if len(results) > 1 || len(results[0]) > 1 {
		return verdict{err: fmt.Errorf("JSONPath %q matches more than one value", expr)}
	}
	found := results[0][0]
	for found.Kind() == reflect.Interface && !found.IsNil() {
		found = found.Elem()
	}
	switch found.Kind() {
	case reflect.Map, reflect.Slice, reflect.Array:
		return verdict{err: fmt.Errorf("JSONPath %q leads to a map or a list, which cannot be compared", expr)}
	}
	got := fmt.Sprintf("%v", found.Interface())
	seen := fmt.Sprintf("%s is %q", expr, got)
	if len(value) == 0 {
		return verdict{met: true, seen: seen}
	}
	return verdict{met: strings.TrimSpace(got) == strings.TrimSpace(value[0]), seen: seen}
}

// Exists holds when the object exists. Among Wait's conditions, or within
// AnyOf or AllOf, it makes Wait wait for an object that does not exist
// yet instead of failing at once.
func Exists() Condition {
	return Condition{
		desc: "Exists()",
		eval: func(s observed, _ evalMode) verdict {
			if s.obj == nil {
				return verdict{seen: absentText}
			}
			return verdict{met: true, seen: "the object exists"}
		},
		waitsForCreation: true,
	}
}

// Gone holds when the object does not exist, or when the object under its
// name has another UID than the one the wait started with (it was deleted
// and made again). An object with a deletionTimestamp, held by
// finalizers, is not gone yet.
func Gone() Condition {
	return Condition{
		desc: "Gone()",
		eval: func(s observed, _ evalMode) verdict {
			switch {
			case s.obj == nil:
				return verdict{met: true, seen: absentText}
			case s.uid != "" && s.obj.UID() != s.uid:
				return verdict{met: true, seen: fmt.Sprintf("the object was replaced (uid %s, was %s)", s.obj.UID(), s.uid)}
			}
			seen := "the object exists"
			if r := s.obj.Readiness(); r.State == Terminating {
				seen = "the object is terminating"
				if f := s.obj.Finalizers(); len(f) > 0 {
					seen += ", held by finalizers " + strings.Join(f, ", ")
				}
			}
			return verdict{seen: seen}
		},
	}
}

// Ready holds when the object's Readiness is Current. When it is Failed,
// the wait ends at once with an error wrapping ErrConditionFailed, rather
// than at its deadline. A readiness that changes with the clock (an
// unschedulable Pod fails 15 s after its creation) is evaluated again at
// that moment, without waiting for the object to change.
func Ready() Condition {
	return Condition{
		desc: "Ready()",
		eval: func(s observed, _ evalMode) verdict {
			if s.obj == nil {
				return verdict{seen: "readiness " + string(NotFound)}
			}
			now := s.now
			if now.IsZero() {
				now = time.Now()
			}
			r := readinessAt(s.obj, now)
			v := verdict{met: r.State == Current, seen: "readiness " + r.String(), recheckAt: r.RecheckAt}
			if r.State == Failed {
				v.err = fmt.Errorf("%w: Ready(): the object is %s", ErrConditionFailed, r)
			}
			return v
		},
	}
}

// Func holds when f returns true for the object. f sees the observed object
// (a copy it may keep) and is not called while the object does not exist;
// an error from f ends the wait with that error.
func Func(f func(o *Object) (bool, error)) Condition {
	return Condition{
		desc: "Func(...)",
		eval: func(s observed, _ evalMode) verdict {
			if f == nil {
				return verdict{err: errors.New("Func(nil)")}
			}
			if s.obj == nil {
				return verdict{seen: absentText}
			}
			ok, err := f(s.obj.DeepCopy())
			if err != nil {
				return verdict{err: fmt.Errorf("Func: %w", err)}
			}
			return verdict{met: ok, seen: fmt.Sprintf("the function said %t", ok)}
		},
	}
}

// AnyOf holds when at least one of conds holds on the same observed object.
// AnyOf() with no conditions never holds.
func AnyOf(conds ...Condition) Condition {
	return combine("AnyOf", conds, func(met, n int) bool { return met > 0 })
}

// AllOf holds when every one of conds holds on the same observed object.
// AllOf() with no conditions always holds.
func AllOf(conds ...Condition) Condition {
	return combine("AllOf", conds, func(met, n int) bool { return met == n })
}

func combine(name string, conds []Condition, holds func(met, n int) bool) Condition {
	names := make([]string, len(conds))
	waits := false
	for i, c := range conds {
		names[i] = c.String()
		waits = waits || c.waitsForCreation
	}
	return Condition{
		desc: name + "(" + strings.Join(names, ", ") + ")",
		eval: func(s observed, ev evalMode) verdict {
			met := 0
			var seen []string
			var firstErr error
			var recheckAt time.Time
			for _, c := range conds {
				v := c.evaluate(s, ev)
				if v.met {
					met++
				}
				recheckAt = earliestRecheck(recheckAt, v.recheckAt)
				if v.err != nil && firstErr == nil {
					firstErr = v.err
				}
				seen = append(seen, v.seen)
			}
			// A combination that holds holds, even when a branch that
			// did not hold failed (AnyOf); otherwise a failure ends it.
			v := verdict{met: holds(met, len(conds)), seen: strings.Join(dedupe(seen), "; "), recheckAt: recheckAt}
			if !v.met {
				v.err = firstErr
			}
			return v
		},
		waitsForCreation: waits,
	}
}

// dedupe drops repeated descriptions ("the object does not exist" thrice).
func dedupe(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// FailWhen ends the wait with an error wrapping ErrConditionFailed as soon
// as c holds. While c does not hold, FailWhen counts as met, so that
// Wait(ctx, ConditionTrue("Complete"), FailWhen(ConditionTrue("Failed")))
// returns when the Job completes and fails when it fails.
func FailWhen(c Condition) Condition {
	return Condition{
		desc: "FailWhen(" + c.String() + ")",
		eval: func(s observed, ev evalMode) verdict {
			v := c.evaluate(s, ev)
			if v.err != nil {
				return v
			}
			if v.met {
				return verdict{seen: v.seen, err: fmt.Errorf("%w: %s holds: %s", ErrConditionFailed, c, v.seen)}
			}
			return verdict{met: true, seen: v.seen, recheckAt: v.recheckAt}
		},
	}
}
