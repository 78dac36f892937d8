package kobj

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/client-go/rest"
)

// TestDefaultClientFromKubeconfig checks that the default client comes from
// $KUBECONFIG with the current context's namespace, and is made once.
func TestDefaultClientFromKubeconfig(t *testing.T) {
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "config")
	if err := os.WriteFile(kubeconfig, []byte(`apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: u
  user: {token: t}
contexts:
- name: ctx
  context: {cluster: c, user: u, namespace: shop}
current-context: ctx
`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBECONFIG", kubeconfig)
	SetDefaultClient(nil)
	t.Cleanup(func() { SetDefaultClient(nil) })
	c, err := DefaultClient()
	if err != nil {
		t.Fatal(err)
	}
	if c.Namespace() != "shop" || c.Host() != "https://127.0.0.1:1" {
		t.Errorf("default client: namespace %q, host %q; want shop, https://127.0.0.1:1", c.Namespace(), c.Host())
	}
	again, _ := DefaultClient()
	if again != c {
		t.Error("DefaultClient made a second client")
	}

	t.Setenv("KUBECONFIG", filepath.Join(dir, "missing"))
	SetDefaultClient(nil)
	if _, err := DefaultClient(); err == nil {
		t.Error("no kubeconfig and not in a cluster: no error")
	}
}

// TestClientPrecedence checks the order in which a call picks its client:
// the WithClient option, else the object's client, else the default.
func TestClientPrecedence(t *testing.T) {
	servers := map[string]*opsServer{}
	clients := map[string]*Client{}
	for _, name := range []string{"default", "object", "option"} {
		s := newOpsServer(t)
		s.answer = func(w http.ResponseWriter, r *http.Request, body []byte) {
			fmt.Fprintf(w, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"ns"},"data":{"from":%q}}`, name)
		}
		servers[name], clients[name] = s, s.client(t.TempDir())
	}
	SetDefaultClient(clients["default"])
	t.Cleanup(func() { SetDefaultClient(nil) })
	ctx := context.Background()
	read := func(o *Object, opts ...ReadOption) string {
		t.Helper()
		if _, err := o.Read(ctx, append(opts, Named("x"), InNamespace("ns"))...); err != nil {
			t.Fatal(err)
		}
		v, _ := o.GetString("data.from")
		return v
	}
	if got := read(New("v1", "ConfigMap")); got != "default" {
		t.Errorf("no client given: read from %q, want the default", got)
	}
	if got := read(New("v1", "ConfigMap").SetClient(clients["object"])); got != "object" {
		t.Errorf("object's client: read from %q", got)
	}
	if got := read(New("v1", "ConfigMap").SetClient(clients["object"]), WithClient(clients["option"])); got != "option" {
		t.Errorf("WithClient: read from %q", got)
	}
}

func TestRateLimitingIsOffByDefault(t *testing.T) {
	s := newOpsServer(t)
	if c := s.client(t.TempDir()); c.limiter != nil {
		t.Error("a client has a rate limiter without RateLimit")
	}
	c, err := NewClient(&rest.Config{Host: s.URL, QPS: 5, Burst: 10}, RateLimit(50, 100))
	if err != nil {
		t.Fatal(err)
	}
	if c.limiter == nil || c.limiter.QPS() != 50 {
		t.Errorf("RateLimit(50, 100): limiter %v", c.limiter)
	}
}
