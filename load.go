package kobj

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/kobj-dev/kobj/internal/yamlstream"
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
func Load(r io.Reader) (_ []*Object, err error) {
	defer wrapCall(&err, "Load")
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading: %w", err)
	}
	return loadBytes("", data)
}

// LoadFile is Load on the named file; errors name the file.
func LoadFile(path string) (_ []*Object, err error) {
	defer wrapCall(&err, "LoadFile")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return loadBytes(path, data)
}

// LoadString is Load on a string, such as a manifest literal in a program.
func LoadString(s string) (_ []*Object, err error) {
	defer wrapCall(&err, "LoadString")
	return loadBytes("", []byte(s))
}

// LoadBytes is Load on a byte slice.
func LoadBytes(b []byte) (_ []*Object, err error) {
	defer wrapCall(&err, "LoadBytes")
	return loadBytes("", b)
}

// loadBytes decodes a whole stream; file names the input in errors.
func loadBytes(file string, data []byte) ([]*Object, error) {
	var objs []*Object
	err := yamlstream.Decode(data, func(doc yamlstream.Document) error {
		if err := checkTypeMeta(doc.Object); err != nil {
			return &LoadError{File: file, Document: doc.Index, Line: doc.Line, Err: err}
		}
		objs = append(objs, wrap(doc.Object))
		return nil
	})
	var bad *yamlstream.Error
	if errors.As(err, &bad) {
		return nil, &LoadError{File: file, Document: bad.Document, Line: bad.Line, Err: bad.Err}
	}
	if err != nil {
		return nil, err
	}
	return objs, nil
}
