// Package controlplane starts the real kube-apiserver and etcd that kobj's
// end-to-end tests and benchmarks run against: both built from the Go
// module proxy by hack/controlplane.sh and started on loopback by envtest.
//
// The same test binary runs against any kube-apiserver version the script
// builds: KUBEBUILDER_ASSETS names the folder of the binaries, or
// KOBJ_K8S_VERSION (e.g. v1.29.15) the version to build or take from the
// cache; without either, the newest.
package controlplane

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	utilversion "k8s.io/apimachinery/pkg/util/version"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Plane is a running control plane.
type Plane struct {
	Env    *envtest.Environment
	Config *rest.Config // admin
	// Version is the version the kube-apiserver reports at /version.
	Version *utilversion.Version
}

// Start builds the binaries if they are missing and starts a control
// plane. It fails when the build or the start does, when /version cannot
// be read, and when KOBJ_K8S_VERSION is set and the server reports another
// version (KUBEBUILDER_ASSETS naming another version's folder).
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
	up := time.Since(start)
	plane := &Plane{Env: env, Config: cfg}
	if plane.Version, err = serverVersion(cfg); err != nil {
		return nil, errors.Join(err, plane.Stop())
	}
	if want := os.Getenv(VersionVariable); want != "" && "v"+plane.Version.String() != want {
		return nil, errors.Join(fmt.Errorf("%s is %s, but the kube-apiserver in %s is v%s", VersionVariable, want, assets, plane.Version), plane.Stop())
	}
	fmt.Fprintf(os.Stderr, "control plane v%s up in %v at %s\n", plane.Version, up.Round(time.Millisecond), cfg.Host)
	return plane, nil
}

// VersionVariable names the environment variable that picks the
// kube-apiserver version hack/controlplane.sh builds or takes from its cache.
const VersionVariable = "KOBJ_K8S_VERSION"

// serverVersion returns the version the server at cfg reports at /version,
// or an error when it cannot be read or parsed.
func serverVersion(cfg *rest.Config) (*utilversion.Version, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("reading the server version: %w", err)
	}
	info, err := dc.ServerVersion()
	if err != nil {
		return nil, fmt.Errorf("reading the server version: %w", err)
	}
	v, err := utilversion.ParseSemantic(info.GitVersion)
	if err != nil {
		return nil, fmt.Errorf("reading the server version: %w", err)
	}
	return v, nil
}

// Stop stops the control plane.
func (p *Plane) Stop() error { return p.Env.Stop() }

// Binaries returns the folder holding etcd and kube-apiserver:
// KUBEBUILDER_ASSETS when set (make test sets it), else what
// hack/controlplane.sh builds or finds in its cache for KOBJ_K8S_VERSION
// (the script reads it; the newest version when unset). It fails when the
// script does.
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
