package kobj

import (
	"bytes"
	"os"
	"reflect"
	"testing"
)

// TestFastPathMatchesGoYAML holds the fast path to go-yaml v2 on every
// document of the corpus that it takes, and counts how many it takes.
func TestFastPathMatchesGoYAML(t *testing.T) {
	taken, all := 0, 0
	for _, file := range corpus(t) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if looksLikeJSON(data) {
			continue
		}
		err = splitYAML(data, func(chunk []byte, line int) error {
			all++
			got, ok := fastDecode(chunk)
			if !ok {
				return nil
			}
			taken++
			want, err := goyamlDecode(chunk)
			if err != nil {
				t.Errorf("%s line %d: the fast path took a document go-yaml refuses: %v", file, line, err)
			} else if !reflect.DeepEqual(got, want) {
				t.Errorf("%s line %d: the fast path differs from go-yaml:\n%v", file, line, wrap(want).Diff(wrap(got)))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if taken == 0 {
		t.Fatal("the fast path took no document of the corpus")
	}
	t.Logf("the fast path took %d of %d YAML documents", taken, all)
}

func TestFastPathTakesTheBenchmarkStream(t *testing.T) {
	data := deploymentStream(3)
	n := 0
	if err := splitYAML(data, func(chunk []byte, _ int) error {
		if _, ok := fastDecode(chunk); !ok {
			t.Errorf("the fast path gave up on:\n%s", chunk)
		}
		n++
		return nil
	}); err != nil || n != 3 {
		t.Fatal(n, err)
	}
}

func TestFastPathScalars(t *testing.T) {
	for _, in := range []string{
		"a: 1", "a: -0", "a: 012", "a: 0x1F", "a: 0o17", "a: 0b101", "a: -0b101", "a: 1_000", "a: 1e3", "a: 1.5",
		"a: 3.0", "a: .5", "a: +1", "a: 9223372036854775808", "a: 18446744073709551616", "a: 1e999",
		"a: yes", "a: No", "a: on", "a: OFF", "a: y", "a: ~", "a: null", "a: Null", "a:", "a: 2001-12-14",
		"a: 100m", "a: 512Mi", "a: 1.27", "a: nginx:1.27", "a: http://x/y", "a: a #c", "a: a#b", "a: 'it''s'",
		`a: "x: y"`, "a: [1, two, 3.5, yes]", "a: {b: 1, c: [d, e]}", "a: []", "a: {}", "1: x", "yes: x", "1.5: x",
		"0x1F: x", "a: -x", "a: --port=80", "a: x, y", "a: [x,y]", "a: .inf", "a: .nan", "~: x", "a: '#'",
		"a: x\nb:\n- 1\n- 2", "a:\n  - b: 1\n    c: 2\n  - d", "a:\n  b:\n    c: d",
	} {
		doc := []byte(in + "\n")
		got, ok := fastDecode(doc)
		want, err := goyamlDecode(doc)
		switch {
		case !ok:
			t.Logf("%-30q slow path", in)
		case err != nil:
			t.Errorf("%q: fast path %v, go-yaml refuses: %v", in, got, err)
		case !reflect.DeepEqual(got, want):
			t.Errorf("%q: fast path %#v, go-yaml %#v", in, got, want)
		}
	}
}

// FuzzFastPath: wherever the fast path answers, go-yaml answers the same.
func FuzzFastPath(f *testing.F) {
	for _, file := range corpus(f) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		_ = splitYAML(data, func(chunk []byte, _ int) error {
			f.Add(bytes.Clone(chunk))
			return nil
		})
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		got, ok := fastDecode(doc)
		if !ok {
			return
		}
		want, err := goyamlDecode(doc)
		if err != nil {
			t.Fatalf("the fast path took a document go-yaml refuses (%v): %#v", err, got)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("fast path %#v\ngo-yaml   %#v", got, want)
		}
	})
}
