package kobj

import (
	"errors"
	"os"
	"reflect"
	"testing"

	"github.com/kobj-dev/kobj/internal/testcorpus"
)

// FuzzLoad holds the loader to the reference decoder (what kubectl and
// cli-runtime load) on any input: both fail, or both succeed with exactly
// the same content, types included; and what loads saves and loads back
// Equal.
func FuzzLoad(f *testing.F) {
	for _, file := range testcorpus.Manifests(f) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(testcorpus.Read(f, "bad", "billion-laughs.yaml"))
	f.Add([]byte("{apiVersion: v1, kind: A}\n"))
	f.Add([]byte("{\"apiVersion\":\"v1\",\"kind\":\"A\"}\nkind: B\napiVersion: v1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := LoadBytes(data)
		if errors.Is(err, ErrAliasBomb) {
			return // kobj refuses what the reference would expand for seconds
		}
		want, refErr := referenceLoad(data)
		if refErr == nil {
			refErr = checkAllTypeMeta(want)
		}
		if (err == nil) != (refErr == nil) {
			t.Fatalf("kobj error %v, reference error %v", err, refErr)
		}
		if err != nil {
			return
		}
		if len(objs) != len(want) {
			t.Fatalf("kobj loaded %d objects, reference %d", len(objs), len(want))
		}
		for i, o := range objs {
			if !reflect.DeepEqual(o.Map(), want[i]) && !ambiguousKeys(data) {
				t.Fatalf("document %d differs from the reference: %v", i+1, wrap(want[i]).Diff(o))
			}
			for _, save := range []func() ([]byte, error){o.YAML, o.JSON} {
				b, err := save()
				if err != nil {
					t.Fatalf("saving document %d: %v", i+1, err)
				}
				back, err := LoadBytes(b)
				if err != nil || len(back) != 1 || !back[0].Equal(o) {
					t.Fatalf("document %d does not round-trip (%v):\n%s", i+1, err, b)
				}
			}
		}
	})
}

// checkAllTypeMeta applies the loader's apiVersion and kind rule to the
// reference's output, which does not check them.
func checkAllTypeMeta(objs []map[string]any) error {
	for _, m := range objs {
		if err := checkTypeMeta(m); err != nil {
			return err
		}
	}
	return nil
}

// ambiguousKeys reports input where two YAML keys of one map become the
// same JSON key (1 and "1"); which value survives is then up to Go's map
// order in the reference itself, so no exact answer exists.
func ambiguousKeys(data []byte) bool {
	a, errA := referenceLoad(data)
	b, errB := referenceLoad(data)
	return errA != nil || errB != nil || !reflect.DeepEqual(a, b)
}
