package kobj

import (
	"errors"
	"strings"
	"testing"

	"github.com/kobj-dev/kobj/internal/fieldpath"
)

// TestPathErrorSeam checks that every way a path fails reaches the caller
// as the public *PathError, with fieldpath's Path, At and exact message,
// and that fieldpath's own error type does not leak.
func TestPathErrorSeam(t *testing.T) {
	long := strings.Repeat("a", fieldpath.MaxLength+1)
	tests := []struct {
		name     string
		run      func(o *Object) error
		path, at string
		msg      string
	}{
		{"parse", func(o *Object) error { return o.Set("a..b", 1) },
			"a..b", "", `path "a..b": at offset 1: empty field name`},
		{"length bound", func(o *Object) error { return o.Set(long, 1) },
			long[:64] + "...", "", `path "` + long[:64] + `...": path longer than 4096 bytes`},
		{"assign", func(o *Object) error { return o.Set("kind.x", 1) },
			"kind.x", "kind", `path "kind.x": at "kind": cannot set a field inside a string`},
		{"typed getter", func(o *Object) error { _, err := o.GetString("metadata[0]"); return err },
			"metadata[0]", "", `path "metadata[0]": no value at path`},
		{"merge", func(o *Object) error {
			p := New("v1", "ConfigMap")
			p.u.Object["kind"] = map[string]any{"x": "y"}
			return o.Merge(p)
		}, "kind", "", `path "kind": cannot merge a map into a string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run(New("v1", "ConfigMap"))
			var pe *PathError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *PathError", err, err)
			}
			if pe.Path != tt.path || pe.At != tt.at || pe.Error() != tt.msg {
				t.Errorf("PathError{Path %q, At %q} %q; want {%q, %q} %q", pe.Path, pe.At, pe.Error(), tt.path, tt.at, tt.msg)
			}
			var fe *fieldpath.Error
			if errors.As(err, &fe) {
				t.Errorf("fieldpath's *Error leaked: %v", err)
			}
		})
	}
}
