// Package yamlstream decodes a manifest stream — YAML documents separated by
// --- lines, or one or more JSON values — into the plain values that
// client-go's unstructured objects hold, exactly as kubectl decodes it
// (apimachinery's YAMLOrJSONDecoder, then sigs.k8s.io/yaml and apimachinery's
// JSON decoding) but without the JSON round trip: go-yaml v2 parses each YAML
// document and its values are converted in one pass.
package yamlstream

import (
	"bytes"
	"fmt"
	"unicode"
)

// Document is one document of a stream that holds an object.
type Document struct {
	// Index is the document's 1-based position in the stream; skipped empty,
	// comment-only and null documents count.
	Index int
	// Line is the 1-based line, in the whole stream, of the document's first
	// content.
	Line int
	// Object holds only int64, float64, string, bool, nil, map[string]any
	// and []any values, as unstructured objects do.
	Object map[string]any
}

// Error reports a document that is not valid YAML or JSON, is not an object,
// or whose aliases expand it too much.
type Error struct {
	Document int // 1-based index of the document
	Line     int // 1-based line in the whole stream
	Err      error
}

// Error names the document and line, then the cause.
func (e *Error) Error() string {
	return fmt.Sprintf("document %d, line %d: %v", e.Document, e.Line, e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Decode calls fn with each document of data that holds an object, in order,
// skipping empty, comment-only and null documents. data is a JSON stream
// when its first non-space character, within its first 4096 bytes, is {
// (the rule of apimachinery's YAMLOrJSONDecoder), and a YAML stream
// otherwise.
//
// It stops at the first document that cannot be decoded and returns an
// *Error for it; documents before it have been given to fn. An error fn
// returns stops decoding too and is returned as it is.
func Decode(data []byte, fn func(Document) error) error {
	if looksLikeJSON(data) {
		return decodeJSONStream(data, fn)
	}
	return decodeYAMLStream(data, streamOffset{}, fn)
}

// looksLikeJSON applies the YAMLOrJSONDecoder's rule.
func looksLikeJSON(data []byte) bool {
	trimmed := bytes.TrimLeftFunc(data[:min(len(data), 4096)], unicode.IsSpace)
	return len(trimmed) > 0 && trimmed[0] == '{'
}
