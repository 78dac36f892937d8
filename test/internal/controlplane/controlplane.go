// Package controlplane starts the real kube-apiserver and etcd that kobj's
// end-to-end tests and benchmarks run against: both built from the Go
// module proxy by hack/controlplane.sh and started on loopback by envtest.
package controlplane

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Plane is a running control plane.
type Plane struct {
	Env    *envtest.Environment
	Config *rest.Config // admin
}

// Start builds the binaries if they are missing and starts a control
// plane. It fails when the build or the start does.
func Start() (*Plane, error) {
	assets, err := Binaries()
	if err != nil {
		return nil, err
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory:    assets,
		ControlPlaneStartTimeout: time.Minute,
		ControlPlaneStopTimeout:  time.Minute,
	}
	start := time.Now()
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting the control plane: %w", err)
	}
	fmt.Fprintf(os.Stderr, "control plane up in %v at %s\n", time.Since(start).Round(time.Millisecond), cfg.Host)
	return &Plane{Env: env, Config: cfg}, nil
}

// Stop stops the control plane.
func (p *Plane) Stop() error { return p.Env.Stop() }

// Binaries returns the folder holding etcd and kube-apiserver:
// KUBEBUILDER_ASSETS when set (make test sets it), else what
// hack/controlplane.sh builds or finds in its cache.
func Binaries() (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir, nil
	}
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "..", "hack", "controlplane.sh")
	cmd := exec.Command(script)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s: %w", script, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1], nil
}
