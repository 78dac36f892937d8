package operatortest_test

import (
	"context"
	"testing"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	"github.com/kobj-dev/kobj/operatortest"
)

// This file is the example: an Example function has no *testing.T, so the
// test is testGadgets, which TestExample (env_test.go) runs.
func Example() {
	// func TestGadgets(t *testing.T) { testGadgets(t) }
}

// testGadgets runs a controller that renders each Gadget into a ConfigMap
// against a real control plane, and checks the child, the condition and
// the garbage collection.
func testGadgets(t *testing.T) {
	// etcd, kube-apiserver and kube-controller-manager (for garbage
	// collection), stopped when the test ends.
	env := operatortest.Start(t, operatortest.ControllerManager())
	env.InstallCRDs(t, "testdata/crds/gadget.yaml") // waits for Established
	ns := env.Namespace(t, "gadgets")
	c := env.Client()

	m, err := operator.NewManager(c, operator.CacheOptions(operator.Namespaces(ns)))
	if err != nil {
		t.Fatal(err)
	}
	err = m.Add(operator.For("operatortest.kobj.dev/v1", "Gadget").Owns("v1", "ConfigMap").
		Reconcile(func(ctx context.Context, r *operator.Reconcile) (operator.Result, error) {
			if r.Object == nil {
				return operator.Result{}, nil
			}
			cm := kobj.New("v1", "ConfigMap").SetName(r.Name).SetNamespace(r.Namespace)
			if err := cm.Set("data.size", "large"); err != nil {
				return operator.Result{}, err
			}
			if _, err := r.Apply(ctx, cm); err != nil {
				return operator.Result{}, err
			}
			r.SetCondition("Ready", "True", "Rendered", "the ConfigMap is applied")
			return operator.Result{}, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	// Runs until the test ends; ctx ends early if the Manager fails.
	ctx := env.RunManager(t, m)

	gadget := kobj.New("operatortest.kobj.dev/v1", "Gadget").SetName("g1").SetNamespace(ns).SetClient(c)
	if _, err := gadget.Create(ctx); err != nil {
		t.Fatal(err)
	}
	operatortest.Eventually(t, ctx, gadget, kobj.ConditionTrue("Ready"))
	cm := kobj.New("v1", "ConfigMap").SetName("g1").SetNamespace(ns).SetClient(c)
	operatortest.Eventually(t, ctx, cm, kobj.PathEquals("data.size", "large"))

	if _, err := gadget.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	operatortest.Eventually(t, ctx, cm, kobj.Gone()) // the garbage collector
}
