package fieldpath

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// A path names one node of a value: field names separated by dots, list
// indexes as [i] or as a numeric field (containers[0] and containers.0 are
// the same), and field names that hold dots or brackets quoted in brackets
// (metadata.annotations["example.com/owner"]). A negative index counts from
// the end of a list.

// Segment is one step of a parsed path.
type Segment struct {
	Key     string // the field name, or the digits of a numeric field
	Index   int    // the list index, when bracketed or numeric
	Bracket bool   // written as [i]: only a list index, never a field
	Numeric bool   // written as .i: a list index, or a field named i in a map
}

// Field returns the segment for the map field key.
func Field(key string) Segment { return Segment{Key: key} }

// Elem returns the segment for list element i, written [i].
func Elem(i int) Segment { return Segment{Index: i, Bracket: true} }

// IsIndex reports whether s can index a list.
func (s Segment) IsIndex() bool { return s.Bracket || s.Numeric }

// MaxLength bounds the work one path expression can cause: Parse refuses
// longer paths.
const MaxLength = 4096

// Error reports a path that could not be parsed, read or written. It has
// the shape of kobj.PathError, which the root package converts it to.
type Error struct {
	Path string // the path as the caller wrote it
	At   string // the prefix of Path where the problem is, if known
	Err  error
}

// Error names the path and what is wrong at it, worded as kobj.PathError.
func (e *Error) Error() string {
	if e.At != "" && e.At != e.Path {
		return fmt.Sprintf("path %q: at %q: %v", e.Path, e.At, e.Err)
	}
	return fmt.Sprintf("path %q: %v", e.Path, e.Err)
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Parse splits a path expression into segments. It fails with an *Error
// for an empty path, one longer than MaxLength, or a syntax error, naming
// the byte offset of the problem.
func Parse(path string) ([]Segment, error) {
	if path == "" {
		return nil, &Error{Path: path, Err: errors.New("empty path")}
	}
	if len(path) > MaxLength {
		return nil, &Error{Path: path[:64] + "...", Err: fmt.Errorf("path longer than %d bytes", MaxLength)}
	}
	var segs []Segment
	bad := func(i int, format string, args ...any) error {
		return &Error{Path: path, Err: fmt.Errorf("at offset %d: "+format, append([]any{i}, args...)...)}
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
				segs = append(segs, Segment{Key: key})
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
				segs = append(segs, Segment{Key: digits, Index: n, Bracket: true})
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
			seg := Segment{Key: key}
			if n, err := strconv.Atoi(key); err == nil && isDigits(key) {
				seg.Index, seg.Numeric = n, true
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

// Format writes segments back as a path that Parse reads to the same
// segments. Field names that could be misread are quoted. It does not fail.
func Format(segs []Segment) string {
	var b strings.Builder
	for i, s := range segs {
		switch {
		case s.Bracket || s.Numeric:
			fmt.Fprintf(&b, "[%d]", s.Index)
		case needsQuote(s.Key):
			fmt.Fprintf(&b, "[%s]", strconv.Quote(s.Key))
		default:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.Key)
		}
	}
	return b.String()
}

func needsQuote(key string) bool {
	return key == "" || isDigits(key) || strings.ContainsAny(key, ".[]\"\\")
}

// Compare orders paths segment by segment: list indexes by number, before
// field names, which are in string order; a prefix comes first. It returns
// a negative number, zero or a positive number, as cmp.Compare does.
func Compare(a, b []Segment) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		switch x, y := a[i], b[i]; {
		case x.Bracket != y.Bracket:
			if x.Bracket {
				return -1
			}
			return 1
		case x.Bracket && x.Index != y.Index:
			return x.Index - y.Index
		case !x.Bracket && x.Key != y.Key:
			return strings.Compare(x.Key, y.Key)
		}
	}
	return len(a) - len(b)
}
