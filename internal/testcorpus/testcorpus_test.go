package testcorpus

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFindsTheCorpusFromAnyFolderBelowTheRepository(t *testing.T) {
	files := Manifests(t)
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("listed %s, which cannot be read: %v", f, err)
		}
	}
	if got := filepath.Base(filepath.Dir(Path(t, "corpus"))); got != "testdata" {
		t.Fatalf("Path(corpus) is under %q, want testdata", got)
	}
}

func TestReadReturnsTheFile(t *testing.T) {
	files := Manifests(t)
	rel, err := filepath.Rel(Path(t), files[0])
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if got := Read(t, rel); string(got) != string(want) {
		t.Fatalf("Read(%s) differs from the file", rel)
	}
}
