package kobj

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	goyaml "go.yaml.in/yaml/v2"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// Load reads every object of a YAML stream (documents separated by ---
// lines) or a JSON stream (one or more JSON objects) from r, in order.
// Empty and comment-only documents are skipped; List kinds load as list
// objects whose Items are Objects. Unknown kinds and fields are kept as
// they are. Numbers are int64 or float64, exactly as client-go's
// unstructured objects type them.
//
// It fails with a *LoadError naming the document (1-based) and line of the
// first document that is not valid YAML or JSON, is not an object, or has no
// apiVersion or kind; no objects are returned then.
func Load(r io.Reader) ([]*Object, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("kobj: read: %w", err)
	}
	return loadBytes("", data)
}

// LoadFile is Load on the named file; errors name the file.
func LoadFile(path string) ([]*Object, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("kobj: %w", err)
	}
	return loadBytes(path, data)
}

// LoadString is Load on a string, such as a manifest literal in a program.
func LoadString(s string) ([]*Object, error) {
	return loadBytes("", []byte(s))
}

// LoadBytes is Load on a byte slice.
func LoadBytes(b []byte) ([]*Object, error) {
	return loadBytes("", b)
}

// loadBytes decodes a whole stream; file names the input in errors.
func loadBytes(file string, data []byte) ([]*Object, error) {
	var objs []*Object
	add := func(doc, line int, m map[string]any) error {
		if m == nil {
			return nil // an empty, comment-only or null document
		}
		if err := checkTypeMeta(m); err != nil {
			return &LoadError{File: file, Document: doc, Line: line, Err: err}
		}
		objs = append(objs, wrap(m))
		return nil
	}
	var err error
	if looksLikeJSON(data) {
		err = decodeJSONStream(file, data, add)
	} else {
		err = decodeYAMLStream(file, data, 0, 0, add)
	}
	if err != nil {
		return nil, err
	}
	return objs, nil
}

// looksLikeJSON applies the rule of apimachinery's YAMLOrJSONDecoder: a
// stream whose first non-space character, within its first 4096 bytes, is {
// is JSON.
func looksLikeJSON(data []byte) bool {
	trimmed := bytes.TrimLeftFunc(data[:min(len(data), 4096)], unicode.IsSpace)
	return len(trimmed) > 0 && trimmed[0] == '{'
}

// decodeJSONStream decodes consecutive JSON values. Like apimachinery's
// YAMLOrJSONDecoder, it reads the rest of the stream as YAML when the first
// or second value is not valid JSON, so flow-style YAML such as
// {apiVersion: v1, kind: Pod} loads as kubectl loads it.
func decodeJSONStream(file string, data []byte, add func(doc, line int, m map[string]any) error) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	consumed := 0
	// The line of each document is counted on from the previous one, so a
	// long stream is scanned for newlines once, not once per document.
	lineOffset, lineNo := 0, 1
	for doc := 1; ; doc++ {
		start := skipSpace(data, consumed)
		lineNo += bytes.Count(data[lineOffset:start], []byte("\n"))
		lineOffset = start
		line := lineNo
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == io.EOF {
			return nil
		} else if err != nil {
			var syn *json.SyntaxError
			if errors.As(err, &syn) {
				line = lineAt(data, int(syn.Offset))
			}
			jsonErr := &LoadError{File: file, Document: doc, Line: line, Err: err}
			if doc > 2 {
				return jsonErr
			}
			skip, ok := whitespaceToNewline(data[consumed:])
			if !ok {
				return jsonErr
			}
			from := consumed + skip
			yamlErr := decodeYAMLStream(file, data[from:], doc-1, lineAt(data, from)-1, add)
			var le *LoadError
			if errors.As(yamlErr, &le) && le.Document == doc {
				return jsonErr // neither JSON nor YAML: JSON's complaint is the likelier help
			}
			return yamlErr
		}
		consumed = int(dec.InputOffset())
		var m map[string]any
		if err := utiljson.Unmarshal(raw, &m); err != nil {
			return &LoadError{File: file, Document: doc, Line: line, Err: fmt.Errorf("not an object: %w", err)}
		}
		if err := add(doc, line, m); err != nil {
			return err
		}
	}
}

// whitespaceToNewline measures the white space at the start of b, up to and
// including the first newline; ok is false at the end of b or on a byte
// that is not UTF-8, where the reference decoder gives up.
func whitespaceToNewline(b []byte) (n int, ok bool) {
	for n < len(b) {
		r, size := utf8.DecodeRune(b[n:])
		if r == utf8.RuneError {
			return 0, false
		}
		if !unicode.IsSpace(r) {
			return n, true
		}
		n += size
		if r == '\n' {
			return n, true
		}
	}
	return 0, false
}

