package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// writeScaleYAML writes a multi-document YAML file of at least size bytes
// of Deployments (about 1 KB each, every one different) and returns its
// path and the number of documents.
func writeScaleYAML(b *testing.B, size int) (string, int) {
	b.Helper()
	path := filepath.Join(b.TempDir(), "scale.yaml")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	written, n := 0, 0
	for written < size {
		k, err := fmt.Fprintf(w, `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-%[1]d
  namespace: team-%[2]d
  labels:
    app: web-%[1]d
    tier: frontend
  annotations:
    example.com/owner: "team-%[2]d"
spec:
  replicas: %[3]d
  selector:
    matchLabels:
      app: web-%[1]d
  template:
    metadata:
      labels:
        app: web-%[1]d
    spec:
      containers:
      - name: web
        image: registry.example.com/web:v1.%[1]d
        args: ["--port=8080", "--log-level=info"]
        ports:
        - containerPort: 8080
          protocol: TCP
        env:
        - name: INDEX
          value: "%[1]d"
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {cpu: 500m, memory: 256Mi}
        readinessProbe:
          httpGet: {path: /healthz, port: 8080}
          periodSeconds: 10
`, n, n%50, n%5+1)
		if err != nil {
			b.Fatal(err)
		}
		written += k
		n++
	}
	if err := errors.Join(w.Flush(), f.Close()); err != nil {
		b.Fatal(err)
	}
	return path, n
}

// loadUnstructuredFile is the cli-runtime way of loading a file: a
// YAMLOrJSONDecoder over the open file, each document decoded into an
// unstructured.Unstructured.
func loadUnstructuredFile(path string) ([]*unstructured.Unstructured, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := utilyaml.NewYAMLOrJSONDecoder(f, 4096)
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

// BenchmarkScaleLoad loads one multi-document YAML file of 50 MB of
// Deployments: kobj's LoadFile against a YAMLOrJSONDecoder over the file
// into unstructured objects, alternating which goes first. It reports
// time, peak heap while loading and the heap the loaded objects keep per
// object (after a GC), with the ratios kobj ÷ YAMLOrJSONDecoder. No
// control plane is used.
func BenchmarkScaleLoad(b *testing.B) {
	scaleOnly(b)
	size := scaleInt(b, scaleLoadMBVariable, 50) * 1000 * 1000
	path, docs := writeScaleYAML(b, size)
	var kKeep, uKeep float64
	loadKobj := func() (time.Duration, uint64) {
		var d time.Duration
		peak := heapSampler(func() {
			kKeep = heapPerObject(docs, func() any {
				t := time.Now()
				objs, err := kobj.LoadFile(path)
				if err != nil || len(objs) != docs {
					b.Fatal(len(objs), err)
				}
				d = time.Since(t)
				return objs
			})
		})
		return d, peak
	}
	loadDecoder := func() (time.Duration, uint64) {
		var d time.Duration
		peak := heapSampler(func() {
			uKeep = heapPerObject(docs, func() any {
				t := time.Now()
				objs, err := loadUnstructuredFile(path)
				if err != nil || len(objs) != docs {
					b.Fatal(len(objs), err)
				}
				d = time.Since(t)
				return objs
			})
		})
		return d, peak
	}
	var k, u scaleSide
	iteration := 0
	for b.Loop() {
		if iteration++; iteration%2 == 1 {
			k.run("kobj", loadKobj)
			u.run("decoder", loadDecoder)
		} else {
			u.run("decoder", loadDecoder)
			k.run("kobj", loadKobj)
		}
	}
	reportScaleSides(b, docs, k, u, "decoder")
	b.ReportMetric(kKeep, "kobj-kept-B/obj")
	b.ReportMetric(uKeep, "decoder-kept-B/obj")
	b.ReportMetric(ratio(kKeep, uKeep), "kept-ratio")
	b.ReportMetric(float64(docs), "documents")
	record(row{fmt.Sprintf("load one %d MB YAML file of %d Deployments: s / kept B per object / peak heap MB", size/1e6, docs),
		fmt.Sprintf("%.2f / %.0f / %.0f (LoadFile)", k.d.Seconds()/float64(b.N), kKeep, mb(k.peak)),
		fmt.Sprintf("%.2f / %.0f / %.0f (YAMLOrJSONDecoder)", u.d.Seconds()/float64(b.N), uKeep, mb(u.peak)),
		fmt.Sprintf("%.2f / %.2f / %.2f", ratio(k.d.Seconds(), u.d.Seconds()), ratio(kKeep, uKeep), ratio(float64(k.peak), float64(u.peak))), "kept ≤ the objects"})
}
