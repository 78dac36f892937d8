package testcorpus

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// OpenAPI returns the saved server document name from the module's
// testdata/openapi folder (discovery and OpenAPI v3 documents fetched from
// a kube-apiserver), unzipped when its name ends in .gz. The folder is
// found in the running test's folder or the nearest one above it.
func OpenAPI(name string) ([]byte, error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	for {
		folder := filepath.Join(dir, "testdata", "openapi")
		if info, err := os.Stat(folder); err == nil && info.IsDir() {
			return readMaybeGzipped(filepath.Join(folder, name))
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, errors.New("no testdata/openapi folder in the test's folder or above it")
		}
		dir = parent
	}
}

func readMaybeGzipped(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil || !strings.HasSuffix(path, ".gz") {
		return data, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}
