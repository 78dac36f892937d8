package operatortest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
)

// FieldManager is the field manager of what InstallCRDs applies.
const FieldManager = "operatortest"

// installTimeout bounds InstallCRDs.
const installTimeout = time.Minute

// InstallCRDs applies CRDs, and whatever else the sources hold, with
// server-side apply (Client.ApplyAll: CRDs and Namespaces first, then the
// rest), and returns once every CRD is Established, so that its kind can
// be created and watched. Each source is a path (a YAML or JSON file of
// one or more documents, or a folder whose *.yaml, *.yml and *.json files
// are read, not its subfolders), a *kobj.Object or a []*kobj.Object. It
// returns the objects as applied. It fails t, before anything is applied,
// on a source of another type, a path that cannot be read or parsed, and
// no objects at all; and when the apply or the wait fails or takes longer
// than a minute.
func (e *Env) InstallCRDs(t testing.TB, sources ...any) []*kobj.Object {
	t.Helper()
	var objs []*kobj.Object
	for i, src := range sources {
		got, err := load(src)
		if err != nil {
			t.Fatalf("operatortest: InstallCRDs source %d: %v", i, err)
		}
		objs = append(objs, got...)
	}
	if len(objs) == 0 {
		t.Fatalf("operatortest: InstallCRDs: no objects in %v", sources)
	}
	ctx, cancel := context.WithTimeout(context.Background(), installTimeout)
	defer cancel()
	if _, err := e.client.ApplyAll(ctx, objs, kobj.FieldManager(FieldManager)); err != nil {
		t.Fatalf("operatortest: InstallCRDs: %v", err)
	}
	if slices.ContainsFunc(objs, isCRD) {
		if err := e.restartControllerManager(); err != nil {
			t.Fatalf("operatortest: InstallCRDs: %v", err)
		}
	}
	return objs
}

func isCRD(o *kobj.Object) bool {
	return o.Kind() == "CustomResourceDefinition" && strings.HasPrefix(o.APIVersion(), "apiextensions.k8s.io/")
}

// restartControllerManager restarts kube-controller-manager, if one runs,
// so that its garbage collector knows the kinds of new CRDs at once: it
// learns them otherwise at its next discovery resync (every 30 s, fixed in
// kube-controller-manager), and a child whose owner is of a kind it does
// not know yet is collected only after that (40 s measured, against about
// 3 s after a restart).
func (e *Env) restartControllerManager() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.kcm == nil {
		return nil
	}
	if err := e.kcm.stop(startTimeout); err != nil {
		return fmt.Errorf("restarting kube-controller-manager: %w", err)
	}
	kcm, err := startControllerManager(e.env, e.cfg, e.assets)
	if err != nil {
		return fmt.Errorf("restarting kube-controller-manager: %w", err)
	}
	e.kcm = kcm
	return nil
}

// load returns the objects of one InstallCRDs source.
func load(src any) ([]*kobj.Object, error) {
	switch s := src.(type) {
	case *kobj.Object:
		if s == nil {
			return nil, fmt.Errorf("nil *kobj.Object")
		}
		return []*kobj.Object{s}, nil
	case []*kobj.Object:
		if slices.Contains(s, nil) {
			return nil, fmt.Errorf("a nil *kobj.Object in the slice")
		}
		return s, nil
	case string:
		return loadPath(s)
	default:
		return nil, fmt.Errorf("a %T; want a path (string), a *kobj.Object or a []*kobj.Object", src)
	}
}

// loadPath loads a file, or the YAML and JSON files of a folder in name
// order.
func loadPath(path string) ([]*kobj.Object, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return kobj.LoadFile(path)
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var objs []*kobj.Object
	for _, en := range entries {
		ext := strings.ToLower(filepath.Ext(en.Name()))
		if en.IsDir() || (ext != ".yaml" && ext != ".yml" && ext != ".json") {
			continue
		}
		got, err := kobj.LoadFile(filepath.Join(path, en.Name()))
		if err != nil {
			return nil, err
		}
		objs = append(objs, got...)
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("no *.yaml, *.yml or *.json file with objects in %s", path)
	}
	return objs, nil
}
