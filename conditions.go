package kobj

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kobj-dev/kobj/internal/condition"
	"k8s.io/apimachinery/pkg/types"
)

// Condition is something Wait waits for, evaluated on one observed version
// of an object (or on its absence). Make Conditions with ConditionTrue,
// ConditionIs, PathEquals, JSONPath, Exists, Gone, Ready, Func, AnyOf,
// AllOf, FailWhen and IgnoreObservedGeneration; the zero Condition fails
// the wait with an error. Check evaluates one on an object in memory.
type Condition struct {
	desc string
	eval func(s observed, ev evalMode) verdict
	// invalid is why the condition can never be evaluated (a JSONPath
	// that does not parse, a path with no JSON value): Wait returns it
	// before any request.
	invalid error
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

// Check evaluates the condition on o as it is in memory, with no request:
// operators and scripts use it to test a state without waiting, and Wait
// evaluates each observed version the same way. It reports whether the
// condition holds.
//
// o stands for an object that exists, with o's UID as its identity: Exists()
// holds and Gone() does not (a replaced object can only be seen across
// versions, by Wait). A nil o stands for an object that does not exist:
// Gone() holds, and every condition that reads the object (Func included,
// which is not called) does not.
//
// The error is the one that would end a Wait on that version: for a
// condition that fails (FailWhen whose condition holds, Ready() on a Failed
// object) it wraps ErrConditionFailed and the result is false; a condition
// that cannot be evaluated on o (a JSONPath matching several values, a
// status.conditions that is not a list, an error from Func) or at all (an
// expression that does not parse, the zero Condition) returns its error.
// The error names the condition.
func (c Condition) Check(o *Object) (bool, error) {
	s := observed{}
	if o != nil {
		s = observed{obj: o, uid: o.UID()}
	}
	v := c.evaluate(s, evalMode{})
	if v.Err != nil {
		return false, fmt.Errorf("%s: %w", c, v.Err)
	}
	return v.Met, nil
}

// validate returns why the condition can never be evaluated, or nil.
func (c Condition) validate() error {
	if c.eval == nil {
		return errors.New("zero Condition: make Conditions with the kobj constructors")
	}
	return c.invalid
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
type evalMode = condition.Mode

// verdict is the outcome of evaluating a Condition once: Met, Seen (what
// was observed, for the error of a wait that ends unmet), Err (ends the
// wait) and RecheckAt (when it may change although the object does not).
type verdict = condition.Verdict

const absentText = condition.Absent

func (c Condition) evaluate(s observed, ev evalMode) verdict {
	if err := c.validate(); err != nil {
		return verdict{Err: err}
	}
	return c.eval(s, ev)
}

// onContent makes the eval of a condition that reads the object's content
// and is unmet while the object does not exist.
func onContent(f func(m map[string]any, ev evalMode) condition.Verdict) func(observed, evalMode) verdict {
	return func(s observed, ev evalMode) verdict {
		if s.obj == nil {
			return verdict{Seen: absentText}
		}
		return f(s.obj.u.Object, ev)
	}
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
// status is status, both compared case-insensitively, by kubectl wait
// --for=condition=typ=status's rule: the first entry of type typ with a
// string status decides (an entry without one is skipped), and a
// status.conditions that is not a list fails the wait with an error. As
// in kubectl, a condition that describes an older generation of the object
// does not count: when metadata.generation is set and the condition's
// observedGeneration (or else status.observedGeneration) is set and lower,
// the condition is not met. Unlike kubectl, a generation held as a float64
// with a whole value (an object decoded by encoding/json) is read as that
// integer. Wrap it in IgnoreObservedGeneration for resources whose
// controller does not maintain observedGeneration.
func ConditionIs(typ, status string) Condition {
	return Condition{
		desc: fmt.Sprintf("ConditionIs(%q, %q)", typ, status),
		eval: onContent(func(m map[string]any, ev evalMode) condition.Verdict {
			return condition.Is(m, typ, status, ev)
		}),
	}
}

// IgnoreObservedGeneration returns c with kubectl's observedGeneration rule
// switched off for every ConditionIs and ConditionTrue inside it: for
// custom resources whose controller sets conditions but never
// observedGeneration, so that the rule would otherwise hold the wait.
func IgnoreObservedGeneration(c Condition) Condition {
	return Condition{
		desc: "IgnoreObservedGeneration(" + c.String() + ")",
		eval: func(s observed, ev evalMode) verdict {
			ev.IgnoreObservedGeneration = true
			return c.evaluate(s, ev)
		},
		invalid:          c.validate(),
		waitsForCreation: c.waitsForCreation,
	}
}

// PathEquals holds when the value at path (kobj's path syntax, as for Get)
// equals v as JSON sees it: numbers by value (3 equals 3.0), maps and lists
// recursively. A missing value equals only nil. A path that does not parse
// or a v that has no JSON form fails the wait with an error before any
// request.
func PathEquals(path string, v any) Condition {
	want, invalid := jsonValue(v, path)
	if invalid != nil {
		invalid = &PathError{Path: path, Err: invalid}
	} else if _, err := parsePath(path); err != nil {
		invalid = err
	}
	return Condition{
		desc:    fmt.Sprintf("PathEquals(%q, %s)", path, condition.Show(v)),
		invalid: invalid,
		eval: func(s observed, _ evalMode) verdict {
			if s.obj == nil {
				return verdict{Seen: absentText}
			}
			got, found := s.obj.Get(path)
			return condition.PathEquals(path, want, got, found)
		},
	}
}

// JSONPath holds by kubectl wait --for=jsonpath=expr[=value]'s rules. expr
// is one client-go util/jsonpath expression; its braces and leading dot
// may be left out. Without a value, any match holds, a map or a list
// included (--for=jsonpath='{.status.loadBalancer.ingress}' waits for an
// ingress). With a value, the one value matched, printed with %v, must
// equal value, spaces trimmed from both; the ' and " characters at both
// ends of value are removed first, as kubectl does.
//
// A missing key is no match. A match of several values, or of a map or a
// list when a value is given, fails the wait with an error. An expression
// kubectl rejects (empty, "{.a" with unbalanced braces, "{}", "{.a}{.b}", one
// that does not parse), a value that is empty once its quotes are removed,
// and more than one value fail the wait with an error before any request.
func JSONPath(expr string, value ...string) Condition {
	desc := fmt.Sprintf("JSONPath(%q)", expr)
	if len(value) > 0 {
		desc = fmt.Sprintf("JSONPath(%q, %q)", expr, strings.Join(value, `", "`))
	}
	jp, invalid := condition.CompileJSONPath(expr, value...)
	return Condition{
		desc:    desc,
		invalid: invalid,
		eval: onContent(func(m map[string]any, _ evalMode) condition.Verdict {
			return jp.Evaluate(m)
		}),
	}
}

// Exists holds when the object exists. Among Wait's conditions, or within
// AnyOf or AllOf, it makes Wait wait for an object that does not exist
// yet instead of failing at once.
func Exists() Condition {
	return Condition{
		desc: "Exists()",
		eval: func(s observed, _ evalMode) verdict {
			if s.obj == nil {
				return verdict{Seen: absentText}
			}
			return verdict{Met: true, Seen: "the object exists"}
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
				return verdict{Met: true, Seen: absentText}
			case s.uid != "" && s.obj.UID() != s.uid:
				return verdict{Met: true, Seen: fmt.Sprintf("the object was replaced (uid %s, was %s)", s.obj.UID(), s.uid)}
			}
			seen := "the object exists"
			if r := s.obj.Readiness(); r.State == Terminating {
				seen = "the object is terminating"
				if f := s.obj.Finalizers(); len(f) > 0 {
					seen += ", held by finalizers " + strings.Join(f, ", ")
				}
			}
			return verdict{Seen: seen}
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
				return verdict{Seen: "readiness " + string(NotFound)}
			}
			now := s.now
			if now.IsZero() {
				now = time.Now()
			}
			r := readinessAt(s.obj, now)
			v := verdict{Met: r.State == Current, Seen: "readiness " + r.String(), RecheckAt: r.RecheckAt}
			if r.State == Failed {
				v.Err = fmt.Errorf("%w: Ready(): the object is %s", ErrConditionFailed, r)
			}
			return v
		},
	}
}

// Func holds when f returns true for the object. f sees the observed object
// (a copy it may keep) and is not called while the object does not exist;
// an error from f ends the wait with that error. Func(nil) fails the wait
// with an error before any request.
func Func(f func(o *Object) (bool, error)) Condition {
	var invalid error
	if f == nil {
		invalid = errors.New("Func(nil)")
	}
	return Condition{
		desc:    "Func(...)",
		invalid: invalid,
		eval: func(s observed, _ evalMode) verdict {
			if s.obj == nil {
				return verdict{Seen: absentText}
			}
			ok, err := f(s.obj.DeepCopy())
			if err != nil {
				return verdict{Err: fmt.Errorf("Func: %w", err)}
			}
			return verdict{Met: ok, Seen: fmt.Sprintf("the function said %t", ok)}
		},
	}
}

// AnyOf holds when at least one of conds holds on the same observed object.
// AnyOf() with no conditions never holds.
func AnyOf(conds ...Condition) Condition {
	return combine("AnyOf", conds, condition.AnyOf)
}

// AllOf holds when every one of conds holds on the same observed object.
// AllOf() with no conditions always holds.
func AllOf(conds ...Condition) Condition {
	return combine("AllOf", conds, condition.AllOf)
}

func combine(name string, conds []Condition, join func([]condition.Verdict) condition.Verdict) Condition {
	names := make([]string, len(conds))
	waits := false
	var invalid error
	for i, c := range conds {
		names[i] = c.String()
		waits = waits || c.waitsForCreation
		if err := c.validate(); err != nil && invalid == nil {
			invalid = err
		}
	}
	return Condition{
		desc: name + "(" + strings.Join(names, ", ") + ")",
		eval: func(s observed, ev evalMode) verdict {
			vs := make([]verdict, len(conds))
			for i, c := range conds {
				vs[i] = c.evaluate(s, ev)
			}
			return join(vs)
		},
		invalid:          invalid,
		waitsForCreation: waits,
	}
}

// FailWhen ends the wait with an error wrapping ErrConditionFailed as soon
// as c holds. While c does not hold, FailWhen counts as met, so that
// Wait(ctx, ConditionTrue("Complete"), FailWhen(ConditionTrue("Failed")))
// returns when the Job completes and fails when it fails.
func FailWhen(c Condition) Condition {
	return Condition{
		desc: "FailWhen(" + c.String() + ")",
		eval: func(s observed, ev evalMode) verdict {
			return condition.FailWhen(c.String(), c.evaluate(s, ev))
		},
		invalid: c.validate(),
	}
}
