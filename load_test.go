package kobj

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kobj-dev/kobj/internal/testcorpus"
)

func TestLoadMatchesReferenceOnCorpus(t *testing.T) {
	docs := 0
	for _, file := range testcorpus.Manifests(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			want, err := referenceLoad(data)
			if err != nil {
				t.Fatalf("reference decoder: %v", err)
			}
			objs, err := LoadFile(file)
			if err != nil {
				t.Fatalf("LoadFile: %v", err)
			}
			if len(objs) != len(want) {
				t.Fatalf("loaded %d objects, reference %d", len(objs), len(want))
			}
			for i, o := range objs {
				if !reflect.DeepEqual(o.Map(), want[i]) {
					t.Errorf("document %d differs from the reference:\n%v", i+1, wrap(want[i]).Diff(o))
				}
			}
			docs += len(objs)
		})
	}
	t.Logf("%d documents identical to the reference decoder's", docs)
}

func TestSaveRoundTripsOnCorpus(t *testing.T) {
	for _, file := range testcorpus.Manifests(t) {
		objs, err := LoadFile(file)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for i, o := range objs {
			for _, format := range []struct {
				name string
				save func() ([]byte, error)
			}{{"YAML", o.YAML}, {"JSON", o.JSON}} {
				b, err := format.save()
				if err != nil {
					t.Fatalf("%s document %d: %s: %v", file, i+1, format.name, err)
				}
				back, err := LoadBytes(b)
				if err != nil {
					t.Fatalf("%s document %d: loading its %s: %v\n%s", file, i+1, format.name, err, b)
				}
				if len(back) != 1 || !back[0].Equal(o) {
					t.Errorf("%s document %d: %s does not round-trip: %v", file, i+1, format.name, o.Diff(back[0]))
				}
			}
		}
	}
}

func TestLoadTypesNumbersLikeUnstructured(t *testing.T) {
	objs, err := LoadString(`apiVersion: example.com/v1
kind: Widget
spec:
  hex: 0x1F
  exp: 1e3
  octal: 012
  half: 0.5
  three: 3.0
  big: 9223372036854775807
  bigger: 18446744073709551615
  tilde: ~
  yes: yes
  quoted: "yes"
  on: on
  stamp: 2001-12-14t21:59:43.10-05:00
  1: one
`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"hex": int64(31), "exp": int64(1000), "octal": int64(10), "half": 0.5, "three": int64(3),
		"big": int64(9223372036854775807), "bigger": float64(18446744073709551615), "tilde": nil,
		"true": true, "quoted": "yes", "stamp": "2001-12-14t21:59:43.10-05:00", "1": "one",
	}
	got, _ := objs[0].GetMap("spec")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("spec = %#v\nwant %#v", got, want)
	}
}

func TestLoadStreams(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		kinds []string
	}{
		{"empty input", "", nil},
		{"comment only", "# nothing here\n", nil},
		{"separators and empty documents", "---\n---\n# c\n---\napiVersion: v1\nkind: A\n--- # next\n\n---\napiVersion: v1\nkind: B\n---\n", []string{"A", "B"}},
		{"no trailing newline", "apiVersion: v1\nkind: A", []string{"A"}},
		{"CRLF", "apiVersion: v1\r\nkind: A\r\n---\r\napiVersion: v1\r\nkind: B\r\n", []string{"A", "B"}},
		{"JSON object", `{"apiVersion":"v1","kind":"A"}`, []string{"A"}},
		{"JSON stream", "{\"apiVersion\":\"v1\",\"kind\":\"A\"}\n  {\"apiVersion\":\"v1\",\"kind\":\"B\"}{\"apiVersion\":\"v1\",\"kind\":\"C\"}", []string{"A", "B", "C"}},
		{"null document", "null\n---\napiVersion: v1\nkind: A\n", []string{"A"}},
		{"flow-style YAML read as kubectl reads it", "{apiVersion: v1, kind: A}\n---\napiVersion: v1\nkind: B\n", []string{"A", "B"}},
		{"YAML after a JSON object", "{\"apiVersion\":\"v1\",\"kind\":\"A\"}\napiVersion: v1\nkind: B\n", []string{"A", "B"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := LoadString(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, o := range objs {
				kinds = append(kinds, o.Kind())
			}
			if !reflect.DeepEqual(kinds, tt.kinds) {
				t.Errorf("kinds %v, want %v", kinds, tt.kinds)
			}
		})
	}
}

