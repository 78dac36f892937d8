// ApplyAll: server-side apply of a set of manifests with kobj. It applies,
// in one call, a set written in the worst order (a custom resource, a
// ConfigMap in a new namespace, that Namespace, the CRD), prints what
// happened to each object, applies the set again (all Unchanged, nothing
// written), changes one object, and deletes the set in reverse order.
// Give it a file of manifests to apply that instead (it is not deleted).
//
// It uses kobj.DefaultClient, so it runs against whatever cluster your
// kubeconfig points at ($KUBECONFIG, else ~/.kube/config). It needs the
// right to create CRDs and Namespaces.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/kobj-dev/kobj"
)

const manifests = `
apiVersion: example.kobj.dev/v1
kind: Greeting
metadata: {name: hello, namespace: kobj-applyall-example}
spec: {text: hello}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: kobj-applyall-example}
data: {color: $COLOR}
---
apiVersion: v1
kind: Namespace
metadata:
  name: kobj-applyall-example
  labels: {app: kobj-applyall-example}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: greetings.example.kobj.dev}
spec:
  group: example.kobj.dev
  scope: Namespaced
  names: {plural: greetings, singular: greeting, kind: Greeting, listKind: GreetingList}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              text: {type: string}
`

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "applyall:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	c, err := kobj.DefaultClient()
	if err != nil {
		return err
	}
	if len(args) == 1 {
		objs, err := kobj.LoadFile(args[0])
		if err != nil {
			return err
		}
		cs, err := c.ApplyAll(ctx, objs, kobj.FieldManager("kobj-example"))
		show("applied "+args[0], cs)
		return err
	}
	set := func(color string) ([]*kobj.Object, error) {
		return kobj.LoadString(strings.ReplaceAll(manifests, "$COLOR", color))
	}
	for _, step := range []struct{ title, color string }{
		{"first apply", "blue"},
		{"same manifests again", "blue"},
		{"ConfigMap changed", "green"},
	} {
		objs, err := set(step.color)
		if err != nil {
			return err
		}
		cs, err := c.ApplyAll(ctx, objs, kobj.FieldManager("kobj-example"))
		show(step.title, cs)
		if err != nil {
			return err
		}
	}
	objs, err := set("green")
	if err != nil {
		return err
	}
	// No WaitForDeletion: a Namespace takes a while to empty and go.
	if err := c.DeleteAll(ctx, objs); err != nil {
		return err
	}
	fmt.Println("deleted the set: Greeting and ConfigMap first, then Namespace and CRD")
	return nil
}

func show(title string, cs *kobj.ChangeSet) {
	fmt.Println(title + ":")
	for _, ch := range cs.Changes {
		if ch.Err != nil {
			fmt.Printf("  %-26s %-28s failed: %v\n", ch.Object.Kind(), ch.Object.Name(), ch.Err)
			continue
		}
		fmt.Printf("  %-26s %-28s %s\n", ch.Object.Kind(), ch.Object.Name(), ch.Action)
	}
}
