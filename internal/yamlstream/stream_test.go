package yamlstream

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// decodeAll collects what Decode gives.
func decodeAll(in string) ([]Document, error) {
	var docs []Document
	err := Decode([]byte(in), func(d Document) error {
		docs = append(docs, d)
		return nil
	})
	return docs, err
}

// position is where a Document was found.
type position struct{ index, line int }

func positions(docs []Document) []position {
	var ps []position
	for _, d := range docs {
		ps = append(ps, position{d.Index, d.Line})
	}
	return ps
}

func TestDecodeFindsDocumentsAndTheirLines(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []position
	}{
		{"empty stream", "", nil},
		{"comment only", "# nothing\n", nil},
		{"empty, comment-only and null documents skipped but counted", "---\n---\n# c\n---\na: 1\n--- # next\n\n---\nnull\n---\n\n# c\nb: 2\n", []position{{3, 5}, {6, 13}}},
		{"a leading separator stays in its document", "--- # first\n\nkind: A\n", []position{{1, 3}}},
		{"CRLF", "a: 1\r\n---\r\nb: 2\r\n", []position{{1, 1}, {2, 3}}},
		{"JSON stream", "{\"a\":1}\n\n  {\"b\":2}{\"c\":3}\nnull {\"d\":4}", []position{{1, 1}, {2, 3}, {3, 3}, {5, 4}}},
		{"flow YAML read as YAML after JSON fails", "{a: 1}\n---\nb: 2\n", []position{{1, 1}, {2, 3}}},
		{"YAML after one JSON value", "{\"a\":1}\nb: 2\nc: 3\n---\nd: 4\n", []position{{1, 1}, {2, 2}, {3, 5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, err := decodeAll(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := positions(docs); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("documents at %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDecodeTypesValuesLikeUnstructured(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]any
	}{
		{
			"YAML: integral floats below 1e21 become int64, keys become strings",
			"count: 7\nf: 2.5\nwhole: 4.0\nhuge: 1e300\nkeys: {1.5: a, true: b, 0x10: c}\nnested: [[1], {k: ~}]\n",
			map[string]any{
				"count": int64(7), "f": 2.5, "whole": int64(4), "huge": 1e300,
				"keys":   map[string]any{"1.5": "a", "true": "b", "16": "c"},
				"nested": []any{[]any{int64(1)}, map[string]any{"k": nil}},
			},
		},
		{
			"JSON: numbers with a fraction or exponent stay float64",
			`{"n":7,"f":2.5,"whole":4.0,"exp":1e3,"s":"x","b":false,"z":null,"l":[1,{"k":2}]}`,
			map[string]any{
				"n": int64(7), "f": 2.5, "whole": float64(4), "exp": float64(1000), "s": "x", "b": false, "z": nil,
				"l": []any{int64(1), map[string]any{"k": int64(2)}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, err := decodeAll(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(docs) != 1 || !reflect.DeepEqual(docs[0].Object, tt.want) {
				t.Errorf("got %#v\nwant %#v", docs, tt.want)
			}
		})
	}
}

func TestDecodeErrorsNameDocumentAndLine(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		doc, line int
		contains  string
	}{
		{"syntax error", "a: 1\n---\nb: 2\nc:\n  d: x\n e: y\n", 2, 6, "yaml: "},
		{"parser error", "a: 1\n---\nb: [1, 2\nc: 3\n", 2, 4, "did not find expected ',' or ']'"},
		{"tab indentation", "a: 1\nb:\n\tc: x\n", 1, 3, "yaml: "},
		{"a list", "a: 1\n---\n\n- a\n", 2, 4, "document is a list, not an object"},
		{"a scalar", "# c\nhello\n", 1, 2, "document is a string, not an object"},
		{"a number", "42\n", 1, 1, "document is a integer, not an object"},
		{"invalid separator", "a: 1\n--- !tag\nb: 2\n", 2, 2, "invalid document separator"},
		{"NaN", "a: 1\nb: .nan\n", 1, 1, "unsupported value"},
		{"too deep", strings.Repeat("[", maxDepth+2) + strings.Repeat("]", maxDepth+2) + "\n", 1, 1, "exceeded max depth"},
		{"JSON syntax", "{\"a\":1}\n{\"b\":\n\"x\" \"c\"}", 2, 3, "invalid character"},
		{"JSON array", "{\"a\":1}\n[1]", 2, 2, "not an object"},
		{"third JSON value invalid", "{\"a\":1}{\"b\":2}\n{c: 3}\n", 3, 2, "invalid character"},
		{"neither JSON nor YAML", "{a: [}\n", 1, 1, "invalid character"},
		{"YAML fails after JSON", "{\"a\":1}\nb: 2\n---\n- x\n", 3, 4, "not an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeAll(tt.in)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want an *Error", err)
			}
			if e.Document != tt.doc || e.Line != tt.line {
				t.Errorf("document %d line %d, want document %d line %d: %v", e.Document, e.Line, tt.doc, tt.line, err)
			}
			if !strings.Contains(e.Err.Error(), tt.contains) {
				t.Errorf("cause %q lacks %q", e.Err, tt.contains)
			}
			if strings.Contains(err.Error(), "kobj") || strings.Contains(e.Err.Error(), "line ") {
				t.Errorf("error %q names kobj, or its cause a line of its own", err)
			}
		})
	}
}

func TestDecodeStopsAtTheCallbacksError(t *testing.T) {
	stop := errors.New("stop")
	for name, in := range map[string]string{
		"YAML": "a: 1\n---\nb: 2\n---\nc: 3\n",
		"JSON": `{"a":1}{"b":2}{"c":3}`,
	} {
		calls := 0
		err := Decode([]byte(in), func(d Document) error {
			calls++
			if d.Index == 2 {
				return stop
			}
			return nil
		})
		if err != stop || calls != 2 {
			t.Errorf("%s: got %v after %d calls, want the callback's own error after 2", name, err, calls)
		}
	}
}
