package operator

import (
	"encoding/json"
	"fmt"
	"sort"
	"testing"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/internal/rawjson"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestStripRaw(t *testing.T) {
	keep := []string{"kobj-operator-"}
	mine, theirs := `{"manager":"kobj-operator-x","f":1}`, `{"manager":"kubectl"}`
	tests := []struct{ in, want string }{
		{`{"metadata":{"name":"a"},"data":{}}`, ""},
		{`{"data":{},"metadata":{"name":"a"}}`, ""},
		{`{"metadata":{"name":"a","managedFields":[` + mine + `]}}`, ""},
		{`{"metadata":{"name":"a","managedFields":null}}`, ""},
		{`{"metadata":{"name":"a","managedFields":[]}}`, ""},
		{`{"metadata":"odd"}`, ""},
		{`{"metadata":{"managedFields":{}}}`, ""},
		{`{"a":[1,{"b":"]}\"\\"}],"metadata":{"x":-1.5e3,"y":true,"managedFields":[` + theirs + `],"z":null}}`, `{"a":[1,{"b":"]}\"\\"}],"metadata":{"x":-1.5e3,"y":true,"z":null}}`},
		{`{"metadata":{"managedFields":[{"manager":"kobj-operator-\u0078"},` + theirs + `]}}`, `{"metadata":{"managedFields":[{"manager":"kobj-operator-\u0078"}]}}`},
		{`{"metadata":{"name":"a","managedFields":[` + theirs + `,` + mine + `]},"b":"<"}`,
			`{"metadata":{"name":"a","managedFields":[` + mine + `]},"b":"<"}`},
		{`{"metadata":{"name":"a","managedFields":[` + theirs + `]}}`, `{"metadata":{"name":"a"}}`},
		{`{"metadata":{"managedFields":[` + theirs + `],"name":"a"}}`, `{"metadata":{"name":"a"}}`},
		{`{"metadata":{"managedFields":[` + theirs + `]}}`, `{"metadata":{}}`},
		{"{ \"metadata\" : { \"managedFields\" : [ " + theirs + " ] ,\n \"name\":\"a\" } , \"data\": {\"k\":\"v\"} }", ""},
		{"{\"metadata\":{\"name\":\"a\" , \"managedFields\" : [" + mine + " , " + theirs + "] }}", ""},
		{`{"kind":"X","metadata":{"labels":{"managedFields":"no"},"managedFields":[` + theirs + `,` + mine + `,` + theirs + `]},"spec":{"metadata":{"managedFields":[]}}}`,
			`{"kind":"X","metadata":{"labels":{"managedFields":"no"},"managedFields":[` + mine + `]},"spec":{"metadata":{"managedFields":[]}}}`},
	}
	for _, tt := range tests {
		got, err := stripRaw([]byte(tt.in), keep)
		if err != nil {
			t.Errorf("stripRaw(%s): %v", tt.in, err)
			continue
		}
		if string(got) != tt.in && cap(got) != len(got) {
			t.Errorf("stripRaw(%s): %d bytes kept for %d", tt.in, cap(got), len(got))
		}
		if tt.want != "" && string(got) != tt.want {
			t.Errorf("stripRaw(%s) = %s; want %s", tt.in, got, tt.want)
		}
		// Always: what stripManagedFields does to the decoded object.
		var in, out map[string]any
		if err := json.Unmarshal([]byte(tt.in), &in); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(got, &out); err != nil {
			t.Errorf("stripRaw(%s) = %s: not JSON: %v", tt.in, got, err)
			continue
		}
		stripManagedFields(&unstructured.Unstructured{Object: in}, keep)
		if fmt.Sprint(in) != fmt.Sprint(out) {
			t.Errorf("stripRaw(%s) = %s, want the content %v", tt.in, got, in)
		}
	}
	for _, bad := range []string{`{"metadata":{"managedFields":[1]}}`, `[]`, `{"metadata":`, `{"metadata":{"managedFields":[{"manager":"x}]}}`, `{"a":tru`} {
		if _, err := stripRaw([]byte(bad), keep); err == nil {
			t.Errorf("stripRaw(%s): no error", bad)
		}
	}
}

