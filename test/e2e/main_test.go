// Package e2e tests kobj against a real kube-apiserver backed by a real etcd,
// both built from the Go module proxy by hack/controlplane.sh and started on
// loopback by envtest.
package e2e

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
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	cfg = plane.Config
	code := m.Run()
	if err := plane.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: stopping the control plane:", err)
	}
	return code
}
