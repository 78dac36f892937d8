// Command metricsprobe runs a kobj/operator Manager serving its metrics on
// MetricsAddress, for TestMetricsClientHooksOwnProcess: a process that
// links nothing else registering client-go's metrics hooks (the test
// binary links envtest, and so controller-runtime's pkg/metrics, whose
// init takes them). It reconciles the ConfigMaps of one namespace, reading
// each with kobj, until SIGINT or SIGTERM.
//
// Usage: KUBECONFIG=... metricsprobe ADDRESS NAMESPACE
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/kobj-dev/kobj/operator"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: metricsprobe ADDRESS NAMESPACE")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "metricsprobe:", err)
		os.Exit(1)
	}
}

func run(addr, ns string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m, err := operator.NewManager(nil, operator.MetricsAddress(addr), operator.CacheOptions(operator.Namespaces(ns)))
	if err != nil {
		return err
	}
	err = m.Add(operator.For("v1", "ConfigMap").Reconcile(func(ctx context.Context, r *operator.Reconcile) (operator.Result, error) {
		if r.Object == nil {
			return operator.Result{}, nil
		}
		_, err := r.Object.Read(ctx) // a request through kobj's own path (internal/wire)
		return operator.Result{}, err
	}))
	if err != nil {
		return err
	}
	return m.Run(ctx)
}
