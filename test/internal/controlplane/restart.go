package controlplane

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// StopAPIServer stops the kube-apiserver, leaving etcd running, so that
// StartAPIServer can bring it back at the same address, with the same
// serving certificate and the same client CA: the Plane's Config, and the
// configs of users added before the stop, keep working after the restart.
//
// envtest deletes the apiserver's generated certificate folder when it
// stops it, and would make a new serving CA on the next start; so the
// certificates are first copied to a folder of their own, which becomes
// the apiserver's folder from then on. envtest does not delete that folder:
// remove Env.ControlPlane.APIServer.CertDir after Stop.
func (p *Plane) StopAPIServer() error {
	s := p.Env.ControlPlane.APIServer
	keep, err := os.MkdirTemp("", "kobj-apiserver-certs-")
	if err != nil {
		return err
	}
	for _, name := range []string{"apiserver.crt", "apiserver.key", "sa-signer.crt", "sa-signer.key"} {
		data, err := os.ReadFile(filepath.Join(s.CertDir, name))
		if err != nil {
			return fmt.Errorf("keeping the apiserver's certificates: %w", err)
		}
		if err := os.WriteFile(filepath.Join(keep, name), data, 0o600); err != nil {
			return fmt.Errorf("keeping the apiserver's certificates: %w", err)
		}
	}
	old := s.CertDir
	if err := s.Stop(); err != nil {
		// envtest kills the process when it does not stop within the
		// timeout (an apiserver waiting on open requests, which v1.29
		// sometimes does for long): a hard stop is a stop all the same.
		if !strings.Contains(err.Error(), "timeout waiting for process") {
			return fmt.Errorf("stopping the apiserver: %w", err)
		}
		fmt.Fprintln(os.Stderr, "controlplane: the apiserver did not stop in time and was killed")
		if s.Authn != nil {
			_ = s.Authn.Stop()
		}
		time.Sleep(time.Second) // let the killed process release its port
	}
	if s.CertDir == old {
		// The folder was ours (an earlier StopAPIServer's): envtest left it.
		_ = os.RemoveAll(old)
	}
	s.CertDir = keep
	return nil
}

// StartAPIServer starts the kube-apiserver that StopAPIServer stopped and
// waits until it reports healthy.
func (p *Plane) StartAPIServer() error {
	if err := p.Env.ControlPlane.APIServer.Start(); err != nil {
		return fmt.Errorf("starting the apiserver: %w", err)
	}
	return nil
}
