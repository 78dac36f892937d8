package jsonvalue

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestInt64(t *testing.T) {
	tests := []struct {
		in     any
		want   int64
		wantOK bool
	}{
		{int64(3), 3, true},
		{float64(3), 3, true},
		{float64(-2), -2, true},
		{3.5, 0, false},
		{math.NaN(), 0, false},
		{math.Inf(1), 0, false},
		{math.Inf(-1), 0, false},
		{float64(1 << 63), 0, false},             // 2^63 is one past int64's range
		{-float64(1 << 63), math.MinInt64, true}, // -2^63 is int64's least
		{1e300, 0, false},
		{"3", 0, false},
		{int(3), 0, false}, // not a JSON value type
		{nil, 0, false},
	}
	for _, tt := range tests {
		got, ok := Int64(tt.in)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("Int64(%#v) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestEqual(t *testing.T) {
	tests := []struct {
		a, b any
		want bool
	}{
		{int64(3), float64(3), true},
		{float64(3), int64(3), true},
		{float64(3.5), int64(3), false},
		{float64(1 << 63), int64(math.MaxInt64), false},
		{nil, map[string]any(nil), true},
		{[]any(nil), nil, true},
		{[]any{}, nil, false},
		{map[string]any{"a": []any{int64(1), "x"}}, map[string]any{"a": []any{float64(1), "x"}}, true},
		{map[string]any{"a": int64(1)}, map[string]any{"a": int64(1), "b": nil}, false},
		{"1", int64(1), false},
		{true, true, true},
	}
	for _, tt := range tests {
		if got := Equal(tt.a, tt.b); got != tt.want {
			t.Errorf("Equal(%#v, %#v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestCopySharesNothing(t *testing.T) {
	orig := map[string]any{"a": []any{map[string]any{"b": "c"}}}
	c := CopyMap(orig)
	c["a"].([]any)[0].(map[string]any)["b"] = "changed"
	if orig["a"].([]any)[0].(map[string]any)["b"] != "c" {
		t.Fatal("changing the copy changed the original")
	}
	if CopyMap(nil) != nil {
		t.Fatal("CopyMap(nil) is not nil")
	}
}

func TestMergePatch(t *testing.T) {
	before := map[string]any{"keep": "x", "gone": "y", "spec": map[string]any{"n": int64(1), "m": "z"}, "list": []any{"a"}}
	after := map[string]any{"keep": "x", "spec": map[string]any{"n": float64(2), "m": "z"}, "list": []any{"a", "b"}, "new": true}
	got, _ := json.Marshal(MergePatch(before, after))
	want := `{"gone":null,"list":["a","b"],"new":true,"spec":{"n":2}}`
	if string(got) != want {
		t.Fatalf("MergePatch = %s, want %s", got, want)
	}
	if p := MergePatch(after, CopyMap(after)); len(p) != 0 {
		t.Fatalf("MergePatch of equal objects = %v, want empty", p)
	}
}

func TestNormalize(t *testing.T) {
	type item struct {
		N int `json:"n"`
	}
	got, err := Normalize(map[string]any{"i": 3, "u": uint64(math.MaxUint64), "s": []string{"a"}, "t": item{N: 2}, "j": json.Number("7")}, "$", nil)
	if err != nil {
		t.Fatal(err)
	}
	m := got.(map[string]any)
	if m["i"] != int64(3) || m["u"] != float64(math.MaxUint64) || m["j"] != int64(7) {
		t.Fatalf("Normalize = %#v", m)
	}
	if n := m["t"].(map[string]any)["n"]; n != int64(2) {
		t.Fatalf("struct field n = %#v, want int64(2)", n)
	}
	_, err = Normalize(map[string]any{"spec": []any{math.NaN()}}, "$", nil)
	if err == nil || !strings.Contains(err.Error(), "$.spec[0]") {
		t.Fatalf("NaN: error %v does not name $.spec[0]", err)
	}
	type own struct{}
	got, err = Normalize([]any{own{}}, "$", func(v any) (any, bool) { _, ok := v.(own); return "mine", ok })
	if err != nil || got.([]any)[0] != "mine" {
		t.Fatalf("own hook: %v, %v", got, err)
	}
}