func lineAt(data []byte, offset int) int {
	return 1 + bytes.Count(data[:min(max(offset, 0), len(data))], []byte("\n"))
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// yamlLineRE finds the document-relative line in go-yaml's messages.
var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

// decodeYAMLStream splits data into documents the way apimachinery's
// YAMLReader does and decodes each.
func decodeYAMLStream(file string, data []byte, docsBefore, linesBefore int, add func(doc, line int, m map[string]any) error) error {
	doc := docsBefore
	err := splitYAML(data, func(chunk []byte, firstLine int) error {
		doc++
		firstLine += linesBefore
		m, err := decodeYAMLDocument(chunk)
		line := firstLine + leadingBlankLines(chunk)
		if err != nil {
			msg := err.Error()
			if sub := yamlLineRE.FindStringSubmatch(msg); sub != nil {
				n, _ := strconv.Atoi(sub[1])
				line = firstLine + n - 1
				if isParserProblem(msg[len(sub[0]):]) {
					line++ // go-yaml v2 counts parser (not scanner) error lines from 0
				}
				// The line moves into LoadError, counted in the whole stream.
				err = errors.New("yaml: " + msg[len(sub[0]):])
			}
			return &LoadError{File: file, Document: doc, Line: line, Err: err}
		}
		return add(doc, line, m)
	})
	var sep *separatorError
	if errors.As(err, &sep) {
		return &LoadError{File: file, Document: docsBefore + sep.document, Line: linesBefore + sep.line, Err: err}
	}
	return err
}

// isParserProblem tells go-yaml v2's parser messages from its scanner's.
func isParserProblem(msg string) bool {
	for _, p := range []string{
		"did not find expected <document start>", "did not find expected node content",
		"did not find expected key", "did not find expected '-' indicator",
		"did not find expected ',' or ']'", "did not find expected ',' or '}'",
		"found undefined tag handle", "found duplicate %YAML directive",
		"found incompatible YAML document", "found duplicate %TAG directive",
	} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// leadingBlankLines counts the lines before the first one with content.
func leadingBlankLines(chunk []byte) int {
	n := 0
	for len(chunk) > 0 {
		i := bytes.IndexByte(chunk, '\n')
		line := chunk
		if i >= 0 {
			line = chunk[:i]
		}
		t := bytes.TrimSpace(line)
		if len(t) > 0 && t[0] != '#' && !bytes.Equal(t, []byte("---")) {
			return n
		}
		if i < 0 {
			return n
		}
		n++
		chunk = chunk[i+1:]
	}
	return 0
}

// splitYAML calls fn with each document of a YAML stream and the 1-based line
// on which it starts. It splits exactly as apimachinery's YAMLReader does, so
// that kobj loads what kubectl loads: CRLF line ends read as LF, every
// document ends in a newline, and a line that begins with --- separates
// documents when nothing but space or a comment follows (anything else after
// --- is an error).
func splitYAML(data []byte, fn func(chunk []byte, firstLine int) error) error {
	if bytes.Contains(data, []byte("\r\n")) {
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	}
	start, startLine, line, docs := 0, 1, 1, 0
	for pos := 0; pos < len(data); line++ {
		next := len(data)
		if end := bytes.IndexByte(data[pos:], '\n'); end >= 0 {
			next = pos + end + 1
		}
		if bytes.HasPrefix(data[pos:], []byte("---")) {
			rest := bytes.TrimSpace(data[pos+3 : next])
			if len(rest) > 0 && rest[0] != '#' {
				if pos > start {
					docs++ // the document before this line is cut off, as in the reference
				}
				return &separatorError{document: docs + 1, line: line, text: string(rest)}
			}
			if pos > start {
				docs++
				if err := fn(data[start:pos], startLine); err != nil {
					return err
				}
			}
			start, startLine = next, line+1
		}
		pos = next
	}
	if start < len(data) {
		chunk := data[start:]
		if chunk[len(chunk)-1] != '\n' {
			chunk = append(chunk[:len(chunk):len(chunk)], '\n')
		}
		return fn(chunk, startLine)
	}
	return nil
}

// separatorError reports a --- line followed by something other than a comment.
type separatorError struct {
	document, line int
	text           string
}

func (e *separatorError) Error() string {
	return fmt.Sprintf("invalid document separator: %q after --- (only a comment may follow it)", e.text)
}

// JSON returns the object as compact JSON. It fails only when a value was
// put in the object's map directly with a type that has no JSON form.
func (o *Object) JSON() ([]byte, error) {
	b, err := json.Marshal(o.u.Object)
	if err != nil {
		return nil, fmt.Errorf("kobj: %s: %w", o, err)
	}
	return b, nil
}

// YAML returns the object as a YAML document with sorted keys, as kubectl
// prints it. Loading the result gives an Equal object. It fails as JSON does.
func (o *Object) YAML() ([]byte, error) {
	v, err := toYAMLValue(o.u.Object)
	if err != nil {
		return nil, fmt.Errorf("kobj: %s: %w", o, err)
	}
	y, err := goyaml.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("kobj: %s: %w", o, err)
	}
	return y, nil
}

// toYAMLValue orders map keys for go-yaml's encoder. It fails on values
// that JSON cannot hold, so that YAML and JSON agree on what is savable.
func toYAMLValue(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		ms := make(goyaml.MapSlice, 0, len(x))
		for _, k := range sortedKeys(x) {
			e, err := toYAMLValue(x[k])
			if err != nil {
				return nil, err
			}
			ms = append(ms, goyaml.MapItem{Key: k, Value: e})
		}
		return ms, nil
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			c, err := toYAMLValue(e)
			if err != nil {
				return nil, err
			}
			l[i] = c
		}
		return l, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%v cannot be saved", x)
		}
		return x, nil
	case nil, string, bool, int64:
		return x, nil
	default:
		return jsonValue(v, "value")
	}
}
