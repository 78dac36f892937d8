package fieldpath

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		path string
		want []Segment
	}{
		{"a", []Segment{{Key: "a"}}},
		{"spec.template.spec.containers[0].image", []Segment{
			{Key: "spec"}, {Key: "template"}, {Key: "spec"}, {Key: "containers"},
			{Key: "0", Index: 0, Bracket: true}, {Key: "image"}}},
		{"containers.0", []Segment{{Key: "containers"}, {Key: "0", Index: 0, Numeric: true}}},
		{"containers.12.name", []Segment{{Key: "containers"}, {Key: "12", Index: 12, Numeric: true}, {Key: "name"}}},
		{"items[-1]", []Segment{{Key: "items"}, {Key: "-1", Index: -1, Bracket: true}}},
		{`metadata.annotations["example.com/x"]`, []Segment{{Key: "metadata"}, {Key: "annotations"}, {Key: "example.com/x"}}},
		{`a["x\"y"].b`, []Segment{{Key: "a"}, {Key: `x"y`}, {Key: "b"}}},
		{`a[""]`, []Segment{{Key: "a"}, {Key: ""}}},
		{`a\.b.c`, []Segment{{Key: "a.b"}, {Key: "c"}}},
		{"[2]", []Segment{{Key: "2", Index: 2, Bracket: true}}},
		{"a.-1", []Segment{{Key: "a"}, {Key: "-1"}}}, // not digits: a field name
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := Parse(tt.path)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.path, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q) = %+v, want %+v", tt.path, got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		path, want string
	}{
		{"", `path "": empty path`},
		{".a", `path ".a": at offset 0: empty field name`},
		{"a.", `path "a.": at offset 1: empty field name`},
		{"a..b", `path "a..b": at offset 1: empty field name`},
		{"a.[0]", `path "a.[0]": at offset 1: empty field name`},
		{"a[", `path "a[": at offset 1: [ without ]`},
		{"a[x]", `path "a[x]": at offset 1: list index "x" is not an integer`},
		{"a[]", `path "a[]": at offset 1: list index "" is not an integer`},
		{"a[+1]", `path "a[+1]": at offset 1: list index "+1" is not an integer`},
		{`a["x`, `path "a[\"x": at offset 1: bad quoted field name: unterminated string`},
		{`a["x"`, `path "a[\"x\"": at offset 5: expected ] after quoted field name`},
		{"a[0]b", `path "a[0]b": at offset 4: expected . or [ before field name`},
		{"a]b", `path "a]b": at offset 1: unexpected ']' in field name (quote it: ["name"])`},
		{`a"b`, `path "a\"b": at offset 1: unexpected '"' in field name (quote it: ["name"])`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, err := Parse(tt.path)
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("Parse(%q) = %v, want an *Error", tt.path, err)
			}
			if fe.Path != tt.path || err.Error() != tt.want {
				t.Errorf("Parse(%q) = %q (Path %q), want %q", tt.path, err, fe.Path, tt.want)
			}
		})
	}
}

func TestParseLengthBound(t *testing.T) {
	ok := strings.Repeat("a", MaxLength)
	if _, err := Parse(ok); err != nil {
		t.Fatalf("Parse of %d bytes: %v", MaxLength, err)
	}
	_, err := Parse(ok + "a")
	var fe *Error
	if !errors.As(err, &fe) {
		t.Fatalf("Parse of %d bytes = %v, want an *Error", MaxLength+1, err)
	}
	if fe.Path != strings.Repeat("a", 64)+"..." || !strings.Contains(err.Error(), "path longer than 4096 bytes") {
		t.Errorf("Parse of %d bytes = %q (Path %q)", MaxLength+1, err, fe.Path)
	}
}

func TestFormatRoundTrip(t *testing.T) {
	tests := []struct{ path, want string }{
		{"a.b[0].c", "a.b[0].c"},
		{"a.0", "a[0]"},
		{"a[-1]", "a[-1]"},
		{`a["x.y"]`, `a["x.y"]`},
		{`a["plain"]`, "a.plain"},
		{`a\.b`, `["a.b"]`},
		{`a["10"]`, `a["10"]`},
		{`a[""]`, `a[""]`},
		{`a["q\"t"]`, `a["q\"t"]`},
		{`a["x[1]"]`, `a["x[1]"]`},
		{`a["b\\c"]`, `a["b\\c"]`},
		{"beta/x", "beta/x"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			segs, err := Parse(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			got := Format(segs)
			if got != tt.want {
				t.Errorf("Format(Parse(%q)) = %q, want %q", tt.path, got, tt.want)
			}
			again, err := Parse(got)
			if err != nil {
				t.Fatalf("Parse(%q): %v", got, err)
			}
			if Format(again) != got {
				t.Errorf("%q formats to %q, then to %q", tt.path, got, Format(again))
			}
		})
	}
}

func TestCompare(t *testing.T) {
	p := func(s string) []Segment {
		segs, err := Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return segs
	}
	tests := []struct {
		a, b string
		want int // sign
	}{
		{"a", "a", 0},
		{"a", "b", -1},
		{"a", "a.b", -1},
		{"a[2]", "a[10]", -1},
		{"a[0]", "a.x", -1},
		{"a.x", "a[0]", 1},
		{"a.b", "a.a", 1},
	}
	for _, tt := range tests {
		got := Compare(p(tt.a), p(tt.b))
		if sign(got) != tt.want {
			t.Errorf("Compare(%q, %q) = %d, want sign %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// FuzzParse checks that Parse never panics and that a parsed path formats
// to one that parses to the same segments.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"a.b[0].c", "a.0", `a["x.y"]`, `a\.b`, "[-1]", "a[", `a["`, "..", "a]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		segs, err := Parse(path)
		if err != nil {
			return
		}
		again, err := Parse(Format(segs))
		if err != nil {
			t.Fatalf("Format(%q) = %q does not parse: %v", path, Format(segs), err)
		}
		if Format(again) != Format(segs) {
			t.Fatalf("%q formats to %q, then to %q", path, Format(segs), Format(again))
		}
	})
}
