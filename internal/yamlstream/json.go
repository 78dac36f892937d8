package yamlstream

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode"
	"unicode/utf8"

	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// decodeJSONStream decodes consecutive JSON values, numbers as int64 or
// float64 by apimachinery's JSON decoding. Like apimachinery's
// YAMLOrJSONDecoder, it reads the rest of the stream as YAML when the first
// or second value is not valid JSON, so that flow-style YAML such as
// {apiVersion: v1, kind: Pod} loads as kubectl loads it.
func decodeJSONStream(data []byte, fn func(Document) error) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	consumed := 0
	// The line of each document is counted on from the previous one, so a
	// long stream is scanned for newlines once, not once per document.
	lineOffset, lineNo := 0, 1
	for index := 1; ; index++ {
		start := skipJSONSpace(data, consumed)
		lineNo += bytes.Count(data[lineOffset:start], []byte("\n"))
		lineOffset = start
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == io.EOF {
			return nil
		} else if err != nil {
			return jsonOrYAMLRest(data, consumed, index, lineNo, err, fn)
		}
		consumed = int(dec.InputOffset())
		var m map[string]any
		if err := utiljson.Unmarshal(raw, &m); err != nil {
			return &Error{Document: index, Line: lineNo, Err: fmt.Errorf("not an object: %w", err)}
		}
		if m == nil {
			continue // null
		}
		if err := fn(Document{Index: index, Line: lineNo, Object: m}); err != nil {
			return err
		}
	}
}

// jsonOrYAMLRest handles a value of a JSON stream that is not valid JSON:
// the value at index, starting on line and at byte consumed of data, failed
// with jsonErr. As apimachinery's YAMLOrJSONDecoder does, the first two
// values may instead start a YAML stream that runs to the end of data. When
// that YAML fails on the same document too, JSON's complaint is returned,
// as the likelier help.
func jsonOrYAMLRest(data []byte, consumed, index, line int, jsonErr error, fn func(Document) error) error {
	var syn *json.SyntaxError
	if errors.As(jsonErr, &syn) {
		line = lineAt(data, int(syn.Offset))
	}
	asJSON := &Error{Document: index, Line: line, Err: jsonErr}
	if index > 2 {
		return asJSON
	}
	skip, ok := whitespaceToNewline(data[consumed:])
	if !ok {
		return asJSON
	}
	from := consumed + skip
	yamlErr := decodeYAMLStream(data[from:], streamOffset{documents: index - 1, lines: lineAt(data, from) - 1}, fn)
	var asYAML *Error
	if errors.As(yamlErr, &asYAML) && asYAML.Document == index {
		return asJSON
	}
	return yamlErr
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

// lineAt returns the 1-based line of data's byte at offset.
func lineAt(data []byte, offset int) int {
	return 1 + bytes.Count(data[:min(max(offset, 0), len(data))], []byte("\n"))
}

// skipJSONSpace returns the offset of the first byte at or after i that is
// not JSON white space.
func skipJSONSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}
