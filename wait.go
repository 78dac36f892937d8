package kobj

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kobj-dev/kobj/internal/condition"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// eventSource is what Wait follows: the events of one object, starting
// with Resync, Added{Initial: true} if the object exists, Synced, then the
// object's changes. Err says why Events closed, once it has; it is nil
// when the source was stopped or its context ended.
type eventSource interface {
	Events() <-chan WatchEvent
	Err() error
	Stop()
}

// Wait blocks until every condition holds on one observed version of the
// object (o's kind, namespace and name), then updates o in place to that
// version and returns it. The conditions are evaluated once the current
// state is known, again on every change, and again when a verdict changes
// with the clock although the object does not (Ready() on a Pod that
// cannot be scheduled turns Failed 15 s after its creation).
//
// When the object does not exist at the start, Gone() holds at once; with
// Exists() among conds (or within one of them, by AnyOf or AllOf) Wait
// waits for the object to be created, then for the other conditions;
// otherwise it fails at once with an error for which apierrors.IsNotFound
// is true.
//
// It fails when ctx ends first, with an error that wraps ctx.Err() (so
// errors.Is(err, context.DeadlineExceeded) holds after a deadline) and
// names each unmet condition with what was last observed of it; when a
// condition fails (FailWhen, Ready() on a Failed object: the error wraps
// ErrConditionFailed) or cannot be evaluated; before any request, when no
// conditions are given, o has no name, or a condition can never be
// evaluated (a JSONPath kubectl rejects, a PathEquals path that does not
// parse, the zero Condition); and when following the object fails for good (no
// client, an unknown kind, no permission). On failure o holds the last
// version observed, if any was.
func (o *Object) Wait(ctx context.Context, conds ...Condition) (_ *Object, err error) {
	defer wrapCall(&err, callName("Wait", o))
	if o == nil {
		return o, errors.New("nil object")
	}
	if len(conds) == 0 {
		return o, errors.New("no conditions given")
	}
	if o.Name() == "" {
		return o, errors.New("the object has no name: Wait follows one named object")
	}
	for _, c := range conds {
		if err := c.validate(); err != nil {
			return o, fmt.Errorf("%s: %w", c, err)
		}
	}
	// One watch of the object (a field selector on its name): the initial
	// state, then each change, in one long request that survives
	// disconnects and 410s; no polling.
	src, err := o.Watch(ctx)
	if err != nil {
		return o, err
	}
	return o.waitOn(ctx, src, conds)
}

// waitClock is the time a wait reads: the evaluation's now, and a timer
// for a verdict that changes with the clock. Tests give their own.
type waitClock struct {
	now   func() time.Time
	after func(time.Duration) <-chan time.Time
}

// waitOn runs a wait over src, which it stops before returning.
func (o *Object) waitOn(ctx context.Context, src eventSource, conds []Condition) (*Object, error) {
	return o.waitOnClock(ctx, src, conds, waitClock{now: time.Now, after: time.After})
}

// waitOnClock is waitOn with the clock given. Besides on every event, it
// evaluates the conditions again when the last evaluation said its
// verdict may change with the clock (verdict.recheckAt).
func (o *Object) waitOnClock(ctx context.Context, src eventSource, conds []Condition, clock waitClock) (*Object, error) {
	defer src.Stop()
	w := &waiter{conds: conds, uid: o.UID(), subject: o, now: clock.now}
	defer w.refresh(o)
	events := src.Events()
	var armed time.Time          // the recheck the timer is set for
	var recheck <-chan time.Time // nil while none is due
	for {
		if !w.recheckAt.Equal(armed) {
			armed, recheck = w.recheckAt, nil
			if !armed.IsZero() {
				recheck = clock.after(max(armed.Sub(clock.now()), 0))
			}
		}
		select {
		case <-recheck:
			armed, recheck = time.Time{}, nil
			if w.listing {
				continue // Synced evaluates the relisted state
			}
			if done, err := w.evaluate(); done || err != nil {
				return o, err
			}
		case <-ctx.Done():
			return o, w.unmetError(ctx.Err())
		case ev, ok := <-events:
			if !ok {
				if ctx.Err() != nil {
					return o, w.unmetError(ctx.Err())
				}
				err := src.Err()
				if err == nil {
					err = errors.New("the watch ended")
				}
				return o, fmt.Errorf("following the object: %w", err)
			}
			if done, err := w.observe(ev); done || err != nil {
				return o, err
			}
		}
	}
}

