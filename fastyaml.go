package kobj

import (
	"bytes"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// This file is the loader's fast path: a parser for the plain block YAML
// that manifests are nearly always written in — block maps and lists, plain
// and quoted one-line scalars, and one-line flow collections — that builds
// the unstructured values directly. Anything outside that subset (anchors,
// tags, block scalars, multi-line scalars, escapes, tabs, non-ASCII text,
// duplicate keys, ...) makes it give up, and the document goes to go-yaml v2
// as before. Where it answers, it must answer exactly what go-yaml v2 and
// yamlToUnstructured answer: scalars are resolved by go-yaml v2's own rules
// (resolvePlain), and the differential tests and fuzz targets in
// fastyaml_test.go hold it to that.

// fastLine is one line that holds content.
type fastLine struct {
	indent int
	text   string // without the indentation
}

type fastParser struct {
	lines []fastLine
	i     int
}

// errFast is the panic value with which the fast path gives up; fastDecode
// recovers it. Giving up by panic keeps the parser's many exits short.
type errFast struct{}

// fastDecode parses doc if it is in the fast path's subset; ok is false
// otherwise, and then nothing is known about doc.
func fastDecode(doc []byte) (m map[string]any, ok bool) {
	p := fastParser{}
	if !p.split(doc) || len(p.lines) == 0 {
		return nil, false
	}
	defer func() {
		if r := recover(); r != nil {
			if _, mine := r.(errFast); !mine {
				panic(r)
			}
			m, ok = nil, false
		}
	}()
	first := p.lines[0]
	if isSeqEntry(first.text) {
		return nil, false
	}
	v := p.mapping(first.indent)
	if p.i != len(p.lines) {
		return nil, false
	}
	return v, true
}

func giveUp() { panic(errFast{}) }

// split cuts doc into lines with content, refusing bytes outside printable
// ASCII: tabs, carriage returns, control characters and non-ASCII text,
// whose YAML rules (line breaks such as U+2028, escapes) the fast path does
// not model.
func (p *fastParser) split(doc []byte) bool {
	p.lines = make([]fastLine, 0, 64)
	for _, c := range doc {
		if (c < 0x20 && c != '\n') || c > 0x7e {
			return false
		}
	}
	for len(doc) > 0 {
		end := bytes.IndexByte(doc, '\n')
		if end < 0 {
			end = len(doc)
		}
		s := string(doc[:end])
		doc = doc[min(end+1, len(doc)):]
		indent := 0
		for indent < len(s) && s[indent] == ' ' {
			indent++
		}
		text := s[indent:]
		if text == "" || text[0] == '#' {
			continue
		}
		if indent == 0 && (strings.HasPrefix(text, "---") || strings.HasPrefix(text, "...")) {
			return false
		}
		p.lines = append(p.lines, fastLine{indent, text})
	}
	return true
}

func isSeqEntry(text string) bool {
	return text == "-" || strings.HasPrefix(text, "- ")
}

// mapping parses the block map whose keys stand at indent.
func (p *fastParser) mapping(indent int) map[string]any {
	m := make(map[string]any, 8)
	for p.i < len(p.lines) {
		l := p.lines[p.i]
		if l.indent < indent {
			break
		}
		if l.indent > indent || isSeqEntry(l.text) {
			giveUp()
		}
		key, rest := splitKey(l.text)
		if _, dup := m[key]; dup {
			giveUp()
		}
		p.i++
		m[key] = p.value(indent, rest, true)
	}
	return m
}

// sequence parses the block list whose dashes stand at indent.
func (p *fastParser) sequence(indent int) []any {
	l := make([]any, 0, 4)
	for p.i < len(p.lines) {
		line := p.lines[p.i]
		if line.indent < indent || line.indent == indent && !isSeqEntry(line.text) {
			break
		}
		if line.indent > indent {
			giveUp()
		}
		rest := strings.TrimLeft(line.text[1:], " ")
		if rest == "" || rest[0] == '#' {
			p.i++
			l = append(l, p.nested(indent, false))
			continue
		}
		if isSeqEntry(rest) {
			giveUp()
		}
		if _, _, isKey := scanKey(rest); isKey {
			// A map that starts on the dash's line: its keys stand where
			// this one does.
			p.lines[p.i] = fastLine{indent: line.indent + len(line.text) - len(rest), text: rest}
			l = append(l, p.mapping(p.lines[p.i].indent))
			continue
		}
		p.i++
		l = append(l, p.value(indent, rest, false))
	}
	return l
}

// value parses what follows a key or a dash: a scalar or flow collection on
// the same line, or a nested block below it.
func (p *fastParser) value(indent int, rest string, inMap bool) any {
	if rest == "" || rest[0] == '#' {
		return p.nested(indent, inMap)
	}
	v, after := flowValue(rest, false)
	if after != "" && after[0] != '#' {
		giveUp()
	}
	if p.i < len(p.lines) && p.lines[p.i].indent > indent {
		giveUp() // a multi-line scalar, or an error
	}
	return v
}

// nested parses the block below a key or dash with nothing after it: more
// indented, or a list at the key's own indentation; else the value is null.
func (p *fastParser) nested(indent int, inMap bool) any {
	if p.i >= len(p.lines) {
		return nil
	}
	next := p.lines[p.i]
	switch {
	case next.indent > indent && isSeqEntry(next.text):
		return p.sequence(next.indent)
	case next.indent > indent:
		return p.mapping(next.indent)
	case next.indent == indent && inMap && isSeqEntry(next.text):
		return p.sequence(indent)
	}
	return nil
}

// splitKey reads "key: rest" or "key:", giving up on anything else.
func splitKey(text string) (string, string) {
	key, rest, ok := scanKey(text)
	if !ok {
		giveUp()
	}
	return key, rest
}

// scanKey reads a plain or double-quoted key followed by ": " or ":" at the
// end, and returns the key as JSON has it and what follows the colon.
func scanKey(text string) (key, rest string, ok bool) {
	var raw any
	var after string
	if text[0] == '"' || text[0] == '\'' {
		s, tail, quoted := quotedScalar(text)
		if !quoted {
			return "", "", false
		}
		raw, after = s, tail
	} else {
		end := 0
		for end < len(text) && isKeyChar(text[end]) {
			end++
		}
		if end == 0 || !plainStart(text) {
			return "", "", false
		}
		raw, after = resolvePlain(text[:end]), text[end:]
	}
	if after == ":" {
		after = ""
	} else if strings.HasPrefix(after, ": ") {
		after = strings.TrimLeft(after[2:], " ")
	} else {
		return "", "", false
	}
	if raw == "<<" {
		giveUp() // a merge key
	}
	k, err := yamlKey(raw)
	if err != nil {
		giveUp() // a null key: go-yaml's error is the answer
	}
	return k, after, true
}

func isKeyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '.' || c == '/' || c == '-' || c == '+' || c == '~'
}

