// Command demo starts a local control plane (etcd and kube-apiserver built
// by hack/controlplane.sh), writes a kubeconfig for it, runs
// examples/quickstart (or the example its argument names) against it with
// KUBECONFIG pointing there, and stops the control plane. `make demo` runs
// it; `make demo-apply` runs examples/applyall; `make demo-operator` runs
// examples/operator, with a kube-controller-manager (garbage collector,
// Deployment and ReplicaSet controllers) beside the kube-apiserver.
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/kobj-dev/kobj/test/internal/controlplane"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run() error {
	env := &envtest.Environment{ControlPlaneStartTimeout: time.Minute, ControlPlaneStopTimeout: time.Minute}
	fmt.Println("demo: starting a local control plane (etcd + kube-apiserver)")
	cfg, err := env.Start()
	if err != nil {
		return fmt.Errorf("starting the control plane: %w", err)
	}
	defer func() {
		_ = env.Stop()
		fmt.Println("demo: control plane stopped")
	}()
	kubeconfig, err := writeKubeconfig(env, cfg)
	if err != nil {
		return err
	}
	defer os.RemoveAll(filepath.Dir(kubeconfig))
	example := "quickstart"
	if len(os.Args) > 1 {
		example = os.Args[1]
	}
	if example == "operator" {
		plane := &controlplane.Plane{Env: env, Config: cfg}
		kcm, err := plane.StartControllerManager()
		if err != nil {
			return err
		}
		defer func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = kcm.Stop(ctx)
		}()
	}
	fmt.Printf("demo: control plane up at %s; running examples/%s\n\n", cfg.Host, example)
	cmd := exec.Command("go", "run", "./examples/"+example)
	cmd.Dir = ".."
	if _, err := os.Stat(filepath.Join("..", "examples", example, "go.mod")); err == nil {
		// A module of its own (examples/operator, whose tests need
		// operatortest): run it from its folder.
		cmd = exec.Command("go", "run", ".")
		cmd.Dir = filepath.Join("..", "examples", example)
	}
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	return cmd.Run()
}

// writeKubeconfig adds an admin user to the control plane and writes its
// kubeconfig to a temporary file.
func writeKubeconfig(env *envtest.Environment, cfg *rest.Config) (string, error) {
	user, err := env.AddUser(envtest.User{Name: "demo", Groups: []string{"system:masters"}}, cfg)
	if err != nil {
		return "", fmt.Errorf("adding a user: %w", err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "kobj-demo-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "kubeconfig")
	return path, os.WriteFile(path, data, 0o600)
}
