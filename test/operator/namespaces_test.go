package operator_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	"github.com/kobj-dev/kobj/test/internal/testkit"
)

// TestNamespacesLabeled: a cache limited to the namespaces labeled so
// follows the set at runtime: the objects of a namespace that gains the
// label, or is created with it, are reconciled; a namespace that loses it
// leaves the cache and its objects are not reconciled again.
func TestNamespacesLabeled(t *testing.T) {
	ctx := ctrlContext(t, 2*time.Minute)
	c := ctrlClient(t)
	label := "kobj-test-" + testkit.Suffix()
	selector := label + "=in"
	setLabel := func(ns string, value any) {
		t.Helper()
		o := kobj.New("v1", "Namespace").SetName(ns).SetClient(c)
		if _, err := o.Read(ctx); err != nil {
			t.Fatal(err)
		}
		ctrlEdit(t, o, func(o *kobj.Object) error { return o.Set(`metadata.labels["`+label+`"]`, value) })
	}
	configMap := func(ns, name, v string) *kobj.Object {
		t.Helper()
		o := kobj.New("v1", "ConfigMap").SetName(name).SetNamespace(ns).SetClient(c)
		if err := o.Set("data.v", v); err != nil {
			t.Fatal(err)
		}
		if _, err := o.Create(ctx); err != nil {
			t.Fatal(err)
		}
		return o
	}
	in := testkit.NewNamespace(t, c, "nsin")
	out := testkit.NewNamespace(t, c, "nsout")
	setLabel(in, "in")
	cmIn := configMap(in, "x", "1")
	configMap(out, "x", "1")
	leak := ctrlLeakCheck(t, c)

	var mu sync.Mutex
	var seen []string // namespace/name/v, in order
	m, err := operator.NewManager(c, operator.CacheOptions(operator.NamespacesLabeled(selector)))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Add(operator.For("v1", "ConfigMap").Reconcile(func(_ context.Context, r *operator.Reconcile) (operator.Result, error) {
		if r.Object != nil && r.Request.Name == "x" {
			v, _ := r.Object.GetString("data.v")
			mu.Lock()
			seen = append(seen, r.Request.Namespace+"/x/"+v)
			mu.Unlock()
		}
		return operator.Result{}, nil
	})); err != nil {
		t.Fatal(err)
	}
	saw := func(s string) func() bool {
		return func() bool {
			mu.Lock()
			defer mu.Unlock()
			for _, x := range seen {
				if x == s {
					return true
				}
			}
			return false
		}
	}
	runCtx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- m.Run(runCtx) }()

	ctrlEventually(t, ctx, "the labeled namespace's ConfigMap reconciled", saw(in+"/x/1"))
	if saw(out + "/x/1")() {
		t.Fatalf("a ConfigMap of an unlabeled namespace was reconciled: %v", seen)
	}

	// A namespace gains the label: its objects are reconciled.
	setLabel(out, "in")
	ctrlEventually(t, ctx, "the ConfigMap of the namespace that joined reconciled", saw(out+"/x/1"))

	// A namespace created with the label.
	created := testkit.NewNamespace(t, c, "nsnew")
	setLabel(created, "in")
	configMap(created, "x", "1")
	ctrlEventually(t, ctx, "the ConfigMap of a new labeled namespace reconciled", saw(created+"/x/1"))

	// A namespace loses the label: it leaves the cache, and a change
	// there is not reconciled (the sentinel, changed after it, is).
	setLabel(in, "out")
	ctrlEventually(t, ctx, "the namespace that left is outside the cache", func() bool {
		_, err := m.Cache().List(ctx, "v1", "ConfigMapList", kobj.InNamespace(in))
		return err != nil && strings.Contains(err.Error(), "outside the cache's scope")
	})
	ctrlEdit(t, cmIn, func(o *kobj.Object) error { return o.Set("data.v", "2") })
	sentinel := kobj.New("v1", "ConfigMap").SetName("x").SetNamespace(out).SetClient(c)
	ctrlEdit(t, sentinel, func(o *kobj.Object) error { return o.Set("data.v", "2") })
	ctrlEventually(t, ctx, "the sentinel's change reconciled", saw(out+"/x/2"))

	// A labeled namespace deleted leaves the cache too.
	if _, err := kobj.New("v1", "Namespace").Delete(ctx, kobj.Named(created), kobj.WithClient(c)); err != nil {
		t.Fatal(err)
	}
	ctrlEventually(t, ctx, "the deleted namespace is outside the cache", func() bool {
		_, err := m.Cache().List(ctx, "v1", "ConfigMapList", kobj.InNamespace(created))
		return err != nil
	})

	cancel()
	if err := <-errc; err != nil {
		t.Errorf("Run = %v", err)
	}
	if saw(in + "/x/2")() {
		t.Errorf("a change in a namespace that left the set was reconciled: %v", seen)
	}
	t.Logf("reconciled: %v", seen)
	leak()
}
