package operator

import (
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/internal/fieldpath"
	"github.com/kobj-dev/kobj/internal/jsonvalue"
)

// Predicate decides whether an update of an object of a controller's For
// kind queues a reconcile. Builder.When sets them; an update reconciles
// only when every predicate given to When says so.
//
// Predicates see updates only: an object's creation, its deletion, the
// objects of the cache's first list and relists, retries, RequeueAfter,
// and every event of an Owns or Watches kind queue a reconcile whatever
// the predicates say, as controller-runtime's GenerationChangedPredicate
// does for creations and deletions. A periodic resync (an update that
// changes nothing) passes only a predicate that accepts no change.
//
// The zero Predicate is invalid: When reports it.
type Predicate struct {
	name string
	fn   func(*change) bool
	err  error // a construction error, reported by When
}

// String returns the predicate as it was built, such as
// "Or(GenerationChanged(), LabelsChanged())".
func (p Predicate) String() string {
	if p.name == "" {
		return "Predicate{}"
	}
	return p.name
}

// check returns why p cannot be used, or nil.
func (p Predicate) check() error {
	if p.err != nil {
		return p.err
	}
	if p.fn == nil {
		return errors.New("a zero Predicate (use one of the constructors)")
	}
	return nil
}

// change is one update that predicates judge: the entries before and
// after, decoded at most once and only when a predicate reads content.
type change struct {
	client           *kobj.Client
	old, new         *entry
	oldMap, newMap   map[string]any
	decoded          bool
	decodeErr        error
	oldObj, newObj   *kobj.Object
	objects, objsErr bool
}

// contents returns both entries decoded, or false when one cannot be
// (a predicate then lets the update through).
func (c *change) contents() (old, new map[string]any, ok bool) {
	if !c.decoded {
		c.decoded = true
		if c.oldMap, c.decodeErr = c.old.decode(); c.decodeErr == nil {
			c.newMap, c.decodeErr = c.new.decode()
		}
	}
	return c.oldMap, c.newMap, c.decodeErr == nil
}

// GenerationChanged passes an update that changes metadata.generation:
// a change of the spec for kinds with a status subresource, so that a
// status-only, label-only or annotation-only change does not reconcile.
// Kinds without a generation (ConfigMaps, Secrets) never change it: do
// not use it for them. Custom resources without a status subresource bump
// the generation on status changes too.
func GenerationChanged() Predicate {
	return Predicate{name: "GenerationChanged()", fn: func(c *change) bool {
		return c.old.Generation != c.new.Generation
	}}
}

// LabelsChanged passes an update that changes metadata.labels.
func LabelsChanged() Predicate {
	return Predicate{name: "LabelsChanged()", fn: func(c *change) bool {
		return !maps.Equal(c.old.Labels, c.new.Labels)
	}}
}

var annotationsPath = []fieldpath.Segment{fieldpath.Field("metadata"), fieldpath.Field("annotations")}

// AnnotationsChanged passes an update that changes metadata.annotations.
func AnnotationsChanged() Predicate {
	return Predicate{name: "AnnotationsChanged()", fn: func(c *change) bool {
		return pathChanged(c, annotationsPath)
	}}
}

// PathsChanged passes an update that changes the value at any of paths,
// written as kobj's Object.Get reads them ("spec.replicas",
// "spec.template.spec.containers[0].image",
// `metadata.annotations["example.com/mode"]`). A value that appears or
// goes is a change; numbers compare by value. When reports a path that
// does not parse, or no path at all.
func PathsChanged(paths ...string) Predicate {
	p := Predicate{name: "PathsChanged(" + strings.Join(quoteAll(paths), ", ") + ")"}
	if len(paths) == 0 {
		p.err = errors.New("PathsChanged(): no path given")
		return p
	}
	parsed := make([][]fieldpath.Segment, len(paths))
	for i, path := range paths {
		segs, err := fieldpath.Parse(path)
		if err != nil {
			p.err = fmt.Errorf("PathsChanged: %w", err)
			return p
		}
		parsed[i] = segs
	}
	p.fn = func(c *change) bool {
		for _, segs := range parsed {
			if pathChanged(c, segs) {
				return true
			}
		}
		return false
	}
	return p
}

// pathChanged reports whether the value at segs differs between the
// change's entries; true when they cannot be decoded.
func pathChanged(c *change, segs []fieldpath.Segment) bool {
	old, new, ok := c.contents()
	if !ok {
		return true
	}
	a, inOld := fieldpath.Lookup(old, segs)
	b, inNew := fieldpath.Lookup(new, segs)
	return inOld != inNew || !jsonvalue.Equal(a, b)
}

// PredicateFunc makes a Predicate of fn, which is given the object before
// and after an update (both the predicate's own copies) and returns
// whether the update should reconcile. Objects are decoded only for the
// updates that reach fn. When reports a nil fn.
func PredicateFunc(fn func(old, new *kobj.Object) bool) Predicate {
	p := Predicate{name: "PredicateFunc(...)"}
	if fn == nil {
		p.err = errors.New("PredicateFunc(nil)")
		return p
	}
	p.fn = func(c *change) bool {
		if !c.objects {
			c.objects = true
			var err1, err2 error
			c.oldObj, err1 = c.old.object(c.client)
			c.newObj, err2 = c.new.object(c.client)
			c.objsErr = err1 != nil || err2 != nil
		}
		if c.objsErr {
			return true
		}
		return fn(c.oldObj, c.newObj)
	}
	return p
}

// And passes an update that every one of ps passes; And() passes all.
func And(ps ...Predicate) Predicate {
	p := combine("And", ps)
	if p.err == nil {
		p.fn = func(c *change) bool {
			for _, q := range ps {
				if !q.fn(c) {
					return false
				}
			}
			return true
		}
	}
	return p
}

// Or passes an update that any of ps passes; Or() passes none.
func Or(ps ...Predicate) Predicate {
	p := combine("Or", ps)
	if p.err == nil {
		p.fn = func(c *change) bool {
			for _, q := range ps {
				if q.fn(c) {
					return true
				}
			}
			return false
		}
	}
	return p
}

// Not passes an update that p does not pass.
func Not(p Predicate) Predicate {
	n := combine("Not", []Predicate{p})
	if n.err == nil {
		n.fn = func(c *change) bool { return !p.fn(c) }
	}
	return n
}

// combine names a combination of ps and collects their errors.
func combine(op string, ps []Predicate) Predicate {
	names := make([]string, len(ps))
	var errs []error
	for i, q := range ps {
		names[i] = q.String()
		if err := q.check(); err != nil {
			errs = append(errs, fmt.Errorf("argument %d: %w", i+1, err))
		}
	}
	p := Predicate{name: op + "(" + strings.Join(names, ", ") + ")"}
	if len(errs) > 0 {
		p.err = fmt.Errorf("%s: %w", p.name, errors.Join(errs...))
	}
	return p
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}
