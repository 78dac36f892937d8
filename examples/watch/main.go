// Watch: following ConfigMaps as they change. It starts a watch of the
// ConfigMaps labelled app=kobj-watch-example, prints the initial state
// (Resync, one Added per object, Synced), then creates, changes and
// deletes a ConfigMap and prints the live events this causes. Finally it
// prints the watch's checkpoint, from which kobj.FromResourceVersion would
// resume a later watch.
//
// It uses kobj.DefaultClient, so it runs against whatever cluster your
// kubeconfig points at ($KUBECONFIG, else ~/.kube/config), in the current
// context's namespace.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/kobj-dev/kobj"
)

const label = "app=kobj-watch-example"

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "watch:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	c, err := kobj.DefaultClient()
	if err != nil {
		return err
	}
	ns := c.Namespace()
	fmt.Printf("cluster %s, namespace %q\n\n", c.Host(), ns)

	w, err := kobj.New("v1", "ConfigMapList").Watch(ctx, kobj.InNamespace(ns), kobj.LabelSelector(label))
	if err != nil {
		return err
	}
	defer w.Stop()

	name := fmt.Sprintf("kobj-watch-example-%d", time.Now().UnixNano()%100000)
	for ev, err := range w.All() {
		if err != nil {
			return fmt.Errorf("the watch ended: %w", err)
		}
		show(ev)
		switch {
		case ev.Type == kobj.Synced && ev.Object == nil:
			// The initial state is in: make some changes to watch.
			go change(ctx, ns, name)
		case ev.Type == kobj.Deleted && !ev.Initial && ev.Object.Name() == name:
			fmt.Printf("\ncheckpoint: %s (kobj.FromResourceVersion resumes from it)\n", w.ResourceVersion())
			return nil
		}
	}
	return nil
}

// change creates a ConfigMap, changes it, and deletes it; the watch
// reports each step.
func change(ctx context.Context, ns, name string) {
	o := kobj.New("v1", "ConfigMap").SetName(name).SetNamespace(ns)
	o.SetLabels(map[string]string{"app": "kobj-watch-example"})
	if err := o.Set("data.greeting", "hello"); err != nil {
		fmt.Fprintln(os.Stderr, "watch:", err)
		return
	}
	if _, err := o.Create(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "watch: create:", err)
		return
	}
	if _, err := o.Edit(ctx, func(o *kobj.Object) error { return o.Set("data.greeting", "hello again") }); err != nil {
		fmt.Fprintln(os.Stderr, "watch: edit:", err)
	}
	if _, err := o.Delete(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "watch: delete:", err)
	}
}

func show(ev kobj.WatchEvent) {
	if ev.Object == nil {
		fmt.Printf("%-8s resourceVersion %s\n", ev.Type, ev.ResourceVersion)
		return
	}
	greeting, _ := ev.Object.GetString("data.greeting")
	initial := ""
	if ev.Initial {
		initial = " (initial)"
	}
	fmt.Printf("%-8s %s%s greeting=%q resourceVersion %s\n", ev.Type, ev.Object.Name(), initial, greeting, ev.ResourceVersion)
}
