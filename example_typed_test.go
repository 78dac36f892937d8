package kobj_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/kobj-dev/kobj"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

func ExampleAs() {
	objs, err := kobj.LoadString(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  template:
    spec:
      containers: [{name: app, image: nginx, imagePullPolcy: Always}]
`)
	if err != nil {
		log.Fatal(err)
	}
	d, err := kobj.As[appsv1.Deployment](objs[0])
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Name, *d.Spec.Replicas, d.Spec.Template.Spec.Containers[0].Image)

	// Strict catches the typo the plain conversion drops.
	_, err = kobj.As[appsv1.Deployment](objs[0], kobj.Strict())
	var unknown *kobj.UnknownFieldsError
	if errors.As(err, &unknown) {
		fmt.Println(unknown.Paths)
	}
	// Output:
	// web 2 nginx
	// [spec.template.spec.containers[0].imagePullPolcy]
}

// EditAs needs a cluster: it compiles with the tests, and runs against
// yours with go test -run ExampleEditAs if you add an Output line.
func ExampleEditAs() {
	ctx := context.Background()
	o, err := kobj.New("apps/v1", "Deployment").Read(ctx, kobj.Named("web"), kobj.InNamespace("default"))
	if err != nil {
		log.Fatal(err)
	}
	// The merge patch carries spec.replicas and the resourceVersion only:
	// fields appsv1.Deployment does not model, and annotations other
	// writers set, stay as they are.
	_, err = kobj.EditAs(ctx, o, func(d *appsv1.Deployment) error {
		d.Spec.Replicas = ptr.To[int32](3)
		return nil
	}, kobj.RetryOnConflict())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(o.ResourceVersion())
}

func ExampleItemsAs() {
	ctx := context.Background()
	list, err := kobj.New("v1", "ConfigMapList").Read(ctx, kobj.InNamespace("default"), kobj.Limit(50))
	if err != nil {
		log.Fatal(err)
	}
	cms, err := kobj.ItemsAs[corev1.ConfigMap](list) // every page's items
	if err != nil {
		log.Fatal(err)
	}
	for _, cm := range cms {
		fmt.Println(cm.Name, len(cm.Data))
	}
}
