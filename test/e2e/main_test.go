// Package e2e tests kobj against a real kube-apiserver backed by a real etcd,
// both built from the Go module proxy by hack/controlplane.sh and started on
// loopback by envtest. The same tests run against every kube-apiserver
// version the script builds: KOBJ_K8S_VERSION (or KUBEBUILDER_ASSETS) picks
// one, and `make e2e` runs the suite against each.
package e2e

import (
	"fmt"
	"os"
	"testing"

	"github.com/kobj-dev/kobj/test/internal/controlplane"
	"github.com/kobj-dev/kobj/test/internal/testkit"
	utilversion "k8s.io/apimachinery/pkg/util/version"
	"k8s.io/client-go/rest"
)

var (
	// cfg is the admin configuration of the control plane that TestMain starts.
	cfg *rest.Config
	// serverVersion is the version that control plane reports at /version.
	serverVersion *utilversion.Version
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	plane, err := controlplane.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	cfg, serverVersion = plane.Config, plane.Version
	etcdURL = plane.Env.ControlPlane.Etcd.URL
	code := m.Run()
	if err := plane.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: stopping the control plane:", err)
	}
	return code
}

// requireServerVersion skips t, saying why, when the control plane is older
// than min ("1.30"): for a test of a feature older servers lack.
func requireServerVersion(t testing.TB, min, why string) {
	t.Helper()
	testkit.RequireServerVersion(t, serverVersion, min, why)
}
