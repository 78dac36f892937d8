package jsonvalue

import (
	"encoding/json"
	"fmt"
	"testing"

	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// servedConfigMap is a ConfigMap as a kube-apiserver serves it.
const servedConfigMap = `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"web","namespace":"default",
 "uid":"6a1f0c9e-1c53-4a5e-9b57-3f0c3f1e2a11","resourceVersion":"7","generation":2,"creationTimestamp":"2026-12-06T10:00:00Z",
 "labels":{"app":"web"},"annotations":{"note":"a \"quoted\" \u00e9 note","big":12345678901234567890,"f":1.5},
 "managedFields":[{"manager":"kobj","operation":"Update","apiVersion":"v1","time":"2026-12-06T10:00:00Z",
 "fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},"f:count":{},"f:greeting":{}}}}]},
 "data":{"count":"1","greeting":"hello"},"list":[1,2.0,-3,true,false,null,"x",[],{}],"empty":{},"nil":null}`

// decoded decodes JSON as kobj decodes a server's answer.
func decoded(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := utiljson.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("decoding %s: %v", s, err)
	}
	return m
}

// edited returns before decoded, with the merge patch edit applied.
func edited(t testing.TB, before, edit string) map[string]any {
	t.Helper()
	return applyPatch(decoded(t, before), decoded(t, edit)).(map[string]any)
}

func applyPatch(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
		} else {
			tm[k] = applyPatch(tm[k], v)
		}
	}
	return tm
}

