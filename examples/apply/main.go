// Apply: server-side apply of one object with kobj. It applies a ConfigMap
// from YAML (creating it), applies it again (nothing is written), lets a
// second field manager meet a conflict and then force it, reads the object
// and applies a local change without taking the other manager's fields,
// and deletes the ConfigMap.
//
// It uses kobj.DefaultClient, so it runs against whatever cluster your
// kubeconfig points at ($KUBECONFIG, else ~/.kube/config), in the current
// context's namespace.
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
apiVersion: v1
kind: ConfigMap
metadata:
  name: kobj-apply-example
data:
  greeting: hello
  color: blue
`

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "apply:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	objs, err := kobj.LoadString(manifest)
	if err != nil {
		return err
	}
	cm := objs[0]
	defer func() {
		if _, err := cm.Delete(context.WithoutCancel(ctx)); err == nil {
			fmt.Println("deleted", cm)
		}
	}()

	// 1. Apply creates the object; the same content again writes nothing.
	if _, err := cm.Apply(ctx, kobj.FieldManager("deployer")); err != nil {
		return err
	}
	fmt.Println("applied", cm, "at resourceVersion", cm.ResourceVersion())
	fresh, err := kobj.LoadString(manifest)
	if err != nil {
		return err
	}
	again, err := fresh[0].Apply(ctx, kobj.FieldManager("deployer"))
	if err != nil {
		return err
	}
	fmt.Println("applied again, resourceVersion", again.ResourceVersion(), "(unchanged: nothing written)")

	// 2. Another manager setting a field the deployer owns meets a conflict.
	other := kobj.New("v1", "ConfigMap").SetName(cm.Name()).SetNamespace(cm.Namespace())
	if err := other.Set("data.color", "red"); err != nil {
		return err
	}
	_, err = other.Apply(ctx, kobj.FieldManager("painter"))
	var conflict *kobj.ApplyConflictError
	if !errors.As(err, &conflict) {
		return fmt.Errorf("want a conflict, got %v", err)
	}
	for _, c := range conflict.Conflicts {
		fmt.Printf("conflict: %s is owned by %q\n", c.Field, c.Manager)
	}
	// With Force, the painter takes the field.
	if _, err := other.Apply(ctx, kobj.FieldManager("painter"), kobj.Force()); err != nil {
		return err
	}
	color, _ := other.GetString("data.color")
	fmt.Println("painter forced data.color to", color)

	// 3. Read, change, apply: only the deployer's own fields and the
	// change are sent, so the painter keeps data.color.
	if _, err := cm.Read(ctx); err != nil {
		return err
	}
	if err := cm.Set("data.greeting", "bonjour"); err != nil {
		return err
	}
	if _, err := cm.Apply(ctx, kobj.FieldManager("deployer")); err != nil {
		return err
	}
	greeting, _ := cm.GetString("data.greeting")
	color, _ = cm.GetString("data.color")
	fmt.Printf("after the deployer's apply: greeting=%s color=%s\n", greeting, color)
	return nil
}
