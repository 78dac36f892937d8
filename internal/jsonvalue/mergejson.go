package jsonvalue

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// MergePatchJSON is MergePatch for a before given as JSON text: the patch
// that turns the object before encodes into after, computed by walking the
// text beside after without decoding it. Unchanged parts cost no
// allocation, which is why it exists: an update diffs the object as last
// served, kept as the server's JSON, against the local one.
//
// Values in before read as apimachinery's decoder reads them (an integer
// literal is an int64, other numbers float64) and compare by Equal. The
// walk leaves to the caller what it does not handle: ok is false when
// before is not a JSON object, holds a key with escapes or one key twice,
// or is not valid JSON where the walk looks; the caller then decodes before
// and calls MergePatch, which gives the same patch.
func MergePatchJSON(before []byte, after map[string]any) (patch map[string]any, ok bool) {
	w := walker{data: before}
	w.space()
	if w.pos >= len(w.data) || w.data[w.pos] != '{' {
		return nil, false
	}
	patch = w.mergeObject(after)
	if w.bad {
		return nil, false
	}
	if patch == nil {
		patch = map[string]any{}
	}
	return patch, true
}

// walker reads JSON text that is known to be valid (it was decoded once
// already): it checks no more than it needs to stay in bounds and exact,
// and gives up (bad) on anything it does not read as a decoder would.
type walker struct {
	data []byte
	pos  int
	bad  bool
}

func (w *walker) space() {
	for w.pos < len(w.data) {
		switch w.data[w.pos] {
		case ' ', '\t', '\n', '\r':
			w.pos++
		default:
			return
		}
	}
}

// next skips white space and consumes c, or gives up.
func (w *walker) next(c byte) {
	w.space()
	if w.pos >= len(w.data) || w.data[w.pos] != c {
		w.bad = true
		return
	}
	w.pos++
}

// peek skips white space and returns the next byte, 0 at the end.
func (w *walker) peek() byte {
	w.space()
	if w.pos >= len(w.data) {
		w.bad = true
		return 0
	}
	return w.data[w.pos]
}

// str consumes a string and returns its raw content between the quotes
// and whether that holds an escape.
func (w *walker) str() (raw []byte, escaped bool) {
	w.next('"')
	if w.bad {
		return nil, false
	}
	start := w.pos
	for w.pos < len(w.data) {
		switch w.data[w.pos] {
		case '"':
			w.pos++
			return w.data[start : w.pos-1], escaped
		case '\\':
			escaped = true
			w.pos++
		}
		w.pos++
	}
	w.bad = true
	return nil, false
}

// key consumes an object key and its colon. A key with escapes, or not
// valid UTF-8 (a decoder changes either), is left to the caller.
func (w *walker) key() []byte {
	raw, escaped := w.str()
	if escaped || !utf8.Valid(raw) {
		w.bad = true
	}
	w.next(':')
	return raw
}

// members calls fn on each member of the object that starts at pos, with
// fn consuming the value; it stops when fn returns false or on bad input.
func (w *walker) members(fn func(key []byte) bool) {
	w.next('{')
	if w.peek() == '}' {
		w.pos++
		return
	}
	for !w.bad {
		if !fn(w.key()) || w.bad {
			return
		}
		switch w.peek() {
		case ',':
			w.pos++
		case '}':
			w.pos++
			return
		default:
			w.bad = true
		}
	}
}

// mergeObject consumes an object and returns the merge patch from it to
// after, nil when there is no change.
func (w *walker) mergeObject(after map[string]any) map[string]any {
	var patch map[string]any
	set := func(k string, v any) {
		if patch == nil {
			patch = map[string]any{}
		}
		patch[k] = v
	}
	seen := keySet{data: w.data}
	w.members(func(key []byte) bool {
		av, ok := after[string(key)]
		if !ok {
			set(string(key), nil)
			w.skip()
			return true
		}
		if !seen.add(key) {
			w.bad = true // a key twice: a decoder keeps the last
			return false
		}
		if am, isMap := av.(map[string]any); isMap && w.peek() == '{' {
			if sub := w.mergeObject(am); len(sub) > 0 {
				set(string(key), sub)
			}
			return true
		}
		if !w.equal(av) {
			set(string(key), av)
		}
		return true
	})
	if !w.bad && seen.n < len(after) {
		for k, av := range after {
			if !seen.has(k) {
				set(k, av)
			}
		}
	}
	return patch
}