// plainStart reports whether s may begin a plain scalar; indicators, and
// "-", "?" or ":" followed by a space, may not.
func plainStart(s string) bool {
	switch s[0] {
	case ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', '?', ':':
		return false
	case '-':
		return len(s) > 1 && s[1] != ' '
	}
	return true
}

// flowValue reads one scalar or flow collection at the start of s and
// returns it with what follows, spaces trimmed. In a flow collection
// (inFlow), plain scalars end at , [ ] { } as well.
func flowValue(s string, inFlow bool) (any, string) {
	switch s[0] {
	case '[':
		return flowSequence(s[1:])
	case '{':
		return flowMapping(s[1:])
	case '"', '\'':
		v, rest, ok := quotedScalar(s)
		if !ok || strings.HasPrefix(rest, "#") {
			giveUp() // a comment needs a space before it
		}
		return v, strings.TrimLeft(rest, " ")
	}
	if !plainStart(s) {
		giveUp()
	}
	end := len(s)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '#' && i > 0 && s[i-1] == ' ' {
			end = i
			break
		}
		if c == ':' && (i+1 == len(s) || s[i+1] == ' ' || inFlow) {
			giveUp() // a key where a value was expected, or ':' in flow
		}
		if inFlow && (c == ',' || c == '[' || c == ']' || c == '{' || c == '}') {
			end = i
			break
		}
	}
	text := strings.TrimRight(s[:end], " ")
	v, err := fromYAML(resolvePlain(text), 0)
	if err != nil {
		giveUp() // NaN or infinity: go-yaml's path gives the error
	}
	return v, strings.TrimLeft(s[end:], " ")
}

