package main

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	"github.com/kobj-dev/kobj/operatortest"
)

// TestWebsite runs the Website controller against a real kube-apiserver
// and kube-controller-manager (operatortest) and walks a Website through
// its life: children rendered, Ready=False while the Deployment has no
// Pods running (no kubelet), Ready=True once scaled to 0, then deletion:
// the finalizer's cleanup, the Website gone, its children collected.
func TestWebsite(t *testing.T) {
	env := operatortest.Start(t, operatortest.ControllerManager())
	env.InstallCRDs(t, "crd.yaml")
	ns := env.Namespace(t, "website")
	c := env.Client()

	var mu sync.Mutex
	var cleaned []string
	m, err := operator.NewManager(c, operator.CacheOptions(operator.Namespaces(ns)))
	if err != nil {
		t.Fatal(err)
	}
	err = m.Add(controller(func(ctx context.Context, r *operator.Reconcile) error {
		mu.Lock()
		defer mu.Unlock()
		cleaned = append(cleaned, r.Name)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := env.RunManager(t, m)

	site := kobj.New("example.com/v1", "Website").SetName("hello").SetNamespace(ns).SetClient(c)
	if err := site.Set("spec", map[string]any{"page": "<h1>Hello</h1>", "replicas": int64(1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := site.Create(ctx); err != nil {
		t.Fatal(err)
	}

	children := []*kobj.Object{
		kobj.New("v1", "ConfigMap").SetName("hello-page"),
		kobj.New("apps/v1", "Deployment").SetName("hello"),
		kobj.New("v1", "Service").SetName("hello"),
	}
	for _, child := range children {
		child.SetNamespace(ns).SetClient(c)
		operatortest.Eventually(t, ctx, child, kobj.Exists())
		if refs := child.OwnerReferences(); len(refs) != 1 || refs[0].UID != site.UID() || refs[0].Controller == nil || !*refs[0].Controller {
			t.Errorf("%s %s: ownerReferences %+v, want the Website as controller", child.Kind(), child.Name(), refs)
		}
	}
	operatortest.Eventually(t, ctx, site, kobj.ConditionIs("Ready", "False"),
		kobj.Func(func(o *kobj.Object) (bool, error) { return slices.Contains(o.Finalizers(), finalizerName), nil }))

	if _, err := site.Edit(ctx, func(o *kobj.Object) error { return o.Set("spec.replicas", int64(0)) }, kobj.RetryOnConflict()); err != nil {
		t.Fatal(err)
	}
	// kube-controller-manager's Deployment controller makes a 0-replica
	// Deployment Available, and the controller rolls that up.
	operatortest.Eventually(t, ctx, children[1], kobj.PathEquals("spec.replicas", int64(0)))
	operatortest.Eventually(t, ctx, site, kobj.ConditionTrue("Ready"))

	if _, err := site.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	// Gone only once the cleanup returned and the finalizer was removed.
	operatortest.Eventually(t, ctx, site, kobj.Gone())
	mu.Lock()
	if !slices.Equal(cleaned, []string{"hello"}) {
		t.Errorf("the finalizer's cleanup ran for %v, want once for hello", cleaned)
	}
	mu.Unlock()
	for _, child := range children {
		operatortest.Eventually(t, ctx, child, kobj.Gone())
	}
}
