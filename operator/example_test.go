package operator_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
)

// A controller for a custom resource that renders one ConfigMap per
// object, with a Ready condition and a finalizer.
func ExampleNewManager() {
	ctx := context.Background()
	c, err := kobj.DefaultClient()
	if err != nil {
		log.Fatal(err)
	}
	m, err := operator.NewManager(c, operator.GracefulShutdownTimeout(10*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	err = m.Add(operator.For("example.com/v1", "Website").
		Owns("v1", "ConfigMap").
		When(operator.GenerationChanged()).
		Finalizer("example.com/cleanup", func(ctx context.Context, r *operator.Reconcile) error {
			log.Printf("cleaning up after %s", r.Request)
			return nil
		}).
		Workers(2).
		Reconcile(func(ctx context.Context, r *operator.Reconcile) (operator.Result, error) {
			site := r.Object
			if site == nil {
				return operator.Result{}, nil // gone: the garbage collector takes the children
			}
			page, _ := site.GetString("spec.page")
			cm := kobj.New("v1", "ConfigMap").SetName(site.Name() + "-page")
			if err := cm.Set(`data["index.html"]`, page); err != nil {
				return operator.Result{}, operator.Terminal(err)
			}
			if _, err := r.Apply(ctx, cm); err != nil {
				return operator.Result{}, err // retried with backoff
			}
			r.SetCondition("Ready", "True", "Rendered", "the page is in ConfigMap "+cm.Name())
			return operator.Result{}, nil
		}))
	if err != nil {
		log.Fatal(err) // an unknown kind, a bad builder: nothing started
	}
	if err := m.Run(ctx); err != nil {
		log.Fatal(err)
	}
}

// Reads from the shared cache answer from memory; an index answers a
// lookup by a field's value.
func ExampleCache_List() {
	ctx := context.Background()
	cache, err := operator.NewCache(nil, operator.StripManagedFields())
	if err != nil {
		log.Fatal(err)
	}
	defer cache.Stop()
	if err := cache.Index("v1", "Pod", "spec.nodeName"); err != nil {
		log.Fatal(err)
	}
	pods, err := cache.List(ctx, "v1", "PodList", operator.Indexed("spec.nodeName", "node-1"))
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range pods {
		fmt.Println(p.Namespace(), p.Name())
	}
}
