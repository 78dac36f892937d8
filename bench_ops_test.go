package kobj

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/kobj-dev/kobj/internal/openapi"
	"github.com/kobj-dev/kobj/internal/opindex"
)

// The operation index reads only what it needs of a document; the baseline
// is kube-openapi's full spec3 decoding of the same api/v1 document (1.6 MB,
// 248 operations, from kube-apiserver v1.37.2), in
// bench_ops_spec3_test.go, which sets opsSpec3Unmarshal.
//
//	go test -run '^$' -bench 'OpsIndex' -benchmem .

// opsSpec3Unmarshal decodes data into a spec3.OpenAPI; nil when the
// baseline is not built.
var opsSpec3Unmarshal func(data []byte) error

func benchCoreV1(b *testing.B) ([]byte, *openapi.DocRef) {
	data := opsTestdata(b, "api_v1.json.gz")
	refs, err := openapi.ParseRoot(opsTestdata(b, "root.json"))
	if err != nil {
		b.Fatal(err)
	}
	for i := range refs {
		if refs[i].Key == "api/v1" {
			return data, &refs[i]
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
		records, err := openapi.ParseDocument(data, *ref)
		if err != nil {
			b.Fatal(err)
		}
		if d := opindex.NewDoc(records, ref); len(d.Ops()) < 200 {
			b.Fatalf("%d operations", len(d.Ops()))
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
