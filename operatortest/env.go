package operatortest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Env is a running control plane: etcd and kube-apiserver, and
// kube-controller-manager with the ControllerManager option. Start makes
// one; it stops when the test that started it ends.
type Env struct {
	cfg    *rest.Config
	client *kobj.Client
	env    *envtest.Environment
	assets string

	mu  sync.Mutex         // guards kcm, which InstallCRDs restarts
	kcm *controllerManager // nil without the ControllerManager option
}

// Option configures Start.
type Option interface{ apply(*settings) }

type settings struct {
	assets            string
	controllerManager bool
	skip              bool
}

type optionFunc func(*settings)

func (f optionFunc) apply(s *settings) { f(s) }

// Assets names the folder that holds etcd and kube-apiserver (and
// kube-controller-manager), instead of looking for one.
func Assets(dir string) Option { return optionFunc(func(s *settings) { s.assets = dir }) }

// ControllerManager also starts the kube-controller-manager found beside
// kube-apiserver, running the controllers an operator's children need:
// the garbage collector (children deleted with their owner), the
// namespace controller, and the Deployment and ReplicaSet controllers
// (Deployment status). No scheduler or kubelet runs, so Pods stay
// Pending. Without the binary Start fails (or skips) the test.
// hack/controlplane.sh builds it with KOBJ_CONTROLLER_MANAGER=1 (`make
// controlplane` in kobj); setup-envtest's folders do not have it.
func ControllerManager() Option {
	return optionFunc(func(s *settings) { s.controllerManager = true })
}

// SkipWithoutBinaries skips the test, rather than failing it, when the
// binaries are not found: for suites run where no control plane can be.
func SkipWithoutBinaries() Option { return optionFunc(func(s *settings) { s.skip = true }) }

// startTimeout bounds the start and the stop of each process.
const startTimeout = time.Minute

// Start starts a control plane for the test t and stops it when t ends
// (t.Cleanup). It fails t (or skips it, with SkipWithoutBinaries) when no
// binaries are found, naming where it looked; it fails t when a process
// does not start, or when a kobj Client cannot be made for it.
func Start(t testing.TB, opts ...Option) *Env {
	t.Helper()
	var s settings
	for _, o := range opts {
		o.apply(&s)
	}
	dir, how, err := defaultLookup(s.assets).findBinaries(s.controllerManager)
	if err == nil && s.controllerManager {
		err = hasControllerManager(dir)
	}
	if err != nil {
		if s.skip && errors.Is(err, ErrNoBinaries) {
			t.Skipf("operatortest: %v", err)
		}
		t.Fatalf("operatortest: %v", err)
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory:    dir,
		ControlPlaneStartTimeout: startTimeout,
		ControlPlaneStopTimeout:  startTimeout,
	}
	start := time.Now()
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("operatortest: starting etcd and kube-apiserver from %s (%s): %v", dir, how, err)
	}
	e := &Env{cfg: cfg, env: env, assets: dir}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("operatortest: stopping the control plane: %v", err)
		}
	})
	t.Logf("operatortest: control plane up in %v at %s, binaries from %s (%s)", time.Since(start).Round(time.Millisecond), cfg.Host, dir, how)
	if e.client, err = kobj.NewClient(cfg); err != nil {
		t.Fatalf("operatortest: a kobj client for %s: %v", cfg.Host, err)
	}
	if s.controllerManager {
		if e.kcm, err = startControllerManager(env, cfg, dir); err != nil {
			t.Fatalf("operatortest: %v", err)
		}
		t.Cleanup(func() {
			e.mu.Lock()
			defer e.mu.Unlock()
			if err := e.kcm.stop(startTimeout); err != nil {
				t.Errorf("operatortest: stopping kube-controller-manager: %v", err)
			}
		})
		t.Logf("operatortest: kube-controller-manager up, log %s", e.kcm.logPath())
	}
	return e
}

// Client returns a kobj Client of the control plane, as an admin
// (system:masters).
func (e *Env) Client() *kobj.Client { return e.client }

// Config returns a copy of the admin configuration of the control plane,
// for client-go and other libraries.
func (e *Env) Config() *rest.Config { return rest.CopyConfig(e.cfg) }

// Assets returns the folder the binaries were started from.
func (e *Env) Assets() string { return e.assets }

// ControllerManagerLog returns the path of kube-controller-manager's log
// file, for a failing test to name; "" without the ControllerManager
// option. The file is removed when the test ends, and when InstallCRDs
// restarts the process.
func (e *Env) ControllerManagerLog() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.kcm == nil {
		return ""
	}
	return e.kcm.logPath()
}

// hasControllerManager returns an error wrapping ErrNoBinaries when dir
// has no kube-controller-manager.
func hasControllerManager(dir string) error {
	if err := defaultLookup("").stat(controllerManagerPath(dir)); err != nil {
		return fmt.Errorf("%w: no kube-controller-manager in %s, which the ControllerManager option needs (in a kobj checkout: KOBJ_CONTROLLER_MANAGER=1 hack/controlplane.sh, or make controlplane)", ErrNoBinaries, dir)
	}
	return nil
}
