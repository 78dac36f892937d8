package openapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// describe turns a decoding error into one that says where in data it is,
// in the document's terms: the line and column, and for a value of the
// wrong type its place ("paths[\"/api/v1/pods\"].get.operationId"), what
// was there and what belongs there. It wraps err.
func describe(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		// Offset counts the bytes read, the bad one included, except at
		// the end of the input.
		at := syn.Offset
		if at > 0 && !strings.HasPrefix(syn.Error(), "unexpected end") {
			at--
		}
		line, col := position(data, at)
		return &decodeError{fmt.Sprintf("invalid JSON at line %d, column %d: %s", line, col, syn), err}
	case errors.As(err, &typ):
		line, col := position(data, typ.Offset)
		return &decodeError{fmt.Sprintf("%s at line %d, column %d is a JSON %s, want %s",
			placeAt(data, typ.Offset), line, col, typ.Value, jsonKind(typ.Type)), err}
	}
	return err
}

// decodeError is a decoding error told in the document's terms.
type decodeError struct {
	msg string
	err error // encoding/json's
}

func (e *decodeError) Error() string { return e.msg }
func (e *decodeError) Unwrap() error { return e.err }

// jsonKind names the JSON value that decodes into t.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another value"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return jsonKind(t.Elem())
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "another value"
}

// position returns the 1-based line and column of the byte at offset.
func position(data []byte, offset int64) (line, col int) {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// placeAt returns the place in the document of the value that ends at
// offset, as a path of keys and indexes: paths["/api/v1/"].get.operationId.
// It reads the document again, token by token, so it is for errors only.
func placeAt(data []byte, offset int64) string {
	type frame struct {
		object    bool
		key       string
		index     int
		expectKey bool
	}
	var stack []frame
	place := func() string {
		var b strings.Builder
		for _, f := range stack {
			switch {
			case !f.object:
				fmt.Fprintf(&b, "[%d]", f.index)
			case isIdentifier(f.key):
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			default:
				b.WriteString("[" + strconv.Quote(f.key) + "]")
			}
		}
		if b.Len() == 0 {
			return "the document"
		}
		return b.String()
	}
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		if top := &stack[len(stack)-1]; top.object {
			top.expectKey = true
		} else {
			top.index++
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return place()
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].expectKey {
			if key, ok := tok.(string); ok {
				stack[n-1].key, stack[n-1].expectKey = key, false
				continue
			}
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if dec.InputOffset() >= offset {
				return place()
			}
			stack = append(stack, frame{object: tok == json.Delim('{'), expectKey: true})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			valueDone()
		default:
			if dec.InputOffset() >= offset {
				return place()
			}
			valueDone()
		}
	}
}

// isIdentifier reports whether key can be written after a dot.
func isIdentifier(key string) bool {
	if key == "" {
		return false
	}
	for i, r := range key {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
