package kobj_test

import (
	"fmt"

	"github.com/kobj-dev/kobj"
)

func ExampleObject_Diff() {
	old, _ := kobj.FromJSON([]byte(`{"apiVersion":"apps/v1","kind":"Deployment",
		"metadata":{"name":"web","annotations":{"example.com/x":"a","gone":"yes"}},
		"spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}}}}`))
	cur := old.DeepCopy()
	_ = cur.Set("spec.replicas", 3)
	_ = cur.Set("spec.template.spec.containers[0].image", "nginx:1.29")
	cur.SetAnnotation("example.com/x", "b")
	cur.Remove(`metadata.annotations.gone`)
	cur.SetLabel("app", "web")

	for _, d := range old.Diff(cur) {
		fmt.Println(d)
	}
	// Output:
	// changed metadata.annotations["example.com/x"]: "a" -> "b"
	// removed metadata.annotations.gone: "yes"
	// added metadata.labels: {"app":"web"}
	// changed spec.replicas: 2 -> 3
	// changed spec.template.spec.containers[0].image: "nginx:1.27" -> "nginx:1.29"
}

func ExampleObject_Merge() {
	base, _ := kobj.FromJSON([]byte(`{"apiVersion":"v1","kind":"ConfigMap",
		"metadata":{"name":"cfg","labels":{"app":"web","tier":"front"}},
		"data":{"mode":"prod","debug":"false"}}`))
	patch, _ := kobj.FromJSON([]byte(`{"apiVersion":"v1","kind":"ConfigMap",
		"metadata":{"labels":{"tier":null,"team":"core"}},
		"data":{"debug":"true"}}`))

	merged := base.DeepCopy()
	if err := merged.Merge(patch); err != nil {
		fmt.Println(err)
	}
	fmt.Println(merged.Labels(), merged.Map()["data"])

	// With Overwrite, p's nulls delete fields.
	if err := merged.Merge(patch, kobj.Overwrite()); err != nil {
		fmt.Println(err)
	}
	fmt.Println(merged.Labels())

	// A conflict names the path, and leaves the object unchanged.
	bad, _ := kobj.FromJSON([]byte(`{"apiVersion":"v1","kind":"ConfigMap","data":{"mode":{"x":1}}}`))
	fmt.Println(merged.Merge(bad))
	// Output:
	// map[app:web team:core tier:front] map[debug:true mode:prod]
	// map[app:web team:core]
	// kobj: Merge: path "data.mode": cannot merge a map into a string
}
