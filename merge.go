package kobj

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/google/go-cmp/cmp"
	"github.com/kobj-dev/kobj/internal/jsonvalue"
)

// DeepCopy returns a copy of o whose content shares no maps or lists with o,
// so that changing either leaves the other as it was. The copy keeps o's
// client and the server's JSON of the object (which is never changed in
// place). DeepCopy of a nil Object returns nil; it does not fail.
func (o *Object) DeepCopy() *Object {
	if o == nil {
		return nil
	}
	var m map[string]any
	if o.u.Object != nil {
		m = jsonvalue.Copy(o.u.Object).(map[string]any)
	}
	return fromServer(m, o.served, o.client)
}

// Equal reports whether o and p have the same content as JSON sees it: maps
// and lists are compared recursively and numbers by value, so int64(3)
// equals float64(3). The client and the server's copy do not count. Two nil
// Objects are equal; a nil and a non-nil Object are not.
func (o *Object) Equal(p *Object) bool {
	if o == nil || p == nil {
		return o == p
	}
	return jsonvalue.Equal(o.u.Object, p.u.Object)
}

// Merge copies the values of p into o, recursively (Hikaru's merge). Maps
// merge key by key; lists merge element by element, where two maps merge
// and otherwise p's element replaces o's, and p's extra elements are
// appended. Scalars of p replace o's values. p's null values and absent
// fields are skipped, unless Overwrite is given: then a null clears o's
// field. o ends up sharing no maps or lists with p, and p is not changed.
// Merging a nil p does nothing.
//
// Merge fails when o is nil, or when a map of p meets a value of o that is
// not a map (or a list meets a non-list) and is not null; the error names
// the path of that value, in a form Get reads, and wraps a *PathError.
// On failure o is left exactly as it was.
func (o *Object) Merge(p *Object, opts ...MergeOption) (err error) {
	defer wrapCall(&err, "Merge")
	if o == nil {
		return errors.New("nil object")
	}
	if p == nil || p.u.Object == nil {
		return nil
	}
	var mo mergeOptions
	for _, opt := range opts {
		opt.applyToMerge(&mo)
	}
	src := p.u.Object
	if o.u.Object == nil {
		o.u.Object = map[string]any{}
	} else if sameMap(o.u.Object, src) {
		src = jsonvalue.Copy(src).(map[string]any)
	}
	// A dry run finds any conflict before anything is changed; the apply
	// run meets exactly the same values, so it cannot fail half way.
	m := merger{overwrite: mo.overwrite}
	if _, err := m.merge(o.u.Object, src, nil); err != nil {
		return err
	}
	m.apply = true
	_, err = m.merge(o.u.Object, src, nil) // cannot fail: the dry run saw the same values
	return err
}

type merger struct {
	overwrite bool
	apply     bool // false: only look for conflicts, change nothing
}

// merge merges src into dst (both non-null) at path at and returns the value
// to store in dst's place.
func (m *merger) merge(dst, src any, at []segment) (any, error) {
	switch s := src.(type) {
	case map[string]any:
		d, ok := dst.(map[string]any)
		if !ok {
			return nil, m.conflict(at, "map", dst)
		}
		for _, k := range jsonvalue.SortedKeys(s) {
			sv := s[k]
			dv, has := d[k]
			switch {
			case jsonvalue.IsNull(sv):
				if m.apply && m.overwrite {
					delete(d, k)
				}
			case !has || jsonvalue.IsNull(dv):
				if m.apply {
					d[k] = jsonvalue.Copy(sv)
				}
			default:
				nv, err := m.merge(dv, sv, append(at[:len(at):len(at)], segment{key: k}))
				if err != nil {
					return nil, err
				}
				if m.apply {
					d[k] = nv
				}
			}
		}
		return d, nil
	case []any:
		d, ok := dst.([]any)
		if !ok {
			return nil, m.conflict(at, "list", dst)
		}
		for i, se := range s {
			switch {
			case i >= len(d):
				if m.apply {
					d = append(d, jsonvalue.Copy(se))
				}
			case jsonvalue.IsNull(se):
				if m.apply && m.overwrite {
					d[i] = nil
				}
			default:
				dm, dok := d[i].(map[string]any)
				sm, sok := se.(map[string]any)
				if dok && sok && dm != nil {
					if _, err := m.merge(dm, sm, append(at[:len(at):len(at)], segment{index: i, bracket: true})); err != nil {
						return nil, err
					}
				} else if m.apply {
					d[i] = jsonvalue.Copy(se)
				}
			}
		}
		return d, nil
	}
	return src, nil
}

func (m *merger) conflict(at []segment, what string, dst any) error {
	return &PathError{
		Path: formatPath(at),
		Err:  fmt.Errorf("cannot merge a %s into %s", what, aTypeName(dst)),
	}
}

// DiffType is the kind of a Difference.
type DiffType string

