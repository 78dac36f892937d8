package bench

import (
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/rest"
)

// countingProxy is a reverse proxy in front of the control plane that
// records every request passing through it. Two clients of different
// makes (kobj in this process, kubectl in another) that both go through
// it are counted the same way. It speaks TLS and HTTP/2 to its clients,
// as the kube-apiserver does, and forwards with the admin credentials, so
// its clients need none.
type countingProxy struct {
	srv *httptest.Server
	ca  []byte // PEM of the proxy's certificate

	mu   sync.Mutex
	reqs []string // "METHOD /path?query"
}

// newCountingProxy starts a proxy to the control plane of cfg; it stops
// when b ends.
func newCountingProxy(b testing.TB) *countingProxy {
	b.Helper()
	upstream, err := url.Parse(cfg.Host)
	if err != nil {
		b.Fatal(err)
	}
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		b.Fatal(err)
	}
	p := &countingProxy{}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(upstream)
			r.Out.Header.Del("Authorization") // the kubeconfig's placeholder; rt sends the admin's
		},
		Transport:     rt,
		FlushInterval: -1, // watches (kubectl wait) flow event by event
	}
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.reqs = append(p.reqs, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
		p.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	p.srv.EnableHTTP2 = true
	p.srv.StartTLS()
	b.Cleanup(p.srv.Close)
	p.ca = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.srv.Certificate().Raw})
	return p
}

// config returns a rest.Config for the proxy.
func (p *countingProxy) config() *rest.Config {
	return &rest.Config{Host: p.srv.URL, TLSClientConfig: rest.TLSClientConfig{CAData: p.ca}}
}

// writeKubeconfig writes a kubeconfig for the proxy into dir and returns
// its path. Its user has a placeholder token, which the proxy drops: a
// user without credentials makes kubectl prompt for a password.
func (p *countingProxy) writeKubeconfig(b testing.TB, dir string) string {
	b.Helper()
	path := filepath.Join(dir, "kubeconfig")
	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: bench
  cluster:
    server: %s
    certificate-authority-data: %s
contexts:
- name: bench
  context: {cluster: bench, user: bench, namespace: default}
users:
- name: bench
  user: {token: placeholder}
current-context: bench
`, p.srv.URL, base64.StdEncoding.EncodeToString(p.ca))
	if err := os.WriteFile(path, []byte(kubeconfig), 0o600); err != nil {
		b.Fatal(err)
	}
	return path
}

// traffic is what a client sent through the proxy: requests in all;
// writes, the requests other than GET that are not dry runs; discovery,
// the requests for discovery and OpenAPI documents.
type traffic struct {
	requests, writes, discovery int
}

// take returns the traffic recorded since the last take and forgets it.
func (p *countingProxy) take() traffic {
	p.mu.Lock()
	defer p.mu.Unlock()
	var t traffic
	for _, r := range p.reqs {
		method, rest, _ := strings.Cut(r, " ")
		path, rawQuery, _ := strings.Cut(rest, "?")
		query, _ := url.ParseQuery(rawQuery)
		t.requests++
		if method != http.MethodGet && query.Get("dryRun") == "" {
			t.writes++
		}
		if isDiscoveryPath(path) {
			t.discovery++
		}
	}
	p.reqs = nil
	return t
}

// isDiscoveryPath tells the requests that read discovery or OpenAPI
// documents (and /version) from those that read or write objects.
func isDiscoveryPath(path string) bool {
	if path == "/api" || path == "/apis" || path == "/version" || strings.HasPrefix(path, "/openapi") {
		return true
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch parts[0] {
	case "api": // /api/v1
		return len(parts) == 2
	case "apis": // /apis/group, /apis/group/version
		return len(parts) <= 3
	}
	return false
}
