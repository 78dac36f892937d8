package kobj

import "testing"

// benchDeployment is one Deployment, loaded, for the path benchmarks.
func benchDeployment(b *testing.B) *Object {
	b.Helper()
	objs, err := LoadBytes(deploymentStream(1))
	if err != nil || len(objs) != 1 {
		b.Fatalf("load: %v", err)
	}
	return objs[0]
}

func BenchmarkObjectGet(b *testing.B) {
	o := benchDeployment(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := o.Get("spec.template.spec.containers[0].image"); !ok {
			b.Fatal("image not found")
		}
		if _, ok := o.Get(`metadata.annotations["deployment.kubernetes.io/revision"]`); !ok {
			b.Fatal("annotation not found")
		}
	}
}

func BenchmarkObjectSet(b *testing.B) {
	o := benchDeployment(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := o.Set("spec.template.spec.containers[-1].image", "nginx:1.27"); err != nil {
			b.Fatal(err)
		}
		if err := o.Set(`metadata.annotations["example.com/x"]`, "y"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkObjectMerge(b *testing.B) {
	o, p := benchDeployment(b), benchDeployment(b)
	p.Set("spec.replicas", int64(7))
	b.ReportAllocs()
	for b.Loop() {
		if err := o.Merge(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkObjectDiff(b *testing.B) {
	o, p := benchDeployment(b), benchDeployment(b)
	p.Set("spec.replicas", int64(7))
	p.Set("spec.template.spec.containers[0].image", "nginx:2")
	b.ReportAllocs()
	for b.Loop() {
		if len(o.Diff(p)) != 2 {
			b.Fatal("want 2 differences")
		}
	}
}
