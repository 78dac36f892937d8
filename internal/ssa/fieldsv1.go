package ssa

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kobj-dev/kobj/internal/jsonvalue"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// selection is a set of fields of a JSON value: the whole value (all), or
// some of its map fields and list elements.
type selection struct {
	all    bool
	self   bool // the value itself, even when none of its fields is selected
	fields map[string]*selection
	elems  []elemSelection
}

// elemSelection selects list elements: by key fields (k:), by value (v:)
// or by index (i:).
type elemSelection struct {
	key   map[string]any
	value any
	index int // -1 unless by index
	byVal bool
	sel   *selection
}

// selectAll selects a whole value. Never modified.
var selectAll = &selection{all: true}

// union returns the fields of a and b; either may be nil.
func union(a, b *selection) *selection {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case a.all || b.all:
		return selectAll
	}
	u := &selection{self: a.self || b.self, fields: map[string]*selection{}}
	for k, s := range a.fields {
		u.fields[k] = s
	}
	for k, s := range b.fields {
		u.fields[k] = union(u.fields[k], s)
	}
	u.elems = append(slices.Clone(a.elems), b.elems...)
	return u
}

// empty reports whether s selects nothing at all: a manager whose entry
// holds no field.
func (s *selection) empty() bool {
	return s == nil || !s.all && !s.self && len(s.fields) == 0 && len(s.elems) == 0
}

// parseFieldsV1 reads a managedFields entry's fieldsV1 into a selection,
// recording under keys the key field names of each keyed list it meets (by
// path: field names joined by ".", a list element as "[]").
func parseFieldsV1(v any, path string, keys map[string][]string) (*selection, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("fieldsV1 at %q: not an object", path)
	}
	if len(m) == 0 {
		return selectAll, nil
	}
	s := &selection{fields: map[string]*selection{}}
	for k, sub := range m {
		switch {
		case k == ".":
			s.self = true
		case strings.HasPrefix(k, "f:"):
			name := k[2:]
			child, err := parseFieldsV1(sub, joinPath(path, name), keys)
			if err != nil {
				return nil, err
			}
			s.fields[name] = child
		case strings.HasPrefix(k, "k:"), strings.HasPrefix(k, "v:"), strings.HasPrefix(k, "i:"):
			child, err := parseFieldsV1(sub, path+"[]", keys)
			if err != nil {
				return nil, err
			}
			e := elemSelection{index: -1, sel: child}
			switch k[:2] {
			case "k:":
				if err := utiljson.Unmarshal([]byte(k[2:]), &e.key); err != nil || len(e.key) == 0 {
					return nil, fmt.Errorf("fieldsV1 at %q: bad key %s", path, k)
				}
				names := make([]string, 0, len(e.key))
				for n := range e.key {
					names = append(names, n)
				}
				slices.Sort(names)
				keys[path] = names
			case "v:":
				if err := utiljson.Unmarshal([]byte(k[2:]), &e.value); err != nil {
					return nil, fmt.Errorf("fieldsV1 at %q: bad value %s", path, k)
				}
				e.byVal = true
			case "i:":
				i, err := strconv.Atoi(k[2:])
				if err != nil || i < 0 {
					return nil, fmt.Errorf("fieldsV1 at %q: bad index %s", path, k)
				}
				e.index = i
			}
			s.elems = append(s.elems, e)
		default:
			return nil, fmt.Errorf("fieldsV1 at %q: unknown entry %q", path, k)
		}
	}
	return s, nil
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// changed selects what after changed or added relative to before; nil when
// nothing did. Removals select nothing: what is not in after is not sent.
// A changed list whose keys are known is compared element by element;
// another changed list is selected whole.
func changed(before, after any, path string, keys map[string][]string) *selection {
	if jsonvalue.Equal(before, after) {
		return nil
	}
	switch a := after.(type) {
	case map[string]any:
		b, ok := before.(map[string]any)
		if !ok {
			return selectAll
		}
		s := &selection{fields: map[string]*selection{}}
		for k, av := range a {
			bv, had := b[k]
			if !had {
				s.fields[k] = selectAll
			} else if c := changed(bv, av, joinPath(path, k), keys); c != nil {
				s.fields[k] = c
			}
		}
		if len(s.fields) == 0 {
			return nil // only removals
		}
		return s
	case []any:
		b, ok := before.([]any)
		names := keys[path]
		if !ok || names == nil {
			return selectAll
		}
		s := &selection{}
		for _, ae := range a {
			key, ok := keyOf(ae, names)
			if !ok {
				return selectAll
			}
			i := slices.IndexFunc(b, func(be any) bool { k, ok := keyOf(be, names); return ok && jsonvalue.Equal(k, key) })
			if i < 0 {
				s.elems = append(s.elems, elemSelection{key: key, index: -1, sel: selectAll})
			} else if c := changed(b[i], ae, path+"[]", keys); c != nil {
				s.elems = append(s.elems, elemSelection{key: key, index: -1, sel: c})
			}
		}
		if len(s.elems) == 0 {
			return nil
		}
		return s
	}
	return selectAll
}

