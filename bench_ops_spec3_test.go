package kobj

import (
	"encoding/json"
	"errors"
	"testing"

	"k8s.io/kube-openapi/pkg/spec3"
)

func init() {
	opsSpec3Unmarshal = func(data []byte) error {
		var o spec3.OpenAPI
		if err := json.Unmarshal(data, &o); err != nil {
			return err
		}
		if o.Paths == nil || len(o.Paths.Paths) == 0 {
			return errors.New("spec3: no paths")
		}
		return nil
	}
}

// BenchmarkOpsIndexSpec3CoreV1 is the baseline alone, for -benchmem.
func BenchmarkOpsIndexSpec3CoreV1(b *testing.B) {
	data, _ := benchCoreV1(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := opsSpec3Unmarshal(data); err != nil {
			b.Fatal(err)
		}
	}
}
