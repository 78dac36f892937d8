package fieldpath

import (
	"reflect"
	"slices"

	"github.com/google/go-cmp/cmp"
	"github.com/kobj-dev/kobj/internal/jsonvalue"
)

// ChangeKind is how a node differs between two trees.
type ChangeKind int

// The kinds of change Diff reports.
const (
	Changed ChangeKind = iota // in both, with different values
	Added                     // in the second tree only
	Removed                   // in the first tree only
)

// Diff calls report for every node where a and b differ, computed with
// go-cmp, in path order (Compare): maps compared key by key and lists index
// by index; a node whose type differs is one Changed at that node. Numbers
// equal by value (int64 3 and float64 3) do not differ. path is in Format's
// spelling; old (nil when Added) and new (nil when Removed) are copies,
// shared with neither tree. Diff does not fail. It takes a callback rather
// than returning a slice so that the caller builds its own values without
// a second allocation.
func Diff(a, b map[string]any, report func(path string, kind ChangeKind, old, new any)) {
	var r diffReporter
	cmp.Equal(a, b, cmp.Reporter(&r),
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
	slices.SortStableFunc(r.found, func(a, b found) int { return Compare(a.segs, b.segs) })
	for _, f := range r.found {
		report(Format(f.segs), f.kind, f.old, f.new)
	}
}

// diffReporter is a cmp.Reporter that records each differing leaf.
type diffReporter struct {
	steps []cmp.PathStep
	found []found
}

type found struct {
	segs     []Segment
	kind     ChangeKind
	old, new any
}

func (r *diffReporter) PushStep(ps cmp.PathStep) { r.steps = append(r.steps, ps) }
func (r *diffReporter) PopStep()                 { r.steps = r.steps[:len(r.steps)-1] }

func (r *diffReporter) Report(res cmp.Result) {
	if res.Equal() {
		return
	}
	var segs []Segment
	var last cmp.PathStep
	for _, s := range r.steps {
		mi, ok := s.(cmp.MapIndex)
		if !ok {
			continue
		}
		last = s
		if k := mi.Key(); k.Kind() == reflect.Int {
			segs = append(segs, Segment{Index: int(k.Int()), Bracket: true})
		} else {
			segs = append(segs, Segment{Key: k.String()})
		}
	}
	f := found{segs: segs, kind: Changed}
	vx, vy := r.steps[len(r.steps)-1].Values()
	if last != nil {
		if lx, ly := last.Values(); !lx.IsValid() {
			f.kind = Added
		} else if !ly.IsValid() {
			f.kind = Removed
		}
	}
	value := func(v reflect.Value) any {
		if v.IsValid() && v.CanInterface() {
			return jsonvalue.Copy(v.Interface())
		}
		return nil
	}
	f.old, f.new = value(vx), value(vy)
	r.found = append(r.found, f)
}