// flowSequence reads "a, b]" (the [ already read).
func flowSequence(s string) ([]any, string) {
	l := make([]any, 0, 4)
	s = strings.TrimLeft(s, " ")
	if strings.HasPrefix(s, "]") {
		return l, closeFlow(s)
	}
	for {
		if s == "" {
			giveUp()
		}
		var v any
		v, s = flowValue(s, true)
		l = append(l, v)
		switch {
		case strings.HasPrefix(s, "]"):
			return l, closeFlow(s)
		case strings.HasPrefix(s, ", "):
			s = strings.TrimLeft(s[2:], " ")
			if s == "" || s[0] == ']' || s[0] == ',' {
				giveUp() // an empty entry or a trailing comma
			}
		default:
			giveUp()
		}
	}
}

// flowMapping reads "k: v, k2: v2}" (the { already read).
func flowMapping(s string) (map[string]any, string) {
	m := make(map[string]any, 4)
	s = strings.TrimLeft(s, " ")
	if strings.HasPrefix(s, "}") {
		return m, closeFlow(s)
	}
	for {
		if s == "" {
			giveUp()
		}
		key, rest, ok := scanKey(s)
		if !ok || rest == "" {
			giveUp()
		}
		if _, dup := m[key]; dup {
			giveUp()
		}
		var v any
		v, s = flowValue(rest, true)
		m[key] = v
		switch {
		case strings.HasPrefix(s, "}"):
			return m, closeFlow(s)
		case strings.HasPrefix(s, ", "):
			s = strings.TrimLeft(s[2:], " ")
			if s == "" || s[0] == '}' || s[0] == ',' {
				giveUp()
			}
		default:
			giveUp()
		}
	}
}

// closeFlow returns what follows the closing bracket at the start of s.
func closeFlow(s string) string {
	if strings.HasPrefix(s[1:], "#") {
		giveUp() // a comment needs a space before it
	}
	return strings.TrimLeft(s[1:], " ")
}

// quotedScalar reads a one-line quoted string at the start of s: ” is a
// quote in single quotes; a backslash in double quotes gives up.
func quotedScalar(s string) (string, string, bool) {
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case q == '"' && c == '\\':
			return "", "", false
		case c == q && q == '\'' && i+1 < len(s) && s[i+1] == '\'':
			b.WriteByte('\'')
			i++
		case c == q:
			return b.String(), s[i+1:], true
		default:
			b.WriteByte(c)
		}
	}
	return "", "", false
}

// yamlStyleFloat is go-yaml v2's pattern for floats.
var yamlStyleFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// resolvePlain gives a plain scalar the value go-yaml v2 gives it when
// decoding into interface{} (resolve.go there): null, a bool, an int, a
// uint64, a float, or the string itself; timestamps stay strings.
func resolvePlain(in string) any {
	switch in {
	case "", "~", "null", "Null", "NULL":
		return nil
	case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON":
		return true
	case "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF":
		return false
	case ".nan", ".NaN", ".NAN":
		return math.NaN()
	case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF":
		return math.Inf(1)
	case "-.inf", "-.Inf", "-.INF":
		return math.Inf(-1)
	case "<<":
		return in
	}
	switch c := in[0]; {
	case c == '.':
		if f, err := strconv.ParseFloat(in, 64); err == nil {
			return f
		}
	case c == '+' || c == '-' || c >= '0' && c <= '9':
		plain := strings.ReplaceAll(in, "_", "")
		if i, err := strconv.ParseInt(plain, 0, 64); err == nil {
			return i
		}
		if u, err := strconv.ParseUint(plain, 0, 64); err == nil {
			return u
		}
		if yamlStyleFloat.MatchString(plain) {
			if f, err := strconv.ParseFloat(plain, 64); err == nil {
				return f
			}
		}
		if strings.HasPrefix(plain, "0b") {
			if i, err := strconv.ParseInt(plain[2:], 2, 64); err == nil {
				return i
			}
			if u, err := strconv.ParseUint(plain[2:], 2, 64); err == nil {
				return u
			}
		} else if strings.HasPrefix(plain, "-0b") {
			if i, err := strconv.ParseInt("-"+plain[3:], 2, 64); err == nil {
				return i
			}
		}
	}
	return in
}
