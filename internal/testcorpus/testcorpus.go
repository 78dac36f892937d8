// Package testcorpus finds the test inputs under the repository's
// test/testdata folder — the manifest corpus and the bad inputs — for the
// tests of every package of the module, whatever folder they run in.
package testcorpus

import (
	"os"
	"path/filepath"
	"testing"
)

// minManifests is how many manifest files the corpus holds at least; fewer
// means the corpus was not found whole.
const minManifests = 40

// Path returns the path of elem under test/testdata, found in the folder of
// the running test or the nearest one above it; tb fails when there is none.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		testdata := filepath.Join(dir, "test", "testdata")
		if info, err := os.Stat(testdata); err == nil && info.IsDir() {
			return filepath.Join(append([]string{testdata}, elem...)...)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no test/testdata folder in the test's folder or above it")
		}
		dir = parent
	}
}

// Read returns the content of the file elem under test/testdata; tb fails
// when it cannot be read.
func Read(tb testing.TB, elem ...string) []byte {
	tb.Helper()
	b, err := os.ReadFile(Path(tb, elem...))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Manifests returns the path of every file of the manifest corpus,
// test/testdata/corpus; tb fails when it holds fewer than 40.
func Manifests(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob(Path(tb, "corpus", "*"))
	if err != nil {
		tb.Fatal(err)
	}
	if len(files) < minManifests {
		tb.Fatalf("the corpus has %d files, want at least %d", len(files), minManifests)
	}
	return files
}
