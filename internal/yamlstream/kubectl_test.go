package yamlstream

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kobj-dev/kobj/internal/testcorpus"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	sigsyaml "sigs.k8s.io/yaml"
)

// kubectlDocument decodes one YAML document the way kubectl does:
// sigs.k8s.io/yaml turns it into JSON with go-yaml v2, and apimachinery's
// JSON decoding makes the unstructured values.
func kubectlDocument(doc []byte) (map[string]any, error) {
	j, err := sigsyaml.YAMLToJSON(doc)
	if err != nil {
		return nil, err
	}
	var v any
	if err := utiljson.Unmarshal(j, &v); err != nil {
		return nil, err
	}
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("not an object")
	}
	return m, nil
}

// assertDecodesLikeKubectl fails t when decodeDocument and kubectlDocument
// disagree on doc: one fails and not the other, or the values differ. It
// reports whether kubectl decodes doc.
func assertDecodesLikeKubectl(t *testing.T, name string, doc []byte) (decoded bool) {
	t.Helper()
	got, err := decodeDocument(doc)
	want, refErr := kubectlDocument(doc)
	switch {
	case errors.Is(err, ErrAliasBomb):
		t.Errorf("%s: refused as an alias bomb: %v", name, err)
	case (err == nil) != (refErr == nil):
		t.Errorf("%s: error %v, kubectl's %v\n%s", name, err, refErr, doc)
	case !reflect.DeepEqual(got, want):
		t.Errorf("%s:\ngot     %#v\nkubectl %#v\n%s", name, got, want, doc)
	}
	return refErr == nil
}

func TestDecodeDocumentMatchesKubectlOnCorpus(t *testing.T) {
	docs := 0
	for _, file := range testcorpus.Manifests(t) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if looksLikeJSON(data) {
			continue
		}
		err = splitDocuments(data, func(doc []byte, line int) error {
			docs++
			assertDecodesLikeKubectl(t, fmt.Sprintf("%s line %d", filepath.Base(file), line), doc)
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	if docs < 100 {
		t.Errorf("compared %d documents of the corpus, want at least 100", docs)
	}
}

// trickyScalars are plain and quoted scalars whose YAML 1.1 resolution, or
// conversion to JSON, is easy to get wrong.
var trickyScalars = []string{
	"1", "-0", "012", "0x1F", "0o17", "0b101", "-0b101", "1_000", "1e3", "1.5", "3.0", ".5", "+1",
	"9223372036854775807", "9223372036854775808", "18446744073709551616", "1e999", "-1e999", "1e21", "1e20",
	"yes", "No", "on", "OFF", "y", "n", "~", "null", "Null", "''", `""`, "2001-12-14", "2001-12-14t21:59:43.10-05:00",
	"100m", "512Mi", "nginx:1.27", "http://x/y", "'it''s'", `"x: y"`, `"\u00e9\t"`, "'#'", "a#b", ".inf", "-.inf",
	".nan", "-x", "--port=80", "0.1e-2", "6.8523015e+5", "190:20:30", "!!str 1", "!!float 1", "!!binary aGk=",
	"héllo", "[]", "{}",
}

// distinctKeys are map keys that stay distinct once YAMLToJSON turns them
// into strings, so that no map of generated documents loses a key.
var distinctKeys = []string{"a", "b-c", "1", "yes", "1.5", "0x1F", "012", "-1", "1e3", ".inf", "'q'", "x y"}

func TestDecodeDocumentMatchesKubectlOnScalars(t *testing.T) {
	for _, s := range trickyScalars {
		for _, doc := range []string{
			"v: " + s + "\n",
			"l: [" + s + "]\n",
			"l:\n- " + s + "\n",
			"f: {k: " + s + "}\n",
			s + ": v\n",
			"? " + s + "\n: v\n",
		} {
			assertDecodesLikeKubectl(t, fmt.Sprintf("%q", doc), []byte(doc))
		}
	}
}

// TestDecodeDocumentMatchesKubectlOnGeneratedDocuments compares documents
// of nested block and flow collections built at random (with a fixed seed)
// from tricky scalars and keys.
func TestDecodeDocumentMatchesKubectlOnGeneratedDocuments(t *testing.T) {
	const documents = 400
	rng := rand.New(rand.NewPCG(7, 11))
	decoded := 0
	for i := range documents {
		var b strings.Builder
		writeBlockMap(&b, rng, 0, 3)
		if assertDecodesLikeKubectl(t, fmt.Sprintf("generated document %d", i), []byte(b.String())) {
			decoded++
		}
	}
	// Most must decode, or the comparison would be mostly of errors.
	if decoded < documents/2 {
		t.Errorf("kubectl decodes %d of %d generated documents, want at least half", decoded, documents)
	}
	t.Logf("kubectl decodes %d of %d generated documents", decoded, documents)
}

// writeBlockMap writes a block map at the given indentation, its values
// nested up to depth more levels.
func writeBlockMap(b *strings.Builder, rng *rand.Rand, indent, depth int) {
	keys := rng.Perm(len(distinctKeys))[:1+rng.IntN(4)]
	for _, k := range keys {
		b.WriteString(strings.Repeat(" ", indent) + distinctKeys[k] + ":")
		writeBlockValue(b, rng, indent, depth)
	}
}

// writeBlockValue writes the value that follows a key or a list dash: a
// scalar or flow collection on the same line, or a nested block collection.
func writeBlockValue(b *strings.Builder, rng *rand.Rand, indent, depth int) {
	switch choice := rng.IntN(4); {
	case depth == 0 || choice == 0:
		b.WriteString(" " + trickyScalars[rng.IntN(len(trickyScalars))] + "\n")
	case choice == 1:
		b.WriteString(" " + flowValue(rng, depth) + "\n")
	case choice == 2:
		b.WriteString("\n")
		writeBlockMap(b, rng, indent+2, depth-1)
	default:
		b.WriteString("\n")
		for range 1 + rng.IntN(3) {
			b.WriteString(strings.Repeat(" ", indent) + "-")
			writeBlockValue(b, rng, indent+2, depth-1)
		}
	}
}

// flowValue returns a scalar or a flow collection nested up to depth.
func flowValue(rng *rand.Rand, depth int) string {
	if depth == 0 || rng.IntN(3) == 0 {
		return trickyScalars[rng.IntN(len(trickyScalars))]
	}
	var parts []string
	if rng.IntN(2) == 0 {
		for range rng.IntN(4) {
			parts = append(parts, flowValue(rng, depth-1))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	for _, k := range rng.Perm(len(distinctKeys))[:rng.IntN(4)] {
		parts = append(parts, distinctKeys[k]+": "+flowValue(rng, depth-1))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
