package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	goruntime "runtime"
	"testing"

	"github.com/kobj-dev/kobj"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// heapPerObject returns the heap that build's result keeps alive, per object.
func heapPerObject(n int, build func() any) float64 {
	var before, after goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&before)
	v := build()
	goruntime.GC()
	goruntime.ReadMemStats(&after)
	goruntime.KeepAlive(v)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}

// BenchmarkMemoryPerObject measures the heap each object keeps after
// loading 10,000 ConfigMaps from YAML, and after reading 10,000 back from
// the server in one list, for kobj against unstructured.Unstructured.
func BenchmarkMemoryPerObject(b *testing.B) {
	const n = 10000
	ctx := context.Background()
	c, dyn := newClients(b, kobj.MaxInFlight(32))
	var stream bytes.Buffer
	for i := range n {
		fmt.Fprintf(&stream, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\n  labels: {app: bench, index: \"%d\"}\ndata:\n  greeting: hello\n  count: \"%d\"\n", i, i, i)
	}
	ns := namespace(b, c)
	futures := make([]*kobj.Response, n)
	for i := range futures {
		futures[i] = c.CallAsync(ctx, "createCoreV1NamespacedConfigMap", kobj.Args{"namespace": ns, "body": configMap(ns, fmt.Sprintf("cm-%d", i)).SetLabel("app", "bench")})
	}
	for _, f := range futures {
		if _, _, _, err := f.Get(ctx); err != nil {
			b.Fatal(err)
		}
	}
	var kLoad, uLoad, kRead, uRead float64
	for b.Loop() {
		kLoad = heapPerObject(n, func() any {
			objs, err := kobj.LoadBytes(stream.Bytes())
			if err != nil || len(objs) != n {
				b.Fatal(len(objs), err)
			}
			return objs
		})
		uLoad = heapPerObject(n, func() any {
			objs, err := loadUnstructured(stream.Bytes())
			if err != nil || len(objs) != n {
				b.Fatal(len(objs), err)
			}
			return objs
		})
		kRead = heapPerObject(n, func() any {
			l := kobj.New("v1", "ConfigMapList")
			if _, err := l.Read(ctx, kobj.WithClient(c), kobj.InNamespace(ns)); err != nil || len(l.Items()) != n {
				b.Fatal(err)
			}
			return l
		})
		uRead = heapPerObject(n, func() any {
			l, err := dyn.Resource(configMaps).Namespace(ns).List(ctx, metav1.ListOptions{})
			if err != nil || len(l.Items) != n {
				b.Fatal(err)
			}
			return l
		})
	}
	b.ReportMetric(kLoad, "kobj-loaded-B/obj")
	b.ReportMetric(uLoad, "unstructured-loaded-B/obj")
	b.ReportMetric(kLoad/uLoad, "loaded-ratio")
	b.ReportMetric(kRead, "kobj-read-B/obj")
	b.ReportMetric(uRead, "unstructured-read-B/obj")
	b.ReportMetric(kRead/uRead, "read-ratio")
	record(row{"memory per object after loading 10,000, bytes", fmt.Sprintf("%.0f", kLoad), fmt.Sprintf("%.0f (unstructured)", uLoad), fmt.Sprintf("%.2f", kLoad/uLoad), "≤ 1.5"})
	record(row{"memory per object after reading 10,000 back, bytes", fmt.Sprintf("%.0f", kRead), fmt.Sprintf("%.0f (UnstructuredList)", uRead), fmt.Sprintf("%.2f", kRead/uRead), "≤ 1.5"})
}

// loadUnstructured is the cli-runtime way of loading a stream.
func loadUnstructured(data []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []*unstructured.Unstructured
	for {
		var ext runtime.RawExtension
		if err := dec.Decode(&ext); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, err
		}
		raw := bytes.TrimSpace(ext.Raw)
		if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
			continue
		}
		obj, _, err := unstructured.UnstructuredJSONScheme.Decode(raw, nil, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, obj.(*unstructured.Unstructured))
	}
}
