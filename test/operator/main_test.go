// Package operator_test tests kobj/operator end to end against a real
// kube-apiserver and etcd (built by hack/controlplane.sh and started by
// envtest) and a real kube-controller-manager beside them (garbage
// collection through the ownerReferences kobj writes, namespaces, and the
// Deployment and ReplicaSet controllers that write Deployment status).
package operator_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/kobj-dev/kobj/test/internal/controlplane"
	"k8s.io/client-go/rest"
)

var (
	// cfg is the admin configuration of the control plane that TestMain starts.
	cfg *rest.Config
	// kcm is the kube-controller-manager running beside it.
	kcm *controlplane.ControllerManager
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	plane, err := controlplane.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "operator:", err)
		return 1
	}
	defer func() {
		if err := plane.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "operator: stopping the control plane:", err)
		}
	}()
	cfg = plane.Config
	if kcm, err = plane.StartControllerManager(); err != nil {
		fmt.Fprintln(os.Stderr, "operator:", err)
		return 1
	}
	code := m.Run()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := kcm.Stop(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "operator: stopping kube-controller-manager:", err)
	}
	return code
}