// equal consumes a value and reports whether it is Equal to v.
func (w *walker) equal(v any) bool {
	switch c := w.peek(); {
	case c == '{':
		m, ok := v.(map[string]any)
		if !ok || m == nil {
			w.skip()
			return false
		}
		eq := true
		seen := keySet{data: w.data}
		w.members(func(key []byte) bool {
			if !eq { // unequal whatever follows
				w.skip()
				return true
			}
			if !seen.add(key) {
				w.bad = true // a key twice: a decoder keeps the last
				return false
			}
			mv, ok := m[string(key)]
			eq = ok && w.equal(mv)
			if !ok {
				w.skip()
			}
			return true
		})
		return eq && seen.n == len(m)
	case c == '[':
		l, ok := v.([]any)
		eq := ok && l != nil
		w.pos++
		n := 0
		if w.peek() == ']' {
			w.pos++
			return eq && len(l) == 0
		}
		for !w.bad {
			if eq && n < len(l) {
				eq = w.equal(l[n])
			} else {
				eq = false
				w.skip()
			}
			n++
			switch w.peek() {
			case ',':
				w.pos++
			case ']':
				w.pos++
				return eq && n == len(l)
			default:
				w.bad = true
			}
		}
		return false
	case c == '"':
		raw, escaped := w.str()
		s, ok := v.(string)
		if !ok || w.bad {
			return false
		}
		if !escaped && utf8.Valid(raw) {
			return s == string(raw)
		}
		// A decoder unescapes, and replaces bytes that are not UTF-8.
		var d string
		if err := json.Unmarshal(w.data[w.pos-len(raw)-2:w.pos], &d); err != nil {
			w.bad = true
			return false
		}
		return s == d
	case c == 't':
		return w.literal("true") && v == true
	case c == 'f':
		return w.literal("false") && v == false
	case c == 'n':
		return w.literal("null") && IsNull(v)
	case c == '-' || c >= '0' && c <= '9':
		return w.number(v)
	}
	w.bad = true
	return false
}

func (w *walker) literal(lit string) bool {
	if len(w.data)-w.pos < len(lit) || string(w.data[w.pos:w.pos+len(lit)]) != lit {
		w.bad = true
		return false
	}
	w.pos += len(lit)
	return true
}

// number consumes a number and reports whether it equals v, reading it as
// apimachinery's decoder does: without a '.', as an int64 if it parses as
// one, else as a float64.
func (w *walker) number(v any) bool {
	start := w.pos
	point := false
	for w.pos < len(w.data) {
		c := w.data[w.pos]
		if c == '.' {
			point = true
		} else if !(c >= '0' && c <= '9' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			break
		}
		w.pos++
	}
	raw := w.data[start:w.pos]
	if !point {
		if i, ok := smallInt(raw); ok {
			return intEqual(i, v)
		}
		if i, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
			return intEqual(i, v)
		}
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		w.bad = true
		return false
	}
	return IsNumber(v) && NumbersEqual(f, v)
}

// smallInt reads an integer literal of at most 18 digits, which int64
// holds whatever they are, without the string strconv needs.
func smallInt(raw []byte) (int64, bool) {
	digits, neg := raw, false
	if len(digits) > 0 && digits[0] == '-' {
		digits, neg = digits[1:], true
	}
	if len(digits) == 0 || len(digits) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// intEqual is NumbersEqual for an int64 that need not be boxed.
func intEqual(i int64, v any) bool {
	switch x := v.(type) {
	case int64:
		return x == i
	case float64:
		j, ok := Int64(v)
		return ok && j == i
	}
	return false
}

// skip consumes a value whatever it is.
func (w *walker) skip() {
	switch c := w.peek(); {
	case c == '"':
		w.str()
	case c == '{' || c == '[':
		depth := 0
		for w.pos < len(w.data) {
			switch w.data[w.pos] {
			case '"':
				w.str()
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			w.pos++
			if depth == 0 {
				return
			}
		}
		w.bad = true
	default:
		start := w.pos
		for w.pos < len(w.data) {
			switch w.data[w.pos] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				if w.pos == start {
					w.bad = true
				}
				return
			}
			w.pos++
		}
		w.bad = true
	}
}

// keySet holds the keys read from one object, as positions in the text:
// the first ones in place, all in a map beyond that.
type keySet struct {
	data  []byte
	small [24][2]int
	n     int
	big   map[string]struct{}
}

// add records key and reports whether it is new.
func (s *keySet) add(key []byte) bool {
	if s.hasBytes(key) {
		return false
	}
	if s.n < len(s.small) {
		start := cap(s.data) - cap(key) // key is a slice of data
		s.small[s.n] = [2]int{start, start + len(key)}
	} else {
		if s.big == nil {
			s.big = make(map[string]struct{}, 2*len(s.small))
			for _, sp := range s.small {
				s.big[string(s.data[sp[0]:sp[1]])] = struct{}{}
			}
		}
		s.big[string(key)] = struct{}{}
	}
	s.n++
	return true
}

// hasBytes is has for a key still in the text, without converting it.
func (s *keySet) hasBytes(key []byte) bool {
	if s.big != nil {
		_, ok := s.big[string(key)]
		return ok
	}
	for _, sp := range s.small[:s.n] {
		if string(s.data[sp[0]:sp[1]]) == string(key) {
			return true
		}
	}
	return false
}

// has reports whether key was added.
func (s *keySet) has(key string) bool {
	if s.big != nil {
		_, ok := s.big[key]
		return ok
	}
	for _, sp := range s.small[:s.n] {
		if string(s.data[sp[0]:sp[1]]) == key {
			return true
		}
	}
	return false
}
