// Operations: calling the Kubernetes API by operationId. It lists the
// operations the server offers for ConfigMaps, asks the server its version,
// lists ConfigMaps by an operation's short name, creates 200 ConfigMaps at
// once as futures, and deletes them all with one call, printing each step.
//
// It uses kobj.DefaultClient, so it runs against whatever cluster your
// kubeconfig points at ($KUBECONFIG, else ~/.kube/config), in the current
// context's namespace.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/kobj-dev/kobj"
)

// label marks every ConfigMap this example creates, so that one call can
// delete them all.
const label = "app=kobj-operations-example"

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "operations:", err)
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

	step(1, "list the operations the server offers for ConfigMaps (from its OpenAPI documents)")
	ops, err := c.Operations(ctx, "ConfigMap")
	if err != nil {
		return err
	}
	for _, op := range ops {
		fmt.Printf("   %-6s %-55s %-38s %s\n", op.Method, op.Path, op.ShortID, firstLine(op.Description))
	}

	step(2, "call getCodeVersion: its answer is not a Kubernetes object, so decode it into a struct")
	resp, err := c.Call(ctx, "getCodeVersion", nil)
	if err != nil {
		return err
	}
	var version struct {
		GitVersion string `json:"gitVersion"`
		Platform   string `json:"platform"`
	}
	if err := resp.Decode(&version); err != nil {
		return err
	}
	fmt.Printf("   HTTP %d: the server is Kubernetes %s on %s (resp.Object is %v)\n", resp.Code, version.GitVersion, version.Platform, resp.Object)

	step(3, "call listNamespacedConfigMap, the short name of listCoreV1NamespacedConfigMap")
	resp, err = c.Call(ctx, "listNamespacedConfigMap", kobj.Args{"namespace": ns})
	if err != nil {
		return err
	}
	var names []string
	for _, item := range resp.Object.Items() {
		names = append(names, item.Name())
	}
	fmt.Printf("   HTTP %d: a %s of %d: %v\n", resp.Code, resp.Object.Kind(), len(names), names)

	// Leave nothing behind, even when a later step fails.
	defer func() {
		resp, err := c.Call(context.WithoutCancel(ctx), "deleteCollectionNamespacedConfigMap", kobj.Args{"namespace": ns, "labelSelector": label})
		if err != nil {
			fmt.Fprintln(os.Stderr, "operations: cleaning up:", err)
			return
		}
		step(5, fmt.Sprintf("deleteCollectionNamespacedConfigMap labelSelector=%s: HTTP %d, %d deleted", label, resp.Code, len(resp.Object.Items())))
	}()

	step(4, "create 200 ConfigMaps at once: CallAsync returns a future at once, Get waits for it")
	const n = 200
	key, value, _ := strings.Cut(label, "=")
	start := time.Now()
	futures := make([]*kobj.Response, n)
	for i := range futures {
		cm := kobj.New("v1", "ConfigMap").SetName(fmt.Sprintf("kobj-operations-%03d", i)).SetLabel(key, value)
		futures[i] = c.CallAsync(ctx, "createNamespacedConfigMap", kobj.Args{"namespace": ns, "body": cm})
	}
	fmt.Printf("   %d futures started in %v; the client keeps at most %d requests open at once\n", n, time.Since(start).Round(time.Millisecond), kobj.DefaultMaxInFlight)
	succeeded := 0
	var firstErr error
	for _, f := range futures {
		_, code, _, err := f.Get(ctx)
		switch {
		case err == nil && code == 201:
			succeeded++
		case err != nil && firstErr == nil:
			firstErr = err
		}
	}
	fmt.Printf("   %d of %d created in %v\n", succeeded, n, time.Since(start).Round(time.Millisecond))
	if firstErr != nil {
		fmt.Printf("   first error: %v\n", firstErr)
	}
	return nil
}

func step(n int, what string) { fmt.Printf("%d. %s\n", n, what) }

// firstLine returns the first line of an operation's description.
func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
