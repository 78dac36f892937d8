package yamlstream

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/kobj-dev/kobj/internal/testcorpus"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// splitAll collects what splitDocuments gives.
func splitAll(data []byte) (docs []string, lines []int, err error) {
	err = splitDocuments(data, func(doc []byte, firstLine int) error {
		docs = append(docs, string(doc))
		lines = append(lines, firstLine)
		return nil
	})
	return docs, lines, err
}

func TestSplitDocuments(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		docs  []string
		lines []int
	}{
		{"empty stream", "", nil, nil},
		{"one document without a final newline", "a: 1", []string{"a: 1\n"}, []int{1}},
		{"a separator that begins a document stays in it", "---\na: 1\n---\n---\nb: 2\n", []string{"---\na: 1\n", "---\nb: 2\n"}, []int{1, 4}},
		{"three separators in a row", "a: 1\n---\n---\n---\nb: 2\n", []string{"a: 1\n", "---\n", "b: 2\n"}, []int{1, 3, 5}},
		{"comment after a separator", "a: 1\n--- # next\nb: 2\n", []string{"a: 1\n", "b: 2\n"}, []int{1, 3}},
		{"space after a separator", "a: 1\n---   \nb: 2\n", []string{"a: 1\n", "b: 2\n"}, []int{1, 3}},
		{"CRLF read as LF", "a: 1\r\n---\r\nb: 2\r\n", []string{"a: 1\n", "b: 2\n"}, []int{1, 3}},
		{"comment-only document is a document", "# c\n---\na: 1\n", []string{"# c\n", "a: 1\n"}, []int{1, 3}},
		{"indented --- is content", "a: |\n  ---\n", []string{"a: |\n  ---\n"}, nil},
		{"trailing separator", "a: 1\n---\n", []string{"a: 1\n"}, []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, lines, err := splitAll([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(docs, tt.docs) {
				t.Errorf("documents %q, want %q", docs, tt.docs)
			}
			if tt.lines != nil && !reflect.DeepEqual(lines, tt.lines) {
				t.Errorf("first lines %v, want %v", lines, tt.lines)
			}
		})
	}
}

func TestSplitDocumentsRefusesInvalidSeparators(t *testing.T) {
	tests := []struct {
		in        string
		doc, line int
	}{
		{"--- !tag\na: 1\n", 1, 1},
		{"a: 1\n--- !tag\nb: 2\n", 2, 2},
		{"a: 1\n---\nb: 2\n---x\n", 3, 4},
		{"---\n--- {a: 1}\n", 2, 2},
	}
	for _, tt := range tests {
		_, _, err := splitAll([]byte(tt.in))
		var sep *separatorError
		if !errors.As(err, &sep) {
			t.Errorf("%q: got %v, want a separatorError", tt.in, err)
			continue
		}
		if sep.document != tt.doc || sep.line != tt.line {
			t.Errorf("%q: document %d line %d, want document %d line %d", tt.in, sep.document, sep.line, tt.doc, tt.line)
		}
	}
}

// yamlReaderSplit is how apimachinery's YAMLReader, under kubectl, splits.
func yamlReaderSplit(data []byte) ([]string, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs []string
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, string(doc))
	}
}

// TestSplitDocumentsMatchesYAMLReader holds the splitter to apimachinery's
// YAMLReader on the corpus and on streams generated from the lines that
// matter to splitting.
func TestSplitDocumentsMatchesYAMLReader(t *testing.T) {
	streams := map[string][]byte{}
	for _, file := range testcorpus.Manifests(t) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		streams[file] = data
	}
	pieces := []string{"---", "--- # c", "---  ", "--- x", "---x", "a: 1", "b: [1, 2]", "# comment", "", "  ---", "c: |", "  text", "\r"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		var b strings.Builder
		for range rng.IntN(8) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
			if rng.IntN(5) == 0 {
				b.WriteString("\r\n")
			} else {
				b.WriteString("\n")
			}
		}
		s := b.String()
		if rng.IntN(3) == 0 {
			s = strings.TrimSuffix(s, "\n")
		}
		streams[fmt.Sprintf("generated %d: %q", i, s)] = []byte(s)
	}
	for name, data := range streams {
		want, refErr := yamlReaderSplit(data)
		got, _, err := splitAll(data)
		if (err == nil) != (refErr == nil) {
			t.Errorf("%q: error %v, YAMLReader's %v", name, err, refErr)
			continue
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("%q:\nsplit      %q\nYAMLReader %q", name, got, want)
		}
	}
}

func TestLeadingBlankLines(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"a: 1\n", 0},
		{"\n\na: 1\n", 2},
		{"# c\n  \n---\na: 1\n", 3},
		{"  # indented comment\na: 1\n", 1},
	}
	for _, tt := range tests {
		if got := leadingBlankLines([]byte(tt.in)); got != tt.want {
			t.Errorf("leadingBlankLines(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
