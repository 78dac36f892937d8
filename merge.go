package kobj

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kobj-dev/kobj/internal/fieldpath"
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
	return pathError(fieldpath.Merge(o.u.Object, src, mo.overwrite))
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
	var out []Difference
	fieldpath.Diff(root(o), root(p), func(path string, kind fieldpath.ChangeKind, old, new any) {
		out = append(out, Difference{path, diffType(kind), old, new})
	})
	return out
}

func diffType(k fieldpath.ChangeKind) DiffType {
	switch k {
	case fieldpath.Added:
		return DiffAdded
	case fieldpath.Removed:
		return DiffRemoved
	}
	return DiffChanged
}