// waiter is the state of one wait.
type waiter struct {
	conds   []Condition
	subject *Object // the waited-for object as the caller gave it, for errors

	uid       types.UID // the object's identity; see observed.uid
	listing   bool      // between Resync and Synced
	listed    bool      // an Added arrived since Resync
	evaluated int       // how many times the conditions were evaluated
	cur       *Object   // the object as last observed; nil when absent
	last      *Object   // the last object observed, even if since deleted
	verdicts  []verdict // of the last evaluation, one per condition
	now       func() time.Time
	recheckAt time.Time // of the last evaluation: the earliest verdict.recheckAt
}

// observe takes one event in and reports whether the wait is over.
func (w *waiter) observe(ev WatchEvent) (bool, error) {
	switch ev.Type {
	case Resync:
		w.listing, w.listed = true, false
		return false, nil
	case Added, Modified:
		w.see(ev.Object)
		if w.listing {
			w.listed = true
			return false, nil
		}
	case Deleted:
		if ev.Object != nil {
			w.last = ev.Object
		}
		w.cur = nil
	case Synced:
		w.listing = false
		if !w.listed {
			w.cur = nil
		}
	default:
		return false, nil
	}
	if w.listing {
		return false, nil
	}
	return w.evaluate()
}

func (w *waiter) see(obj *Object) {
	w.cur, w.last = obj, obj
	if w.uid == "" && obj != nil {
		w.uid = obj.UID()
	}
}

// evaluate checks every condition on the current state.
func (w *waiter) evaluate() (bool, error) {
	first := w.evaluated == 0
	w.evaluated++
	now := time.Now
	if w.now != nil {
		now = w.now
	}
	s := observed{obj: w.cur, uid: w.uid, now: now()}
	w.verdicts = make([]verdict, len(w.conds))
	w.recheckAt = time.Time{}
	allMet := true
	for i, c := range w.conds {
		v := c.evaluate(s, evalMode{})
		w.verdicts[i] = v
		w.recheckAt = condition.EarliestRecheck(w.recheckAt, v.RecheckAt)
		if v.Err != nil {
			return false, fmt.Errorf("%s: %w", c, v.Err)
		}
		allMet = allMet && v.Met
	}
	if allMet {
		return true, nil
	}
	// The conditions together are an AllOf: with Exists() among them, or
	// within one of them, a missing object is waited for.
	if first && w.cur == nil && !slices.ContainsFunc(w.conds, func(c Condition) bool { return c.waitsForCreation }) {
		var needy []string
		for i, v := range w.verdicts {
			if !v.Met {
				needy = append(needy, w.conds[i].String())
			}
		}
		return false, fmt.Errorf("%s cannot hold: %w (add Exists() to wait for its creation)",
			strings.Join(needy, ", "), w.notFound())
	}
	return false, nil
}

// notFound is the error of an object missing at the start, in the
// server's form so that apierrors.IsNotFound holds.
func (w *waiter) notFound() error {
	gvk := w.subject.GroupVersionKind()
	err := apierrors.NewNotFound(schema.GroupResource{Group: gvk.Group, Resource: strings.ToLower(gvk.Kind)}, w.subject.Name())
	err.ErrStatus.Details.Kind = gvk.Kind
	return err
}

// unmetError is the error of a wait whose context ended: it wraps cause
// and names what did not hold, with what was last seen of it.
func (w *waiter) unmetError(cause error) error {
	if w.evaluated == 0 {
		return fmt.Errorf("%w before the object's state was known; waiting for %s", cause, joinConditions(w.conds))
	}
	var parts []string
	for i, v := range w.verdicts {
		if !v.Met {
			parts = append(parts, fmt.Sprintf("%s (last observed: %s)", w.conds[i], v.Seen))
		}
	}
	at := "the object does not exist"
	if w.cur != nil {
		at = "resourceVersion " + w.cur.ResourceVersion()
	}
	return fmt.Errorf("%w; unmet at %s: %s", cause, at, strings.Join(parts, "; "))
}

func joinConditions(conds []Condition) string {
	names := make([]string, len(conds))
	for i, c := range conds {
		names[i] = c.String()
	}
	return strings.Join(names, ", ")
}

// refresh makes o the last version observed, with its server copy, so
// that a later Update diffs against it. Nothing observed leaves o as it
// was.
func (w *waiter) refresh(o *Object) {
	if w.last == nil {
		return
	}
	cp := w.last.DeepCopy()
	served := cp.served
	if served == nil {
		b, err := json.Marshal(cp.u.Object)
		if err != nil {
			return // an observed object always has a JSON form
		}
		served = b
	}
	o.adopt(cp.u.Object, served)
}
