package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
)

// demo runs the operator in the background and walks a Website through its
// life, printing each step once the cluster shows it.
func demo(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	c, err := kobj.DefaultClient()
	if err != nil {
		return err
	}
	ns := c.Namespace()
	step := func(format string, args ...any) { fmt.Printf("==> "+format+"\n", args...) }

	cleaned := make(chan string, 1)
	runCtx, stopOperator := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- runOperator(runCtx, func(ctx context.Context, r *operator.Reconcile) error {
			fmt.Printf("    finalizer %s: cleaning up after website %s\n", finalizerName, r.Name)
			select {
			case cleaned <- r.Name:
			default:
			}
			return nil
		})
	}()
	defer func() {
		stopOperator()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			fmt.Println("operator stopped:", err)
		}
	}()

	step("installing the Website CRD and starting the operator")
	site := kobj.New("example.com/v1", "Website").SetName("hello").SetNamespace(ns)
	if err := site.Set("spec", map[string]any{"page": "<h1>Hello from kobj</h1>", "replicas": int64(1)}); err != nil {
		return err
	}
	// The CRD may not be served yet when the operator starts it: retry
	// the create until the kind is known.
	for {
		if _, err = site.Create(ctx); err == nil {
			break
		}
		var unknown *kobj.UnknownKindError
		if !errors.As(err, &unknown) || ctx.Err() != nil {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
	step("created Website %s/%s", ns, site.Name())

	page := kobj.New("v1", "ConfigMap").SetName("hello-page").SetNamespace(ns)
	deploy := kobj.New("apps/v1", "Deployment").SetName("hello").SetNamespace(ns)
	svc := kobj.New("v1", "Service").SetName("hello").SetNamespace(ns)
	for _, child := range []*kobj.Object{page, deploy, svc} {
		if _, err := child.Wait(ctx, kobj.Exists()); err != nil {
			return fmt.Errorf("waiting for %s %s: %w", child.Kind(), child.Name(), err)
		}
		owner := child.OwnerReferences()
		step("rendered %s %s (controller: %s %s)", child.Kind(), child.Name(), owner[0].Kind, owner[0].Name)
	}
	if _, err := site.Wait(ctx, kobj.ConditionIs("Ready", "False")); err != nil {
		return err
	}
	step("Website Ready=False: %s (no kubelet runs here, so the Pod never starts)", conditionMessage(site, "Ready"))

	if _, err := page.Delete(ctx); err != nil {
		return err
	}
	step("deleted ConfigMap %s by hand", page.Name())
	if _, err := page.Wait(ctx, kobj.Exists()); err != nil {
		return err
	}
	step("the operator applied it again (uid %s)", page.UID())

	if _, err := site.Edit(ctx, func(o *kobj.Object) error { return o.Set("spec.replicas", int64(0)) }, kobj.RetryOnConflict()); err != nil {
		return err
	}
	step("set spec.replicas of the Website to 0")
	if _, err := deploy.Wait(ctx, kobj.PathEquals("spec.replicas", int64(0))); err != nil {
		return err
	}
	step("the Deployment's spec.replicas is 0")
	if _, err := site.Wait(ctx, kobj.ConditionTrue("Ready")); err != nil {
		return err
	}
	step("Website Ready=True: %s", conditionMessage(site, "Ready"))

	if _, err := site.Delete(ctx); err != nil {
		return err
	}
	step("deleted the Website")
	select {
	case name := <-cleaned:
		step("the finalizer ran for %s", name)
	case <-ctx.Done():
		return fmt.Errorf("the finalizer did not run: %w", ctx.Err())
	}
	if _, err := site.Wait(ctx, kobj.Gone()); err != nil {
		return err
	}
	step("the Website is gone")
	for _, child := range []*kobj.Object{page, deploy, svc} {
		if _, err := child.Wait(ctx, kobj.Gone()); err != nil {
			return fmt.Errorf("waiting for the garbage collector to remove %s %s: %w", child.Kind(), child.Name(), err)
		}
		step("garbage collector removed %s %s", child.Kind(), child.Name())
	}
	return nil
}

// conditionMessage returns the message of o's condition of type typ.
func conditionMessage(o *kobj.Object, typ string) string {
	conds, _ := o.GetSlice("status.conditions")
	for _, c := range conds {
		if m, ok := c.(map[string]any); ok && m["type"] == typ {
			msg, _ := m["message"].(string)
			return msg
		}
	}
	return ""
}