// The kinds of Difference.
const (
	DiffAdded   DiffType = "added"   // in the second object only
	DiffRemoved DiffType = "removed" // in the first object only
	DiffChanged DiffType = "changed" // in both, with different values
)

// Difference is one node where two objects differ. Path is in the form Get
// reads: for DiffRemoved and DiffChanged, o.Get(Path) returns Old; for
// DiffAdded and DiffChanged, p.Get(Path) returns New (o and p as in
// o.Diff(p)). Old and New are copies, not shared with the objects.
type Difference struct {
	Path     string
	Type     DiffType
	Old, New any
}

// String returns the difference in one line, such as
// "changed spec.replicas: 2 -> 3", with values written as JSON.
func (d Difference) String() string {
	switch d.Type {
	case DiffAdded:
		return fmt.Sprintf("added %s: %s", d.Path, jsonText(d.New))
	case DiffRemoved:
		return fmt.Sprintf("removed %s: %s", d.Path, jsonText(d.Old))
	}
	return fmt.Sprintf("%s %s: %s -> %s", d.Type, d.Path, jsonText(d.Old), jsonText(d.New))
}

func jsonText(v any) string {
	if b, err := json.Marshal(v); err == nil {
		return string(b)
	}
	return fmt.Sprint(v)
}

// Diff returns every node where o and p differ, computed with go-cmp, sorted
// by path (list indexes in numeric order). Maps are compared key by key and
// lists index by index; a field whose type differs between the objects, such
// as a map in o and a string in p, is one DiffChanged at that field. Numbers
// equal by value (int64 3 and float64 3) are not a difference. A nil Object
// is treated as an empty one. Diff does not fail; equal objects give nil.
func (o *Object) Diff(p *Object) []Difference {
	root := func(x *Object) map[string]any {
		if x == nil || x.u.Object == nil {
			return map[string]any{}
		}
		return x.u.Object
	}
	var r diffReporter
	cmp.Equal(root(o), root(p), cmp.Reporter(&r),
		// Lists compare index by index, so that a path holds on both sides.
		cmp.Transformer("list", func(l []any) map[int]any {
			m := make(map[int]any, len(l))
			for i, e := range l {
				m[i] = e
			}
			return m
		}),
		cmp.FilterValues(func(a, b any) bool { return jsonvalue.IsNumber(a) && jsonvalue.IsNumber(b) }, cmp.Comparer(jsonvalue.NumbersEqual)),
		cmp.FilterValues(func(x, y any) bool {
			return jsonvalue.IsNull(x) && jsonvalue.IsNull(y) && reflect.TypeOf(x) != reflect.TypeOf(y)
		}, cmp.Comparer(func(x, y any) bool { return true })),
	)
	slices.SortStableFunc(r.found, func(a, b found) int { return compareSegments(a.segs, b.segs) })
	var out []Difference
	for _, f := range r.found {
		out = append(out, Difference{formatPath(f.segs), f.d.Type, f.d.Old, f.d.New})
	}
	return out
}

// diffReporter is a cmp.Reporter that records each differing leaf.
type diffReporter struct {
	steps []cmp.PathStep
	found []found
}

type found struct {
	segs []segment
	d    Difference
}

func (r *diffReporter) PushStep(ps cmp.PathStep) { r.steps = append(r.steps, ps) }
func (r *diffReporter) PopStep()                 { r.steps = r.steps[:len(r.steps)-1] }

func (r *diffReporter) Report(res cmp.Result) {
	if res.Equal() {
		return
	}
	var segs []segment
	var last cmp.PathStep
	for _, s := range r.steps {
		mi, ok := s.(cmp.MapIndex)
		if !ok {
			continue
		}
		last = s
		if k := mi.Key(); k.Kind() == reflect.Int {
			segs = append(segs, segment{index: int(k.Int()), bracket: true})
		} else {
			segs = append(segs, segment{key: k.String()})
		}
	}
	d := Difference{Type: DiffChanged}
	vx, vy := r.steps[len(r.steps)-1].Values()
	if last != nil {
		if lx, ly := last.Values(); !lx.IsValid() {
			d.Type = DiffAdded
		} else if !ly.IsValid() {
			d.Type = DiffRemoved
		}
	}
	value := func(v reflect.Value) any {
		if v.IsValid() && v.CanInterface() {
			return jsonvalue.Copy(v.Interface())
		}
		return nil
	}
	d.Old, d.New = value(vx), value(vy)
	r.found = append(r.found, found{segs: segs, d: d})
}

// compareSegments orders paths segment by segment: list indexes by number,
// before field names, which are in string order; a prefix comes first.
func compareSegments(a, b []segment) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		switch x, y := a[i], b[i]; {
		case x.bracket != y.bracket:
			if x.bracket {
				return -1
			}
			return 1
		case x.bracket && x.index != y.index:
			return x.index - y.index
		case !x.bracket && x.key != y.key:
			return strings.Compare(x.key, y.key)
		}
	}
	return len(a) - len(b)
}
