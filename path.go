package kobj

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// A path names one node of an object: field names separated by dots, list
// indexes as [i] or as a numeric field (containers[0] and containers.0 are
// the same), and field names that hold dots or brackets quoted in brackets
// (metadata.annotations["example.com/owner"]). A negative index counts from
// the end of a list.

// segment is one step of a parsed path.
type segment struct {
	key     string // the field name, or the digits of a numeric field
	index   int    // the list index, when bracketed or numeric
	bracket bool   // written as [i]: only a list index, never a field
	numeric bool   // written as .i: a list index, or a field named i in a map
}

func (s segment) isIndex() bool { return s.bracket || s.numeric }

// maxPathLength bounds the work one path expression can cause.
const maxPathLength = 4096

// parsePath splits a path expression into segments.
func parsePath(path string) ([]segment, error) {
	if path == "" {
		return nil, &PathError{Path: path, Err: errors.New("empty path")}
	}
	if len(path) > maxPathLength {
		return nil, &PathError{Path: path[:64] + "...", Err: fmt.Errorf("path longer than %d bytes", maxPathLength)}
	}
	var segs []segment
	bad := func(i int, format string, args ...any) error {
		return &PathError{Path: path, Err: fmt.Errorf("at offset %d: "+format, append([]any{i}, args...)...)}
	}
	i := 0
	for i < len(path) {
		switch c := path[i]; {
		case c == '[':
			end := strings.IndexByte(path[i:], ']')
			if i+1 < len(path) && path[i+1] == '"' {
				key, n, err := unquotePrefix(path[i+1:])
				if err != nil {
					return nil, bad(i, "bad quoted field name: %v", err)
				}
				j := i + 1 + n
				if j >= len(path) || path[j] != ']' {
					return nil, bad(j, "expected ] after quoted field name")
				}
				segs = append(segs, segment{key: key})
				i = j + 1
			} else {
				if end < 0 {
					return nil, bad(i, "[ without ]")
				}
				digits := path[i+1 : i+end]
				n, err := strconv.Atoi(digits)
				if err != nil || digits == "" || strings.HasPrefix(digits, "+") {
					return nil, bad(i, "list index %q is not an integer", digits)
				}
				segs = append(segs, segment{key: digits, index: n, bracket: true})
				i += end + 1
			}
		case c == '.':
			if i == 0 || i == len(path)-1 || path[i+1] == '.' || path[i+1] == '[' {
				return nil, bad(i, "empty field name")
			}
			i++
			continue
		default:
			if i > 0 && path[i-1] != '.' {
				return nil, bad(i, "expected . or [ before field name")
			}
			var b strings.Builder
			j := i
			for ; j < len(path) && path[j] != '.' && path[j] != '['; j++ {
				if path[j] == '\\' && j+1 < len(path) {
					j++
				} else if path[j] == ']' || path[j] == '"' {
					return nil, bad(j, "unexpected %q in field name (quote it: [\"name\"])", path[j])
				}
				b.WriteByte(path[j])
			}
			key := b.String()
			seg := segment{key: key}
			if n, err := strconv.Atoi(key); err == nil && isDigits(key) {
				seg.index, seg.numeric = n, true
			}
			segs = append(segs, seg)
			i = j
		}
	}
	return segs, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// unquotePrefix reads a Go double-quoted string at the start of s and
// returns its value and its length in s.
func unquotePrefix(s string) (string, int, error) {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			v, err := strconv.Unquote(s[:i+1])
			return v, i + 1, err
		}
	}
	return "", 0, errors.New("unterminated string")
}

// formatPath writes segments back as a path that parsePath reads to the same
// segments. Field names that could be misread are quoted.
func formatPath(segs []segment) string {
	var b strings.Builder
	for i, s := range segs {
		switch {
		case s.bracket || s.numeric:
			fmt.Fprintf(&b, "[%d]", s.index)
		case needsQuote(s.key):
			fmt.Fprintf(&b, "[%s]", strconv.Quote(s.key))
		default:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.key)
		}
	}
	return b.String()
}

func needsQuote(key string) bool {
	return key == "" || isDigits(key) || strings.ContainsAny(key, ".[]\"\\")
}

// lookup walks segs from root and returns the node it reaches.
func lookup(root any, segs []segment) (any, bool) {
	cur := root
	for _, s := range segs {
		switch node := cur.(type) {
		case map[string]any:
			if s.bracket {
				return nil, false
			}
			v, ok := node[s.key]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			if !s.isIndex() {
				return nil, false
			}
			i, ok := listIndex(s.index, len(node))
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

// listIndex resolves a possibly negative index against a list length.
func listIndex(i, n int) (int, bool) {
	if i < 0 {
		i += n
	}
	return i, i >= 0 && i < n
}

// assign sets the node at segs below root to v, creating maps on the way
// (and lists, for a bracketed index). An index one past the end of a list
// appends to it.
func assign(path string, root map[string]any, segs []segment, v any) error {
	var node any = root
	replace := func(any) {} // root is never replaced
	for n, s := range segs {
		last := n == len(segs)-1
		switch cur := node.(type) {
		case map[string]any:
			if s.bracket {
				return &PathError{Path: path, At: formatPath(segs[:n+1]), Err: fmt.Errorf("list index [%d] used on a map", s.index)}
			}
			if last {
				cur[s.key] = v
				return nil
			}
			child, ok := cur[s.key]
			if !ok || child == nil {
				child = newContainer(segs[n+1])
				cur[s.key] = child
			}
			key := s.key
			node, replace = child, func(x any) { cur[key] = x }
		case []any:
			if !s.isIndex() {
				return &PathError{Path: path, At: formatPath(segs[:n+1]), Err: fmt.Errorf("field %q used on a list", s.key)}
			}
			i, ok := listIndex(s.index, len(cur))
			if !ok && s.index == len(cur) {
				cur = append(cur, nil)
				replace(cur)
				i, ok = s.index, true
			}
			if !ok {
				return &PathError{Path: path, At: formatPath(segs[:n+1]), Err: fmt.Errorf("index %d out of range for a list of %d", s.index, len(cur))}
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
			return &PathError{Path: path, At: formatPath(segs[:n]), Err: fmt.Errorf("cannot set a field inside %s", aTypeName(node))}
		}
	}
	return nil
}

// newContainer makes the node that the next segment will step into.
func newContainer(next segment) any {
	if next.bracket {
		return []any{}
	}
	return map[string]any{}
}

// typeName names a JSON value's type for error messages.
func typeName(v any) string {
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

// aTypeName is typeName with its article, for messages.
func aTypeName(v any) string {
	switch n := typeName(v); n {
	case "null":
		return n
	case "integer":
		return "an integer"
	default:
		return "a " + n
	}
}
