package kobj_test

import (
	"testing"

	"github.com/kobj-dev/kobj"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// BenchmarkFromTyped weighs FromTyped's check for values an object cannot
// hold against apimachinery's conversion alone.
func BenchmarkFromTyped(b *testing.B) {
	d, err := asDeployment(b)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("FromTyped", func(b *testing.B) {
		for b.Loop() {
			if _, err := kobj.FromTyped(d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ToUnstructured", func(b *testing.B) {
		for b.Loop() {
			if _, err := runtime.DefaultUnstructuredConverter.ToUnstructured(d); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func asDeployment(b *testing.B) (*appsv1.Deployment, error) {
	objs, err := kobj.LoadString(deploymentYAML)
	if err != nil {
		return nil, err
	}
	return kobj.As[appsv1.Deployment](objs[0])
}