func TestToEntryRaw(t *testing.T) {
	data := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"n","uid":"u","resourceVersion":"7","generation":2,"labels":{"x":"y"},"managedFields":[{"manager":"kubectl"},{"manager":"kobj-operator-x"}]},"data":{"big":"x","k":"v"}}`
	tests := []struct {
		name string
		cfg  cacheConfig
		want string // managers kept, data keys
	}{
		{"as sent", cacheConfig{}, "[kubectl kobj-operator-x] [big k]"},
		{"strip", cacheConfig{strip: true, keep: []string{"kobj-operator-"}}, "[kobj-operator-x] [big k]"},
		{"strip and transform", cacheConfig{strip: true, keep: []string{"kobj-operator-"}, transform: func(o *kobj.Object) { o.Remove("data.big") }}, "[kobj-operator-x] [k]"},
	}
	for _, tt := range tests {
		kc := &kindCache{c: &Cache{cfg: tt.cfg}, ref: kindRef{"v1", "ConfigMap"}}
		u, ok := rawjson.Decode([]byte(data), "", "", rawjson.Metadata)
		if !ok {
			t.Fatal("rawjson.Decode failed")
		}
		obj, err := kc.toEntry(u)
		if err != nil {
			t.Fatal(err)
		}
		e := obj.(*entry)
		m, err := e.decode()
		if err != nil {
			t.Fatal(err)
		}
		var managers, keys []string
		for _, f := range m["metadata"].(map[string]any)["managedFields"].([]any) {
			managers = append(managers, f.(map[string]any)["manager"].(string))
		}
		for k := range m["data"].(map[string]any) {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if got := fmt.Sprint(managers, keys); got != tt.want || e.Name != "a" || e.Namespace != "n" || e.UID != "u" ||
			e.ResourceVersion != "7" || e.Generation != 2 || e.Labels["x"] != "y" || e.Kind != "ConfigMap" || e.APIVersion != "v1" {
			t.Errorf("%s: %s (%s/%s), want %s", tt.name, got, e.Namespace, e.Name, tt.want)
		}
	}
}

func BenchmarkStripRaw(b *testing.B) {
	data := []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-1","namespace":"bench-1","uid":"0b5e5c0e-8c1d-4a59-9a3c-1f0d2b3c4d5e","resourceVersion":"123456","creationTimestamp":"2026-12-06T10:00:00Z","labels":{"app":"bench"},"managedFields":[{"manager":"bench.test","operation":"Update","apiVersion":"v1","time":"2026-12-06T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},"f:count":{},"f:greeting":{}},"f:metadata":{"f:labels":{".":{},"f:app":{}}}}}]},"data":{"count":"1","greeting":"hello"}}`)
	keep := []string{"kobj-operator-"}
	b.Run("rawjson.Decode", func(b *testing.B) {
		for b.Loop() {
			rawjson.Decode(data, "", "", rawjson.Metadata)
		}
	})
	b.Run("stripRaw", func(b *testing.B) {
		for b.Loop() {
			if _, err := stripRaw(data, keep); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// FuzzStripRaw: stripRaw never panics, and what it returns is JSON with the
// content stripManagedFields leaves of the decoded object.
func FuzzStripRaw(f *testing.F) {
	for _, s := range []string{
		`{"metadata":{"name":"a","managedFields":[{"manager":"kubectl"},{"manager":"kobj-operator-x"}]},"data":{}}`,
		`{"metadata":{"managedFields":[{"manager":"kubectl"}]}}`,
		`{ "metadata" : { "managedFields" : [ {"manager":"a"} ] , "x":1 } }`,
		`{"a":"\"}","metadata":{"managedFields":[{"manager":"kobj-operator-\u0078"},{"manager":"b"}]}}`,
	} {
		f.Add([]byte(s))
	}
	keep := []string{"kobj-operator-"}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := stripRaw(data, keep)
		if err != nil {
			return
		}
		var in map[string]any
		if json.Unmarshal(data, &in) != nil {
			return // the cache strips only what decoded
		}
		var out map[string]any
		if err := json.Unmarshal(got, &out); err != nil {
			t.Fatalf("stripRaw(%s) = %s: not JSON: %v", data, got, err)
		}
		stripManagedFields(&unstructured.Unstructured{Object: in}, keep)
		if fmt.Sprint(in) != fmt.Sprint(out) {
			t.Fatalf("stripRaw(%s) = %s, want the content %v", data, got, in)
		}
	})
}
