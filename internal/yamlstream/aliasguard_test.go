package yamlstream

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kobj-dev/kobj/internal/testcorpus"
)

// laughs is a document whose aliases expand it to 10^levels strings.
func laughs(levels int) string {
	var b strings.Builder
	b.WriteString(`l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	for i := 1; i < levels; i++ {
		refs := strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d,", i-1), 10), ",")
		fmt.Fprintf(&b, "l%d: &l%d [%s]\n", i, i, refs)
	}
	return b.String()
}

func TestAliasGuard(t *testing.T) {
	bomb := testcorpus.Read(t, "bad", "billion-laughs.yaml")
	tests := []struct {
		name    string
		doc     string
		refused bool
	}{
		{"no aliases", "a: &x 1\nb: 2 * 3\n", false},
		{"a few aliases", "base: &b {x: 1, y: [1, 2, 3]}\nc: *b\nd: *b\n", false},
		{"10^4 strings", laughs(4), false},
		{"10^6 strings", laughs(6), true},
		{"billion laughs", string(bomb), true},
		{"not YAML v3 reads", "a: &x [1\nb: *x\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkAliasExpansion([]byte(tt.doc))
			if refused := errors.Is(err, ErrAliasBomb); refused != tt.refused {
				t.Errorf("refused = %v (%v), want %v", refused, err, tt.refused)
			}
		})
	}
}

func TestAliasBombFailsDecode(t *testing.T) {
	_, err := decodeAll("a: 1\n---\n# bomb\n" + laughs(7))
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrAliasBomb) {
		t.Fatalf("got %v, want an *Error wrapping ErrAliasBomb", err)
	}
	if e.Document != 2 || e.Line != 4 {
		t.Errorf("document %d line %d, want document 2 line 4", e.Document, e.Line)
	}
}

func TestAliasesExpandWhenAllowed(t *testing.T) {
	docs, err := decodeAll("base: &b {x: 1}\nc: *b\n")
	if err != nil {
		t.Fatal(err)
	}
	c, ok := docs[0].Object["c"].(map[string]any)
	if !ok || c["x"] != int64(1) {
		t.Errorf("c = %#v, want the anchored map", docs[0].Object["c"])
	}
}
