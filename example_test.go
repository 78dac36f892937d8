package kobj_test

import (
	"context"
	"fmt"
	"log"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

func ExampleLoadString() {
	objs, err := kobj.LoadString(`
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data:
  enabled: "yes"
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
`)
	if err != nil {
		log.Fatal(err)
	}
	for _, o := range objs {
		fmt.Println(o)
	}
	replicas, _ := objs[1].GetInt64("spec.replicas")
	fmt.Println("replicas:", replicas)
	// Output:
	// v1 ConfigMap settings
	// apps/v1 Deployment web
	// replicas: 3
}

func ExampleLoadString_errors() {
	_, err := kobj.LoadString("apiVersion: v1\nkind: ConfigMap\n---\napiVersion: v1\nmetadata: {name: x}\n")
	fmt.Println(err)
	// Output:
	// kobj: LoadString: document 2, line 4: object has no kind
}

func ExampleObject_Get() {
	objs, _ := kobj.LoadString(`
apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations: {example.com/owner: team-a}
spec:
  containers:
  - {name: web, image: "nginx:1.27"}
`)
	pod := objs[0]
	image, _ := pod.Get("spec.containers[0].image")
	same, _ := pod.Get("spec.containers.0.image")
	owner, _ := pod.GetString(`metadata.annotations["example.com/owner"]`)
	_, found := pod.Get("spec.containers[1]")
	fmt.Println(image, same, owner, found)
	// Output:
	// nginx:1.27 nginx:1.27 team-a false
}

func ExampleObject_Set() {
	d := kobj.New("apps/v1", "Deployment").SetName("web")
	_ = d.Set("spec.replicas", 3)
	_ = d.Set("spec.template.spec.containers[0]", map[string]any{"name": "web", "image": "nginx"})
	err := d.Set("metadata.name.first", "x")
	fmt.Println(err)
	y, _ := d.YAML()
	fmt.Print(string(y))
	// Output:
	// path "metadata.name.first": at "metadata.name": cannot set a field inside a string
	// apiVersion: apps/v1
	// kind: Deployment
	// metadata:
	//   name: web
	// spec:
	//   replicas: 3
	//   template:
	//     spec:
	//       containers:
	//       - image: nginx
	//         name: web
}

func ExampleObject_FindByName() {
	objs, _ := kobj.LoadString(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      initContainers: [{name: init, image: busybox}]
      containers: [{name: web, image: nginx}]
`)
	for _, p := range objs[0].FindByName("image") {
		v, _ := objs[0].Get(p)
		fmt.Println(p, "=", v)
	}
	// Output:
	// spec.template.spec.containers[0].image = nginx
	// spec.template.spec.initContainers[0].image = busybox
}

// Create, read, edit and delete need a cluster: these examples use the
// default client (your kubeconfig).
func ExampleObject_Create() {
	ctx := context.Background()
	cm := kobj.New("v1", "ConfigMap").SetName("settings").SetNamespace("default")
	_ = cm.Set("data.enabled", "yes")
	if _, err := cm.Create(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("created", cm, "at resourceVersion", cm.ResourceVersion())
}

func ExampleObject_Edit() {
	ctx := context.Background()
	cm := kobj.New("v1", "ConfigMap").SetName("settings").SetNamespace("default")
	if _, err := cm.Read(ctx); apierrors.IsNotFound(err) {
		log.Fatal("no such ConfigMap")
	}
	// Only the change is sent, with the resourceVersion read: a concurrent
	// change makes the server answer Conflict, and Edit reads and retries.
	_, err := cm.Edit(ctx, func(o *kobj.Object) error {
		return o.Set("data.enabled", "no")
	}, kobj.RetryOnConflict(), kobj.Rollback())
	if err != nil {
		log.Fatal(err)
	}
}

func ExampleObject_Delete() {
	// No need to build the object: name the kind, and the rest by option.
	_, err := kobj.New("v1", "Pod").Delete(context.Background(), kobj.Named("p"), kobj.InNamespace("default"))
	if err != nil && !apierrors.IsNotFound(err) {
		log.Fatal(err)
	}
}

func ExampleClient_Call() {
	c, err := kobj.DefaultClient()
	if err != nil {
		log.Fatal(err)
	}
	resp, err := c.Call(context.Background(), "listNamespacedPod", kobj.Args{"namespace": "default", "labelSelector": "app=web"})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range resp.Object.Items() {
		fmt.Println(p.Name())
	}
}

func ExampleClient_CallAsync() {
	ctx := context.Background()
	c, err := kobj.DefaultClient()
	if err != nil {
		log.Fatal(err)
	}
	var futures []*kobj.Response
	for i := range 100 {
		cm := kobj.New("v1", "ConfigMap").SetName(fmt.Sprintf("cm-%d", i))
		futures = append(futures, c.CallAsync(ctx, "createNamespacedConfigMap", kobj.Args{"namespace": "default", "body": cm}))
	}
	for _, f := range futures {
		if _, code, _, err := f.Get(ctx); err != nil {
			log.Printf("%d: %v", code, err)
		}
	}
}
