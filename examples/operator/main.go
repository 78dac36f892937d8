// Operator: a small real operator built with kobj/operator. A Website
// custom resource (example.com/v1) is rendered into a ConfigMap, a
// Deployment and a Service; its Ready condition rolls up their readiness;
// a finalizer cleans up before a Website goes (website.go).
//
// Without arguments it runs a demo against the cluster of your kubeconfig
// ($KUBECONFIG, else ~/.kube/config; `make demo-operator` starts a local
// control plane with kube-controller-manager for it): it installs the CRD,
// starts the operator, and prints each step as it happens: a Website
// created and its children rendered, a child deleted by hand and
// repaired, a spec change reaching the child, the Website deleted, the
// finalizer running and the children collected. With -run it only runs
// the operator, until interrupted.
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
)

//go:embed crd.yaml
var crdYAML string

func main() {
	runOnly := flag.Bool("run", false, "run the operator until interrupted (no demo)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var err error
	if *runOnly {
		err = runOperator(ctx, func(ctx context.Context, r *operator.Reconcile) error {
			fmt.Printf("finalizer: cleaning up after website %s/%s\n", r.Namespace, r.Name)
			return nil
		})
	} else {
		err = demo(ctx)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "operator:", err)
		os.Exit(1)
	}
}

// runOperator installs the CRD and runs the Website controller until ctx
// ends.
func runOperator(ctx context.Context, cleanup func(context.Context, *operator.Reconcile) error) error {
	c, err := kobj.DefaultClient()
	if err != nil {
		return err
	}
	if err := installCRD(ctx, c); err != nil {
		return err
	}
	m, err := operator.NewManager(c)
	if err != nil {
		return err
	}
	if err := m.Add(controller(cleanup)); err != nil {
		return err
	}
	return m.Run(ctx)
}

func installCRD(ctx context.Context, c *kobj.Client) error {
	crds, err := kobj.LoadString(crdYAML)
	if err != nil {
		return err
	}
	// ApplyAll waits for the CRD to be Established.
	_, err = c.ApplyAll(ctx, crds, kobj.FieldManager("website-operator"))
	return err
}
