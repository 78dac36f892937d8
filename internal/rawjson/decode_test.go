package rawjson

import (
	"encoding/json"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name, data, av, kind string
		ok                   bool
		raw                  string // the kept bytes, when not data
	}{
		{"object", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"n","uid":"u","resourceVersion":"5","labels":{"x":"y"}},"data":{"k":"v","n":1}}`, "", "", true, ""},
		{"list item", `{"metadata":{"name":"a","resourceVersion":"5"},"data":{}}`, "v1", "ConfigMap", true,
			`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"5"},"data":{}}`},
		{"empty list item", `{ "metadata":{"name":"a"}}`, "v1", "ConfigMap", true, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}`},
		{"no name (bookmark)", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"resourceVersion":"5"}}`, "", "", false, ""},
		{"status", `{"apiVersion":"v1","kind":"Status","metadata":{"name":"x"},"code":410}`, "", "", false, ""},
		{"no kind", `{"metadata":{"name":"a"}}`, "", "", false, ""},
		{"metadata not an object", `{"apiVersion":"v1","kind":"ConfigMap","metadata":"a"}`, "", "", false, ""},
		{"not an object", `[1]`, "", "", false, ""},
		{"null", `null`, "", "", false, ""},
	}
	for _, mode := range []Mode{Metadata, Full} {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				u, ok := Decode([]byte(tt.data), tt.av, tt.kind, mode)
				if ok != tt.ok {
					t.Fatalf("mode %d: ok = %v", mode, ok)
				}
				if !ok {
					return
				}
				r, ok := Of(u)
				if !ok || r.Mode != mode {
					t.Fatalf("mode %d: carries %v", mode, r)
				}
				want := tt.raw
				if want == "" {
					want = tt.data
				}
				if string(r.Raw) != want {
					t.Fatalf("mode %d: raw = %s, want %s", mode, r.Raw, want)
				}
				if u.GetName() != "a" || u.GetKind() != "ConfigMap" || u.GetAPIVersion() != "v1" || u.GetResourceVersion() != r.Meta.Metadata.ResourceVersion {
					t.Fatalf("mode %d: map = %v", mode, u.Object)
				}
				m := r.Meta.Metadata
				if r.Meta.Kind != "ConfigMap" || r.Meta.APIVersion != "v1" || m.Name != "a" {
					t.Fatalf("mode %d: meta = %+v", mode, r.Meta)
				}
				if tt.name == "object" && (m.UID != "u" || m.Namespace != "n" || m.ResourceVersion != "5") {
					t.Fatalf("mode %d: meta = %+v", mode, r.Meta)
				}
				if tt.name == "object" && mode == Metadata && m.Labels["x"] != "y" {
					t.Fatalf("labels = %v", m.Labels)
				}
				if tt.name == "object" && mode == Metadata && u.Object["data"] != nil {
					t.Fatalf("Metadata mode decoded the content: %v", u.Object)
				}
				if r2, ok := Take(u); !ok || r2 != r {
					t.Fatal("Take lost the object")
				}
				if _, ok := Of(u); ok {
					t.Fatal("Take left the object in the map")
				}
				if mode == Full {
					// The map is what client-go's decoder makes of the
					// kept bytes, numbers as int64.
					want := &unstructured.Unstructured{}
					if err := want.UnmarshalJSON(r.Raw); err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(u.Object, want.Object) {
						t.Fatalf("map = %#v\nwant %#v", u.Object, want.Object)
					}
				}
			})
		}
	}
}

func TestWithTypeMeta(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":1}`, `{"apiVersion":"g/v1","kind":"K\"","a":1}`},
		{`{}`, `{"apiVersion":"g/v1","kind":"K\""}`},
		{" \n{ \t}", `{"apiVersion":"g/v1","kind":"K\""}`},
	}
	for _, tt := range tests {
		got := WithTypeMeta([]byte(tt.in), "g/v1", `K"`)
		if string(got) != tt.want {
			t.Errorf("WithTypeMeta(%s) = %s, want %s", tt.in, got, tt.want)
		}
		if !json.Valid(got) {
			t.Errorf("WithTypeMeta(%s) = %s: not JSON", tt.in, got)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	data := []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-1","namespace":"bench-1","uid":"0b5e5c0e-8c1d-4a59-9a3c-1f0d2b3c4d5e","resourceVersion":"123456","creationTimestamp":"2026-12-06T10:00:00Z","labels":{"app":"bench"},"managedFields":[{"manager":"bench.test","operation":"Update","apiVersion":"v1","time":"2026-12-06T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},"f:count":{},"f:greeting":{}},"f:metadata":{"f:labels":{".":{},"f:app":{}}}}}]},"data":{"count":"1","greeting":"hello"}}`)
	b.Run("Metadata", func(b *testing.B) {
		for b.Loop() {
			Decode(data, "", "", Metadata)
		}
	})
	b.Run("Full", func(b *testing.B) {
		for b.Loop() {
			Decode(data, "", "", Full)
		}
	})
	b.Run("client-go+MarshalJSON", func(b *testing.B) {
		for b.Loop() {
			u := &unstructured.Unstructured{}
			if err := u.UnmarshalJSON(data); err != nil {
				b.Fatal(err)
			}
			if _, err := u.MarshalJSON(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
