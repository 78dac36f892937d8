// Wait: create a CustomResourceDefinition, wait until the apiserver has
// established it, create an object of its kind, then delete the object
// and wait until it is gone.
//
// It uses kobj.DefaultClient, so it runs against whatever cluster your
// kubeconfig points at ($KUBECONFIG, else ~/.kube/config).
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/kobj-dev/kobj"
)

const crdManifest = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: notes.example.kobj.dev
spec:
  group: example.kobj.dev
  scope: Namespaced
  names: {plural: notes, singular: note, kind: Note, listKind: NoteList}
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
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "wait:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	objs, err := kobj.LoadString(crdManifest)
	if err != nil {
		return err
	}
	crd := objs[0]
	if _, err := crd.Create(ctx); err != nil {
		return err
	}
	defer func() { _, _ = crd.Delete(context.Background()) }()

	// The apiserver itself sets Established once the kind is served.
	if _, err := crd.Wait(ctx, kobj.ConditionTrue("Established")); err != nil {
		return err
	}
	fmt.Println("CRD", crd.Name(), "is", crd.Readiness().State)

	note := kobj.New("example.kobj.dev/v1", "Note").SetName("hello")
	if err := note.Set("spec.text", "waited for"); err != nil {
		return err
	}
	if _, err := note.Create(ctx); err != nil {
		return err
	}
	if _, err := note.Wait(ctx, kobj.Exists(), kobj.PathEquals("spec.text", "waited for")); err != nil {
		return err
	}
	fmt.Println("created", note)

	if _, err := note.Delete(ctx); err != nil {
		return err
	}
	if _, err := note.Wait(ctx, kobj.Gone()); err != nil {
		return err
	}
	fmt.Println("deleted", note)
	return nil
}