// keyOf returns the key fields of a list element; false when it is not a
// map holding them all.
func keyOf(v any, names []string) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	key := make(map[string]any, len(names))
	for _, n := range names {
		kv, ok := m[n]
		if !ok {
			return nil, false
		}
		key[n] = kv
	}
	return key, true
}

// project returns the part of v that s selects; false when nothing.
func project(v any, s *selection) (any, bool) {
	if s == nil {
		return nil, false
	}
	if s.all {
		return jsonvalue.Copy(v), true
	}
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, fs := range s.fields {
			if fv, ok := x[k]; ok {
				if p, ok := project(fv, fs); ok {
					out[k] = p
				}
			}
		}
		return out, len(out) > 0 || s.self
	case []any:
		var out []any
		for i, e := range x {
			var es *selection
			var key map[string]any
			for _, sel := range s.elems {
				if sel.matches(i, e) {
					es = union(es, sel.sel)
					if sel.key != nil {
						key = sel.key
					}
				}
			}
			if es == nil {
				continue
			}
			p, _ := project(e, es)
			if pm, ok := p.(map[string]any); ok {
				for k, kv := range key { // an element is named by its keys
					pm[k] = jsonvalue.Copy(kv)
				}
			}
			if p == nil {
				p = jsonvalue.Copy(e)
			}
			out = append(out, p)
		}
		return out, len(out) > 0 || s.self
	}
	return jsonvalue.Copy(v), s.self // a leaf selected as a node
}

// matches reports whether the selection names element e at index i.
func (sel elemSelection) matches(i int, e any) bool {
	switch {
	case sel.key != nil:
		m, ok := e.(map[string]any)
		if !ok {
			return false
		}
		for k, kv := range sel.key {
			if !jsonvalue.Equal(m[k], kv) {
				return false
			}
		}
		return true
	case sel.byVal:
		return jsonvalue.Equal(e, sel.value)
	default:
		return sel.index == i
	}
}

// managedEntries reads the managedFields of a served object: the
// selection that manager owns by Apply on subresource ("" for the main
// resource), and the key names of every keyed list any manager wrote.
func managedEntries(served map[string]any, manager, subresource string) (*selection, map[string][]string, error) {
	keys := map[string][]string{}
	md, _ := served["metadata"].(map[string]any)
	entries, _ := md["managedFields"].([]any)
	var owned *selection
	for i, e := range entries {
		m, _ := e.(map[string]any)
		fv, ok := m["fieldsV1"]
		if !ok {
			continue
		}
		s, err := parseFieldsV1(fv, "", keys)
		if err != nil {
			return nil, nil, fmt.Errorf("metadata.managedFields[%d]: %w", i, err)
		}
		sub, _ := m["subresource"].(string)
		if m["manager"] == manager && m["operation"] == "Apply" && sub == subresource {
			owned = union(owned, s)
		}
	}
	return owned, keys, nil
}
