package controlplane

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// ControllerManager is a kube-controller-manager running beside a Plane.
type ControllerManager struct {
	cmd  *exec.Cmd
	dir  string
	done chan error
	log  *os.File
}

// ManagedControllers are the controllers StartControllerManager runs: the
// garbage collector (cascading deletion through ownerReferences), the
// namespace controller (a deleted Namespace empties and goes), and the
// Deployment and ReplicaSet controllers (Deployment status). No
// scheduler or kubelet runs, so Pods stay Pending.
var ManagedControllers = []string{"garbage-collector-controller", "namespace-controller", "deployment-controller", "replicaset-controller"}

// StartControllerManager starts the kube-controller-manager found beside
// the plane's kube-apiserver (hack/controlplane.sh builds it with
// KOBJ_CONTROLLER_MANAGER=1), as a system:masters user, running
// ManagedControllers. It fails when the binary is missing or the process
// exits within 2 s of its start (a bad flag, an unreachable server); it has
// no readiness endpoint with its secure port off, so tests that need its
// controllers wait for their effect. Its output goes to a log file in a
// temporary folder, named in errors.
func (p *Plane) StartControllerManager() (*ControllerManager, error) {
	assets := p.Env.BinaryAssetsDirectory
	if assets == "" {
		var err error
		if assets, err = Binaries(); err != nil {
			return nil, err
		}
	}
	bin := filepath.Join(assets, "kube-controller-manager")
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("no kube-controller-manager in %s (build it with KOBJ_CONTROLLER_MANAGER=1 hack/controlplane.sh): %w", assets, err)
	}
	user, err := p.Env.AddUser(envtest.User{Name: "kobj-controller-manager", Groups: []string{"system:masters"}}, p.Config)
	if err != nil {
		return nil, fmt.Errorf("adding the controller manager's user: %w", err)
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		return nil, fmt.Errorf("the controller manager's kubeconfig: %w", err)
	}
	dir, err := os.MkdirTemp("", "kobj-kcm-")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(path, kubeconfig, 0o600); err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	log, err := os.Create(filepath.Join(dir, "kube-controller-manager.log"))
	if err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	cmd := exec.Command(bin,
		"--kubeconfig="+path,
		"--controllers="+strings.Join(ManagedControllers, ","),
		"--leader-elect=false",
		"--secure-port=0",
		"--v=1",
	)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, errors.Join(fmt.Errorf("starting %s: %w", bin, err), log.Close(), os.RemoveAll(dir))
	}
	cm := &ControllerManager{cmd: cmd, dir: dir, done: make(chan error, 1), log: log}
	go func() { cm.done <- cmd.Wait() }()
	select {
	case err := <-cm.done:
		out, _ := os.ReadFile(log.Name())
		return nil, fmt.Errorf("kube-controller-manager exited at start: %v\n%s", err, tail(out, 2000))
	case <-time.After(2 * time.Second):
	}
	fmt.Fprintf(os.Stderr, "kube-controller-manager up (%s), log %s\n", strings.Join(ManagedControllers, ", "), log.Name())
	return cm, nil
}

// Stop stops the controller manager and removes its folder.
func (cm *ControllerManager) Stop(ctx context.Context) error {
	_ = cm.cmd.Process.Signal(os.Interrupt)
	select {
	case <-cm.done:
	case <-ctx.Done():
		_ = cm.cmd.Process.Kill()
		<-cm.done
	}
	return errors.Join(cm.log.Close(), os.RemoveAll(cm.dir))
}

// LogPath is the controller manager's log file, for a failing test to name.
func (cm *ControllerManager) LogPath() string { return cm.log.Name() }

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
