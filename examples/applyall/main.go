// ApplyAll: server-side apply of a folder of manifests as a set, with
// pruning, the way `kubectl apply --server-side --prune --applyset` does.
//
// Without arguments it runs a demo on the manifests of its own folder
// (manifests/, built into the program): a custom resource, its CRD, a
// Namespace and two ConfigMaps, in the worst order. It applies them all
// with Prune (the set's parent is a ConfigMap in the client's namespace),
// applies them again (all Unchanged), dry-runs a second run without two of
// the files (what would be pruned), makes that run for real (the two
// objects are Pruned), and deletes what is left.
//
// With a folder, `applyall [-set NAME] [-dry-run] DIR` applies the
// manifests of DIR (*.yaml, *.yml, *.json) as the set whose parent is the
// ConfigMap NAME in the client's namespace, prunes what earlier runs
// applied and DIR no longer holds, and prints each change. Run it again
// after removing a file to see that file's objects Pruned.
//
// It uses kobj.DefaultClient, so it runs against whatever cluster your
// kubeconfig points at ($KUBECONFIG, else ~/.kube/config). The demo needs
// the right to create CRDs and Namespaces.
package main

import (
	"context"
	"embed"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kobj-dev/kobj"
)

//go:embed manifests/*.yaml
var demoManifests embed.FS

func main() {
	setName := flag.String("set", "kobj-applyall-example-set", "name of the ApplySet's parent ConfigMap, in the client's namespace")
	dryRun := flag.Bool("dry-run", false, "only show what would be done")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var err error
	switch flag.NArg() {
	case 0:
		err = demo(ctx, *setName)
	case 1:
		err = applyDir(ctx, os.DirFS(flag.Arg(0)), *setName, *dryRun)
	default:
		err = fmt.Errorf("usage: applyall [-set NAME] [-dry-run] [DIR]")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "applyall:", err)
		os.Exit(1)
	}
}

// applyDir applies the manifests of dir as the set of the parent.
func applyDir(ctx context.Context, dir fs.FS, setName string, dryRun bool) error {
	c, err := kobj.DefaultClient()
	if err != nil {
		return err
	}
	objs, err := loadDir(dir, nil)
	if err != nil {
		return err
	}
	cs, err := apply(ctx, c, objs, setName, dryRun)
	show("applied", cs, dryRun)
	return err
}

func apply(ctx context.Context, c *kobj.Client, objs []*kobj.Object, setName string, dryRun bool) (*kobj.ChangeSet, error) {
	parent := kobj.New("v1", "ConfigMap").SetName(setName).SetNamespace(c.Namespace())
	opts := []kobj.ApplyAllOption{kobj.FieldManager("kobj-example"), kobj.Prune(parent)}
	if dryRun {
		opts = append(opts, kobj.DryRun())
	}
	return c.ApplyAll(ctx, objs, opts...)
}

// loadDir loads every manifest file of dir, in the order of their names,
// but those named in skip.
func loadDir(dir fs.FS, skip []string) ([]*kobj.Object, error) {
	var objs []*kobj.Object
	err := fs.WalkDir(dir, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || slices.Contains(skip, d.Name()) {
			return err
		}
		switch filepath.Ext(path) {
		case ".yaml", ".yml", ".json":
		default:
			return nil
		}
		data, err := fs.ReadFile(dir, path)
		if err != nil {
			return err
		}
		loaded, err := kobj.LoadBytes(data)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		objs = append(objs, loaded...)
		return nil
	})
	return objs, err
}

func demo(ctx context.Context, setName string) error {
	c, err := kobj.DefaultClient()
	if err != nil {
		return err
	}
	dir, err := fs.Sub(demoManifests, "manifests")
	if err != nil {
		return err
	}
	smaller := []string{"00-greeting.yaml", "05-extra.yaml"}
	for _, step := range []struct {
		title  string
		skip   []string
		dryRun bool
	}{
		{"first run, the whole folder", nil, false},
		{"the same folder again", nil, false},
		{"dry run without " + strings.Join(smaller, " and "), smaller, true},
		{"without " + strings.Join(smaller, " and "), smaller, false},
	} {
		objs, err := loadDir(dir, step.skip)
		if err != nil {
			return err
		}
		cs, err := apply(ctx, c, objs, setName, step.dryRun)
		show(step.title, cs, step.dryRun)
		if err != nil {
			return err
		}
	}
	objs, err := loadDir(dir, smaller)
	if err != nil {
		return err
	}
	// No WaitForDeletion: a Namespace takes a while to empty and go.
	if err := c.DeleteAll(ctx, objs); err != nil {
		return err
	}
	if _, err := kobj.New("v1", "ConfigMap").Delete(ctx, kobj.WithClient(c), kobj.Named(setName), kobj.InNamespace(c.Namespace())); err != nil {
		return err
	}
	fmt.Println("deleted the set and its parent ConfigMap", setName)
	return nil
}

func show(title string, cs *kobj.ChangeSet, dryRun bool) {
	if dryRun {
		title += " (nothing written)"
	}
	fmt.Println(title + ":")
	for _, ch := range cs.Changes {
		o := ch.Object
		name := o.Name()
		if o.Namespace() != "" {
			name = o.Namespace() + "/" + name
		}
		switch {
		case ch.Err != nil:
			fmt.Printf("  %-26s %-44s failed: %v\n", o.Kind(), name, ch.Err)
		case ch.Recreated:
			fmt.Printf("  %-26s %-44s %s (recreated)\n", o.Kind(), name, ch.Action)
		default:
			fmt.Printf("  %-26s %-44s %s\n", o.Kind(), name, ch.Action)
		}
	}
}
