package operatortest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// managedControllers are the controllers the ControllerManager option
// runs (kobj's test/internal/controlplane runs the same).
var managedControllers = []string{"garbage-collector-controller", "namespace-controller", "deployment-controller", "replicaset-controller"}

// controllerManager is a kube-controller-manager process.
type controllerManager struct {
	cmd  *exec.Cmd
	dir  string
	done chan error
	log  *os.File
}

func controllerManagerPath(dir string) string { return filepath.Join(dir, "kube-controller-manager") }

// startControllerManager starts kube-controller-manager from dir as a
// system:masters user of env. It has no readiness endpoint with its
// secure port off: a process still running 2 s after its start is taken
// as up (a bad flag or an unreachable server exits before), and tests wait
// for its controllers' effects.
func startControllerManager(env *envtest.Environment, cfg *rest.Config, dir string) (*controllerManager, error) {
	user, err := env.AddUser(envtest.User{Name: "operatortest-controller-manager", Groups: []string{"system:masters"}}, cfg)
	if err != nil {
		return nil, fmt.Errorf("adding kube-controller-manager's user: %w", err)
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		return nil, fmt.Errorf("kube-controller-manager's kubeconfig: %w", err)
	}
	tmp, err := os.MkdirTemp("", "operatortest-kcm-")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(tmp, "kubeconfig")
	if err := os.WriteFile(path, kubeconfig, 0o600); err != nil {
		return nil, errors.Join(err, os.RemoveAll(tmp))
	}
	log, err := os.Create(filepath.Join(tmp, "kube-controller-manager.log"))
	if err != nil {
		return nil, errors.Join(err, os.RemoveAll(tmp))
	}
	bin := controllerManagerPath(dir)
	cmd := exec.Command(bin,
		"--kubeconfig="+path,
		"--controllers="+strings.Join(managedControllers, ","),
		"--leader-elect=false",
		"--secure-port=0",
		"--v=1",
	)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, errors.Join(fmt.Errorf("starting %s: %w", bin, err), log.Close(), os.RemoveAll(tmp))
	}
	cm := &controllerManager{cmd: cmd, dir: tmp, done: make(chan error, 1), log: log}
	go func() { cm.done <- cmd.Wait() }()
	select {
	case err := <-cm.done:
		out, _ := os.ReadFile(log.Name())
		if len(out) > 2000 {
			out = out[len(out)-2000:]
		}
		return nil, errors.Join(fmt.Errorf("kube-controller-manager exited at start: %v\n%s", err, out), log.Close(), os.RemoveAll(tmp))
	case <-time.After(2 * time.Second):
	}
	return cm, nil
}

// stop interrupts the process, kills it after timeout, and removes its
// folder.
func (cm *controllerManager) stop(timeout time.Duration) error {
	_ = cm.cmd.Process.Signal(os.Interrupt)
	select {
	case <-cm.done:
	case <-time.After(timeout):
		_ = cm.cmd.Process.Kill()
		<-cm.done
	}
	return errors.Join(cm.log.Close(), os.RemoveAll(cm.dir))
}

func (cm *controllerManager) logPath() string { return cm.log.Name() }
