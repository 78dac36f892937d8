package fieldpath

import (
	"fmt"

	"github.com/kobj-dev/kobj/internal/jsonvalue"
)

// Lookup walks segs from root and returns the node it reaches and true, or
// nil and false when nothing is there. Maps and lists are returned shared.
func Lookup(root any, segs []Segment) (any, bool) {
	cur := root
	for _, s := range segs {
		switch node := cur.(type) {
		case map[string]any:
			if s.Bracket {
				return nil, false
			}
			v, ok := node[s.Key]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			if !s.IsIndex() {
				return nil, false
			}
			i, ok := ListIndex(s.Index, len(node))
			if !ok {
				return nil, false
			}
			cur = node[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// ListIndex resolves a possibly negative index i against a list of length
// n; it reports false when the index is out of range.
func ListIndex(i, n int) (int, bool) {
	if i < 0 {
		i += n
	}
	return i, i >= 0 && i < n
}

// Assign sets the node at segs below root to v, creating maps on the way
// (and lists, for a bracketed index). An index one past the end of a list
// appends to it. It fails with an *Error for path (the caller's spelling,
// used only in the error) naming where: a list index on a map, a field on a
// list, an index out of range, or a scalar in the way.
func Assign(path string, root map[string]any, segs []Segment, v any) error {
	var node any = root
	replace := func(any) {} // root is never replaced
	for n, s := range segs {
		last := n == len(segs)-1
		switch cur := node.(type) {
		case map[string]any:
			if s.Bracket {
				return &Error{Path: path, At: Format(segs[:n+1]), Err: fmt.Errorf("list index [%d] used on a map", s.Index)}
			}
			if last {
				cur[s.Key] = v
				return nil
			}
			child, ok := cur[s.Key]
			if !ok || child == nil {
				child = newContainer(segs[n+1])
				cur[s.Key] = child
			}
			key := s.Key
			node, replace = child, func(x any) { cur[key] = x }
		case []any:
			if !s.IsIndex() {
				return &Error{Path: path, At: Format(segs[:n+1]), Err: fmt.Errorf("field %q used on a list", s.Key)}
			}
			i, ok := ListIndex(s.Index, len(cur))
			if !ok && s.Index == len(cur) {
				cur = append(cur, nil)
				replace(cur)
				i, ok = s.Index, true
			}
			if !ok {
				return &Error{Path: path, At: Format(segs[:n+1]), Err: fmt.Errorf("index %d out of range for a list of %d", s.Index, len(cur))}
			}
			if last {
				cur[i] = v
				return nil
			}
			if cur[i] == nil {
				cur[i] = newContainer(segs[n+1])
			}
			list := cur
			node, replace = cur[i], func(x any) { list[i] = x }
		default:
			return &Error{Path: path, At: Format(segs[:n]), Err: fmt.Errorf("cannot set a field inside %s", ATypeName(node))}
		}
	}
	return nil
}

// newContainer makes the node that the next segment will step into.
func newContainer(next Segment) any {
	if next.Bracket {
		return []any{}
	}
	return map[string]any{}
}

// TypeName names a JSON value's type for error messages: null, map, list,
// string, bool, integer, float, or the Go type of anything else.
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "map"
	case []any:
		return "list"
	case string:
		return "string"
	case bool:
		return "bool"
	case int64:
		return "integer"
	case float64:
		return "float"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// ATypeName is TypeName with its article ("a map", "an integer", "null"),
// for messages.
func ATypeName(v any) string {
	switch n := TypeName(v); n {
	case "null":
		return n
	case "integer":
		return "an integer"
	default:
		return "a " + n
	}
}

// Remove deletes the field or list element at segs below root and reports
// whether something was removed. The root itself (empty segs) is never
// removed.
func Remove(root map[string]any, segs []Segment) bool {
	if len(segs) == 0 {
		return false
	}
	parent, ok := Lookup(root, segs[:len(segs)-1])
	if !ok {
		return false
	}
	last := segs[len(segs)-1]
	switch p := parent.(type) {
	case map[string]any:
		if _, ok := p[last.Key]; ok && !last.Bracket {
			delete(p, last.Key)
			return true
		}
	case []any:
		if i, ok := ListIndex(last.Index, len(p)); ok && last.IsIndex() {
			rest := append(p[:i:i], p[i+1:]...)
			if len(segs) == 1 {
				return false
			}
			return Assign("", root, segs[:len(segs)-1], rest) == nil
		}
	}
	return false
}

// FindField returns the path of every field called name, at any depth
// below root, in a stable order (map keys sorted, lists in order). Each
// path parses back to the field's segments.
func FindField(root any, name string) []string {
	var out []string
	var walk func(v any, at []Segment)
	walk = func(v any, at []Segment) {
		switch n := v.(type) {
		case map[string]any:
			for _, k := range jsonvalue.SortedKeys(n) {
				p := append(at[:len(at):len(at)], Segment{Key: k})
				if k == name {
					out = append(out, Format(p))
				}
				walk(n[k], p)
			}
		case []any:
			for i, e := range n {
				walk(e, append(at[:len(at):len(at)], Segment{Index: i, Bracket: true}))
			}
		}
	}
	walk(root, nil)
	return out
}
