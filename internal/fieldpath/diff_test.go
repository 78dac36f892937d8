package fieldpath

import (
	"fmt"
	"reflect"
	"testing"
)

func TestDiff(t *testing.T) {
	tests := []struct {
		name string
		a, b map[string]any
		want []string
	}{
		{"equal", map[string]any{"a": int64(1)}, map[string]any{"a": float64(1)}, nil},
		{"changed, added, removed",
			map[string]any{"a": "x", "gone": true, "n": nil},
			map[string]any{"a": "y", "new": int64(1), "n": nil},
			[]string{"a changed x y", "gone removed true <nil>", "new added <nil> 1"}},
		{"lists by index, in numeric order",
			map[string]any{"l": []any{"a", "b"}},
			map[string]any{"l": []any{"a", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"}},
			[]string{"l[1] changed b c", "l[2] added <nil> d", "l[3] added <nil> e", "l[4] added <nil> f",
				"l[5] added <nil> g", "l[6] added <nil> h", "l[7] added <nil> i", "l[8] added <nil> j",
				"l[9] added <nil> k", "l[10] added <nil> l"}},
		{"type change is one change",
			map[string]any{"a": map[string]any{"b": "c"}},
			map[string]any{"a": "s"},
			[]string{"a changed map[b:c] s"}},
		{"keys quoted",
			map[string]any{"m": map[string]any{"x.y": "1", "10": "a", "9": "b"}},
			map[string]any{"m": map[string]any{"x.y": "2", "10": "c", "9": "d"}},
			[]string{`m["10"] changed a c`, `m["9"] changed b d`, `m["x.y"] changed 1 2`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			Diff(tt.a, tt.b, func(path string, kind ChangeKind, old, new any) {
				got = append(got, fmt.Sprintf("%s %s %v %v", path, kindName(kind), old, new))
			})
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Diff =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestDiffCopies(t *testing.T) {
	a := map[string]any{}
	inner := map[string]any{"k": "v"}
	b := map[string]any{"m": inner}
	var got any
	Diff(a, b, func(_ string, _ ChangeKind, _, new any) { got = new })
	got.(map[string]any)["k"] = "changed"
	if inner["k"] != "v" {
		t.Error("Diff reported a value shared with its input")
	}
}

func kindName(k ChangeKind) string {
	return [...]string{Changed: "changed", Added: "added", Removed: "removed"}[k]
}
