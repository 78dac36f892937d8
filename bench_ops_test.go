package kobj

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// The operation index reads only what it needs of a document; the baseline
// is kube-openapi's full spec3 decoding of the same api/v1 document (1.6 MB,
// 248 operations, from kube-apiserver v1.37.2).
//
//	go test -run '^$' -bench OpsIndex -benchmem .
//
// kube-openapi's spec3 needs requirements (go-openapi/swag, jsonreference,
// gnostic-models) that go.mod does not list while kobj does not import it, so
// the baseline lives in bench_ops_spec3_test.go behind the build tag
// kobj_spec3 (after `go mod tidy`: go test -tags kobj_spec3 -bench OpsIndex).
// Without it, BenchmarkOpsIndexCoreV1 reports kobj's own figures only.

// opsSpec3Unmarshal decodes data into a spec3.OpenAPI; nil without the
// kobj_spec3 build tag.
var opsSpec3Unmarshal func(data []byte) error

func benchCoreV1(b *testing.B) ([]byte, *docRef) {
	data := opsTestdata(b, "api_v1.json.gz")
	refs, err := parseRoot(opsTestdata(b, "root.json"))
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range refs {
		if r.key == "api/v1" {
			return data, r
		}
	}
	b.Fatal("no api/v1 in root.json")
	return nil, nil
}

// spec3Baseline is the time and bytes of one spec3.OpenAPI unmarshal of
// api/v1, measured once per process.
var spec3Baseline = sync.OnceValues(func() (time.Duration, uint64) {
	data, err := readOpsTestdata("api_v1.json.gz")
	if err != nil {
		panic(err)
	}
	decode := func() {
		if err := opsSpec3Unmarshal(data); err != nil {
			panic(err)
		}
	}
	decode() // warm up
	const n = 10
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	for range n {
		decode()
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	return elapsed / n, (after.TotalAlloc - before.TotalAlloc) / n
})

// BenchmarkOpsIndexCoreV1 builds the index of api/v1 and reports it against
// spec3: ms/op-kobj, ms/op-spec3, their ratio, and MB allocated by each.
func BenchmarkOpsIndexCoreV1(b *testing.B) {
	data, ref := benchCoreV1(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for b.Loop() {
		d, err := parseOpsDoc(data, ref)
		if err != nil || len(d.ops) < 200 {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	kobj := b.Elapsed() / time.Duration(b.N)
	kobjBytes := (after.TotalAlloc - before.TotalAlloc) / uint64(b.N)
	b.ReportMetric(float64(kobj)/1e6, "ms-kobj")
	b.ReportMetric(float64(kobjBytes)/1e6, "MB-kobj")
	if opsSpec3Unmarshal == nil {
		return
	}
	spec, specBytes := spec3Baseline()
	b.ReportMetric(float64(spec)/1e6, "ms-spec3")
	b.ReportMetric(float64(kobj)/float64(spec), "kobj/spec3")
	b.ReportMetric(float64(specBytes)/1e6, "MB-spec3")
}
