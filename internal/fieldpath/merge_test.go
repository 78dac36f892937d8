package fieldpath

import (
	"errors"
	"reflect"
	"testing"
)

func TestMerge(t *testing.T) {
	tests := []struct {
		name      string
		dst, src  map[string]any
		overwrite bool
		want      map[string]any
	}{
		{"maps merge key by key",
			map[string]any{"a": map[string]any{"x": int64(1), "y": int64(2)}},
			map[string]any{"a": map[string]any{"y": int64(3), "z": int64(4)}}, false,
			map[string]any{"a": map[string]any{"x": int64(1), "y": int64(3), "z": int64(4)}}},
		{"lists merge by index and append",
			map[string]any{"l": []any{map[string]any{"n": "a", "k": int64(1)}, "s"}},
			map[string]any{"l": []any{map[string]any{"k": int64(2)}, "t", "u"}}, false,
			map[string]any{"l": []any{map[string]any{"n": "a", "k": int64(2)}, "t", "u"}}},
		{"null skipped",
			map[string]any{"a": "x", "l": []any{"p"}},
			map[string]any{"a": nil, "l": []any{nil}}, false,
			map[string]any{"a": "x", "l": []any{"p"}}},
		{"null clears under overwrite",
			map[string]any{"a": "x", "l": []any{"p"}},
			map[string]any{"a": nil, "l": []any{nil}}, true,
			map[string]any{"l": []any{nil}}},
		{"null in dst is replaced",
			map[string]any{"a": nil},
			map[string]any{"a": map[string]any{"b": "c"}}, false,
			map[string]any{"a": map[string]any{"b": "c"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Merge(tt.dst, tt.src, tt.overwrite); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(tt.dst, tt.want) {
				t.Errorf("Merge = %v, want %v", tt.dst, tt.want)
			}
		})
	}
}

func TestMergeSharesNothing(t *testing.T) {
	dst := map[string]any{}
	src := map[string]any{"a": map[string]any{"b": "c"}}
	if err := Merge(dst, src, false); err != nil {
		t.Fatal(err)
	}
	dst["a"].(map[string]any)["b"] = "changed"
	if src["a"].(map[string]any)["b"] != "c" {
		t.Error("Merge shared a map of src with dst")
	}
}

func TestMergeConflict(t *testing.T) {
	tests := []struct {
		name     string
		dst, src map[string]any
		path     string
		want     string
	}{
		{"map into string",
			map[string]any{"a": map[string]any{"b": "s"}, "z": "before"},
			map[string]any{"a": map[string]any{"b": map[string]any{"c": "d"}}, "z": "after"},
			"a.b", `path "a.b": cannot merge a map into a string`},
		{"list into map",
			map[string]any{"l": []any{map[string]any{"m": map[string]any{}}}},
			map[string]any{"l": []any{map[string]any{"m": []any{int64(1)}}}},
			"l[0].m", `path "l[0].m": cannot merge a list into a map`},
		{"quoted key",
			map[string]any{"x.y": int64(1)},
			map[string]any{"x.y": map[string]any{}},
			`["x.y"]`, `path "[\"x.y\"]": cannot merge a map into an integer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := clone(tt.dst)
			err := Merge(tt.dst, tt.src, true)
			var fe *Error
			if !errors.As(err, &fe) || fe.Path != tt.path || err.Error() != tt.want {
				t.Fatalf("Merge = %v, want %q at %q", err, tt.want, tt.path)
			}
			if !reflect.DeepEqual(tt.dst, before) {
				t.Errorf("failed Merge changed dst: %v", tt.dst)
			}
		})
	}
}

func clone(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if mm, ok := v.(map[string]any); ok {
			v = clone(mm)
		}
		out[k] = v
	}
	return out
}
