// Quickstart: the life of one Deployment through kobj. It loads the
// Deployment from YAML, creates it, reads it back, edits it, shows a
// rollback, creates a small CustomResourceDefinition and waits until it is
// established, and deletes both, printing each step.
//
// It uses kobj.DefaultClient, so it runs against whatever cluster your
// kubeconfig points at ($KUBECONFIG, else ~/.kube/config), in the current
// context's namespace. `make demo` starts a local control plane and runs it
// there.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/kobj-dev/kobj"
)

const manifest = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: kobj-quickstart
  labels: {app: kobj-quickstart}
spec:
  replicas: 2
  selector:
    matchLabels: {app: kobj-quickstart}
  template:
    metadata:
      labels: {app: kobj-quickstart}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{containerPort: 80}]
`

const crdManifest = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: notes.quickstart.kobj.dev
spec:
  group: quickstart.kobj.dev
  scope: Namespaced
  names: {plural: notes, singular: note, kind: Note}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
`

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	c, err := kobj.DefaultClient()
	if err != nil {
		return err
	}
	fmt.Printf("cluster %s, namespace %q\n\n", c.Host(), c.Namespace())

	step(1, "load a Deployment from YAML")
	objs, err := kobj.LoadString(manifest)
	if err != nil {
		return err
	}
	d := objs[0]
	image, _ := d.GetString("spec.template.spec.containers[0].image")
	fmt.Printf("   loaded %s, image %s\n", d, image)

	step(2, "create it on the cluster")
	if _, err := d.Create(ctx); err != nil {
		return err
	}
	uid, _ := d.GetString("metadata.uid")
	fmt.Printf("   created %s: uid %s, resourceVersion %s\n", d, uid, d.ResourceVersion())
	defer func() {
		// Leave nothing behind, even when a later step fails.
		if _, err := d.Delete(context.WithoutCancel(ctx)); err == nil {
			step(8, "deleted "+d.String())
		}
	}()

	step(3, "read it back into a fresh object")
	back := kobj.New("apps/v1", "Deployment")
	if _, err := back.Read(ctx, kobj.Named("kobj-quickstart")); err != nil {
		return err
	}
	replicas, _ := back.GetInt64("spec.replicas")
	strategy, _ := back.GetString("spec.strategy.type")
	fmt.Printf("   read %s: %d replicas, strategy %s\n", back, replicas, strategy)

	step(4, "Edit: add a label and scale to 3; kobj sends only the change")
	_, err = d.Edit(ctx, func(o *kobj.Object) error {
		o.SetLabel("tier", "web")
		return o.Set("spec.replicas", 3)
	})
	if err != nil {
		return err
	}
	replicas, _ = d.GetInt64("spec.replicas")
	fmt.Printf("   labels now %v, replicas %d\n", d.Labels(), replicas)

	step(5, "Edit with Rollback: the edit fails, so nothing is sent and the object is as before")
	before := d.DeepCopy()
	_, err = d.Edit(ctx, func(o *kobj.Object) error {
		o.SetLabel("tier", "broken")
		return errors.New("changed my mind")
	}, kobj.Rollback())
	fmt.Printf("   Edit returned %q; label tier is still %q; object unchanged: %v\n", err, d.Labels()["tier"], d.Equal(before))

	step(6, "create a CustomResourceDefinition and Wait until the apiserver has established it")
	crds, err := kobj.LoadString(crdManifest)
	if err != nil {
		return err
	}
	crd := crds[0]
	if _, err := crd.Create(ctx); err != nil {
		return err
	}
	defer func() {
		if _, err := crd.Delete(context.WithoutCancel(ctx)); err == nil {
			step(7, "deleted "+crd.String())
		}
	}()
	start := time.Now()
	// One watch of the CRD, no polling: Wait returns on the event that
	// makes the condition true.
	if _, err := crd.Wait(ctx, kobj.ConditionTrue("Established")); err != nil {
		return err
	}
	fmt.Printf("   %s is Established: waited %s\n", crd, time.Since(start).Round(time.Millisecond))
	return nil
}

func step(n int, what string) { fmt.Printf("%d. %s\n", n, what) }