func TestMergePatchJSON(t *testing.T) {
	tests := []struct {
		name   string
		before string
		after  map[string]any
		want   string // the patch as JSON
	}{
		{"unchanged", servedConfigMap, decoded(t, servedConfigMap), `{}`},
		{"a label changed", servedConfigMap, edited(t, servedConfigMap, `{"metadata":{"labels":{"app":"db"}}}`),
			`{"metadata":{"labels":{"app":"db"}}}`},
		{"a field removed and one added", servedConfigMap, edited(t, servedConfigMap, `{"data":{"count":null,"new":"n"}}`),
			`{"data":{"count":null,"new":"n"}}`},
		{"a whole map removed", servedConfigMap, edited(t, servedConfigMap, `{"metadata":{"annotations":null}}`),
			`{"metadata":{"annotations":null}}`},
		{"an escaped string changed", servedConfigMap, edited(t, servedConfigMap, `{"metadata":{"annotations":{"note":"a \"quoted\" é note!"}}}`),
			`{"metadata":{"annotations":{"note":"a \"quoted\" é note!"}}}`},
		{"numbers equal across types", `{"a":1,"b":2.0,"c":1e2,"d":-0}`,
			map[string]any{"a": float64(1), "b": int64(2), "c": int64(100), "d": int64(0)}, `{}`},
		{"numbers changed", `{"a":1,"b":2.5,"c":12345678901234567890}`,
			map[string]any{"a": int64(2), "b": float64(2), "c": float64(1)}, `{"a":2,"b":2,"c":1}`},
		{"a number for a string", `{"a":1}`, map[string]any{"a": "1"}, `{"a":"1"}`},
		{"a list element changed", servedConfigMap, edited(t, servedConfigMap, `{"list":[1,2,-3,true,false,null,"x",[],{"k":1}]}`),
			`{"list":[1,2,-3,true,false,null,"x",[],{"k":1}]}`},
		{"a list shortened", `{"l":[1,2]}`, map[string]any{"l": []any{int64(1)}}, `{"l":[1]}`},
		{"a list grown", `{"l":[1,2]}`, map[string]any{"l": []any{int64(1), int64(2), int64(3)}}, `{"l":[1,2,3]}`},
		{"an empty list against a nil one", `{"l":[]}`, map[string]any{"l": []any(nil)}, `{"l":null}`},
		{"null against a nil map", `{"n":null}`, map[string]any{"n": map[string]any(nil)}, `{}`},
		{"an object inside a list against a nil map", `{"l":[{}]}`, map[string]any{"l": []any{map[string]any(nil)}}, `{"l":[null]}`},
		{"an object inside a list with a key more", `{"l":[{"a":1}]}`, map[string]any{"l": []any{map[string]any{"a": int64(1), "b": nil}}},
			`{"l":[{"a":1,"b":null}]}`},
		{"an object for a string", `{"a":{"b":1}}`, map[string]any{"a": "x"}, `{"a":"x"}`},
		{"a string for an object", `{"a":"x"}`, map[string]any{"a": map[string]any{"b": int64(1)}}, `{"a":{"b":1}}`},
		{"a map cleared to nil", `{"a":{"b":1}}`, map[string]any{"a": map[string]any(nil)}, `{"a":{"b":null}}`},
		{"a value of a Go type JSON values do not hold", `{"a":[1],"b":1}`, map[string]any{"a": []string{"x"}, "b": 1},
			`{"a":["x"],"b":1}`},
		{"white space", " { \"a\" : [ 1 , { \"b\" : true } ] ,\n\"c\":\t\"d\" } ", map[string]any{"a": []any{int64(1), map[string]any{"b": true}}, "c": "e"},
			`{"c":"e"}`},
		{"many keys", manyKeys(60), func() map[string]any {
			m := decoded(t, manyKeys(60))
			m["k59"], m["k60"] = "changed", "added"
			delete(m, "k0")
			return m
		}(), `{"k0":null,"k59":"changed","k60":"added"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := MergePatchJSON([]byte(tt.before), tt.after)
			if !ok {
				t.Fatal("not ok")
			}
			gotJSON, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			if string(gotJSON) != tt.want {
				t.Errorf("MergePatchJSON = %s, want %s", gotJSON, tt.want)
			}
			old, _ := json.Marshal(MergePatch(decoded(t, tt.before), tt.after))
			if string(gotJSON) != string(old) {
				t.Errorf("MergePatchJSON = %s, MergePatch of the decoded text = %s", gotJSON, old)
			}
		})
	}
}

// manyKeys is an object with more keys than the walk keeps in place.
func manyKeys(n int) string {
	b := []byte(`{"nested":{"x":1}`)
	for i := range n {
		b = fmt.Appendf(b, `,"k%d":"v"`, i)
	}
	return string(append(b, '}'))
}

// TestMergePatchJSONGivesUp: what the walk does not read as a decoder
// would, it leaves to the caller.
func TestMergePatchJSONGivesUp(t *testing.T) {
	for _, before := range []string{
		``, `null`, `[1]`, `"a"`,
		`{"\u0061":1}`,          // a key with an escape
		`{"a":1,"a":1}`,         // a key twice, both in after
		`{"x":[{"a":1,"a":1}]}`, // a key twice in a compared object
		"{\"\xff\":1}",          // a key that is not UTF-8
		`{"a":1`, `{"a":}`, `{"a":1 "b":2}`, `{"a":tru}`, `{"a":1e999}`, `{"a":"x`, `{"a":[1,2}`,
	} {
		after := map[string]any{"a": int64(1), "b": int64(2), "x": []any{map[string]any{"a": int64(1), "b": int64(2)}}}
		if p, ok := MergePatchJSON([]byte(before), after); ok {
			t.Errorf("MergePatchJSON(%q) = %v, ok; want not ok", before, p)
		}
	}
}

// plainConfigMap is a served ConfigMap with no string that needs
// unescaping (reading one costs a decoding of that string).
const plainConfigMap = `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"web","namespace":"default",` +
	`"uid":"6a1f0c9e-1c53-4a5e-9b57-3f0c3f1e2a11","resourceVersion":"7","creationTimestamp":"2026-12-06T10:00:00Z",` +
	`"labels":{"app":"web"},"managedFields":[{"manager":"kobj","operation":"Update","apiVersion":"v1",` +
	`"time":"2026-12-06T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},"f:count":{},"f:greeting":{}},` +
	`"f:metadata":{"f:labels":{".":{},"f:app":{}}}}}]},"data":{"count":"1","greeting":"hello"}}`

// TestMergePatchJSONAllocations: an unchanged object costs one map, and a
// change costs the patch, not a decoding of the text.
func TestMergePatchJSONAllocations(t *testing.T) {
	before := []byte(plainConfigMap)
	same := decoded(t, plainConfigMap)
	if n := testing.AllocsPerRun(100, func() { MergePatchJSON(before, same) }); n > 1 {
		t.Errorf("unchanged: %v allocations, want at most 1", n)
	}
	label := edited(t, plainConfigMap, `{"metadata":{"labels":{"app":"db"}}}`)
	// Three maps (the patch, its metadata and labels; two allocations each
	// with Go 1.26) and their three keys: 9, where decoding the text takes
	// about 80.
	if n := testing.AllocsPerRun(100, func() { MergePatchJSON(before, label) }); n > 12 {
		t.Errorf("one label changed: %v allocations, want at most 12", n)
	}
}

// FuzzMergePatchJSON holds MergePatchJSON to MergePatch of the decoded
// text, for an after made from before by a merge patch and for an
// unrelated one.
func FuzzMergePatchJSON(f *testing.F) {
	f.Add(servedConfigMap, `{"metadata":{"labels":{"app":"db"}}}`)
	f.Add(`{"a":[1,{"b":null}],"c":"\u00e9"}`, `{"a":[1,{"b":2}]}`)
	f.Add(`{"a":1.0,"b":-0,"c":1e3}`, `{"d":{}}`)
	f.Fuzz(func(t *testing.T, before, edit string) {
		var b, e map[string]any
		if utiljson.Unmarshal([]byte(before), &b) != nil || b == nil || utiljson.Unmarshal([]byte(edit), &e) != nil || e == nil {
			return
		}
		for _, after := range []map[string]any{e, applyPatch(CopyMap(b), e).(map[string]any)} {
			got, ok := MergePatchJSON([]byte(before), after)
			if !ok {
				continue
			}
			want := MergePatch(b, after)
			if !Equal(got, want) || len(got) != len(want) {
				t.Fatalf("MergePatchJSON(%s, %v) = %v, MergePatch = %v", before, after, got, want)
			}
		}
	})
}

// BenchmarkMergePatchJSON weighs the walk against decoding the text and
// calling MergePatch, for one label changed on a served ConfigMap.
//
//	go test -run '^$' -bench MergePatchJSON -benchmem ./internal/jsonvalue/
func BenchmarkMergePatchJSON(b *testing.B) {
	before := []byte(plainConfigMap)
	after := edited(b, plainConfigMap, `{"metadata":{"labels":{"app":"db"}}}`)
	b.Run("walk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := MergePatchJSON(before, after); !ok {
				b.Fatal("not ok")
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var m map[string]any
			if err := utiljson.Unmarshal(before, &m); err != nil {
				b.Fatal(err)
			}
			MergePatch(m, after)
		}
	})
}
