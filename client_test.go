package kobj_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/kobj-dev/kobj"
)

func TestDefaultClientRecoversFromAFailure(t *testing.T) {
	f := newFakeAPI(t, "")
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	t.Setenv("KUBECONFIG", path)
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Cleanup(func() { kobj.SetDefaultClient(nil) })
	kobj.SetDefaultClient(nil)
	if _, err := kobj.DefaultClient(); !errors.Is(err, kobj.ErrNoClient) {
		t.Fatalf("DefaultClient without a kubeconfig = %v, want ErrNoClient", err)
	}
	kubeconfig := `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "` + f.srv.URL + `"}}]
contexts: [{name: x, context: {cluster: c, namespace: team}}]
current-context: x
users: [{name: u, user: {}}]
`
	if err := os.WriteFile(path, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := kobj.DefaultClient()
	if err != nil {
		t.Fatalf("DefaultClient after the kubeconfig appeared = %v", err)
	}
	if c.Namespace() != "team" {
		t.Errorf("default namespace %q, want the context's", c.Namespace())
	}
}
