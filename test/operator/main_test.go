// Package operator_test tests kobj/operator end to end against a real
// kube-apiserver and etcd (built by hack/controlplane.sh and started by
// envtest) and, where the tests need garbage collection or the Deployment
// controllers, a real kube-controller-manager started beside them.
package operator_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/kobj-dev/kobj/test/internal/controlplane"
	"k8s.io/client-go/rest"
)

// cfg is the admin configuration of the control plane that TestMain starts.
var cfg *rest.Config

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	plane, err := controlplane.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "operator:", err)
		return 1
	}
	cfg = plane.Config
	code := m.Run()
	if err := plane.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "operator: stopping the control plane:", err)
	}
	return code
}
