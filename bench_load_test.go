package kobj

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

// deploymentStream is n Deployment documents, each a little different.
func deploymentStream(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-%d
  namespace: shop
  labels: {app: web, tier: frontend, index: "%d"}
  annotations:
    deployment.kubernetes.io/revision: "3"
spec:
  replicas: %d
  selector:
    matchLabels: {app: web}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 25%%, maxUnavailable: 0}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: registry.example.com/web:1.%d.0
        args: ["--port=8080", "--verbose"]
        ports:
        - {name: http, containerPort: 8080, protocol: TCP}
        env:
        - {name: MODE, value: production}
        - name: POD_IP
          valueFrom: {fieldRef: {fieldPath: status.podIP}}
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {cpu: "1", memory: 512Mi}
        readinessProbe:
          httpGet: {path: /healthz, port: http}
          periodSeconds: 5
`, i, i, i%5+1, i)
	}
	return b.Bytes()
}

// BenchmarkLoad loads the same stream of 2,000 Deployments with kobj and
// with the cli-runtime way (apimachinery's YAMLOrJSONDecoder into
// unstructured content), alternating within each iteration, and reports
// both rates and their ratio (speedup = kobj docs/s ÷ reference docs/s).
func BenchmarkLoad(b *testing.B) {
	const docs = 2000
	data := deploymentStream(docs)
	var kobjTime, refTime time.Duration
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		objs, err := LoadBytes(data)
		kobjTime += time.Since(start)
		if err != nil || len(objs) != docs {
			b.Fatalf("kobj: %d objects, %v", len(objs), err)
		}
		start = time.Now()
		ref, err := referenceLoad(data)
		refTime += time.Since(start)
		if err != nil || len(ref) != docs {
			b.Fatalf("reference: %d objects, %v", len(ref), err)
		}
	}
	kobjRate := float64(docs*b.N) / kobjTime.Seconds()
	refRate := float64(docs*b.N) / refTime.Seconds()
	b.ReportMetric(kobjRate, "kobj-docs/s")
	b.ReportMetric(refRate, "cliruntime-docs/s")
	b.ReportMetric(kobjRate/refRate, "speedup")
}

// BenchmarkLoadKobj and BenchmarkLoadCLIRuntime time each side alone, for
// allocation figures per side.
func BenchmarkLoadKobj(b *testing.B) {
	data := deploymentStream(2000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadBytes(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadCLIRuntime(b *testing.B) {
	data := deploymentStream(2000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := referenceLoad(data); err != nil {
			b.Fatal(err)
		}
	}
}