func TestLoadErrorsNameDocumentAndLine(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		doc      int
		line     int
		contains string
	}{
		{"no kind", "apiVersion: v1\nkind: A\n---\n\n# header\napiVersion: v1\nmetadata: {}\n", 2, 6, "no kind"},
		{"no apiVersion", "kind: A\n", 1, 1, "no apiVersion"},
		{"kind not a string", "apiVersion: v1\nkind: [a]\n", 1, 1, "kind must be a non-empty string"},
		{"syntax error", "apiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: B\nmetadata:\n  name: x\n bad: y\n", 2, 8, "yaml:"},
		{"tab indentation", "apiVersion: v1\nkind: A\nmetadata:\n\tname: x\n", 1, 4, "yaml:"},
		{"a list, not an object", "apiVersion: v1\nkind: A\n---\n- a\n- b\n", 2, 4, "not an object"},
		{"a scalar document", "hello\n", 1, 1, "not an object"},
		{"bad separator", "apiVersion: v1\nkind: A\n--- !tag\napiVersion: v1\nkind: B\n", 2, 3, "invalid document separator"},
		{"NaN", "apiVersion: v1\nkind: A\nx: .nan\n", 1, 1, "unsupported value"},
		{"JSON syntax", "{\"apiVersion\":\"v1\",\"kind\":\"A\"}\n{\"apiVersion\":\n\"v1\" \"kind\"}", 2, 3, "invalid character"},
		{"flow-style YAML without kind", "{apiVersion: v1}\n", 1, 1, "no kind"},
		{"JSON without kind", "{\"apiVersion\":\"v1\",\"kind\":\"A\"}\n\n{\"apiVersion\":\"v1\"}", 2, 3, "no kind"},
		{"alias bomb", string(testcorpus.Read(t, "bad", "billion-laughs.yaml")), 1, 2, "aliases expand the document too much"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := loadBytes("in.yaml", []byte(tt.in))
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("got %v (%d objects), want a *LoadError", err, len(objs))
			}
			if objs != nil {
				t.Errorf("got %d objects with the error, want none", len(objs))
			}
			if le.File != "in.yaml" || le.Document != tt.doc || (tt.line > 0 && le.Line != tt.line) {
				t.Errorf("error at %s document %d line %d, want in.yaml document %d line %d: %v", le.File, le.Document, le.Line, tt.doc, tt.line, err)
			}
			if !strings.Contains(err.Error(), tt.contains) || !strings.HasPrefix(err.Error(), "in.yaml: document ") {
				t.Errorf("error %q does not start with the file and document or lacks %q", err, tt.contains)
			}
		})
	}
}

func TestLoadFileNamesTheFile(t *testing.T) {
	_, err := LoadFile("test/testdata/bad/yaml-directive.yaml")
	var le *LoadError
	if !errors.As(err, &le) || le.File != "test/testdata/bad/yaml-directive.yaml" {
		t.Fatalf("got %v, want a *LoadError naming the file", err)
	}
	if _, err := LoadFile("test/testdata/no-such-file.yaml"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: got %v, want an error wrapping os.ErrNotExist", err)
	}
}

func TestListItems(t *testing.T) {
	objs, err := LoadString(`apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: a}
- apiVersion: v1
  kind: Secret
  metadata: {name: b}
`)
	if err != nil {
		t.Fatal(err)
	}
	l := objs[0]
	if !l.IsList() {
		t.Fatal("IsList() = false for kind List")
	}
	items := l.Items()
	if len(items) != 2 || items[0].Name() != "a" || items[1].Kind() != "Secret" {
		t.Fatalf("Items() = %v", items)
	}
	items[0].SetLabel("x", "y")
	if v, ok := l.Get("items[0].metadata.labels.x"); !ok || v != "y" {
		t.Errorf("a change through Items() is not seen by the list: %v %v", v, ok)
	}
	if l.Items()[0] != items[0] {
		t.Error("Items() made new wrappers for an unchanged list")
	}
}
