package kobj

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/kobj-dev/kobj/internal/testcorpus"
	"k8s.io/client-go/rest"
)

// The documents under testdata/openapi were fetched from a kube-apiserver
// v1.37.2 (envtest) with a CRD widgets.stable.example.com/v1 installed:
// GET /openapi/v3 (root.json, trimmed to the saved documents), each
// document as <key with / as _>.json.gz, and aggregated discovery.
//
// The index itself is tested in internal/opindex against the same
// documents; here, the client's wiring of it, and Call.

func opsTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := readOpsTestdata(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func readOpsTestdata(name string) ([]byte, error) { return testcorpus.OpenAPI(name) }

// opsServer is testcorpus's OpenAPI server, recording the requests
// outside discovery and OpenAPI as calls, answered with answer (or 200 and
// the request body when answer is nil).
type opsServer struct {
	*testcorpus.OpenAPIServer
	t testing.TB

	mu     sync.Mutex
	calls  []recordedCall
	answer func(w http.ResponseWriter, r *http.Request, body []byte)
}

// recordedCall is what the server saw of one operation request.
type recordedCall struct {
	Method, Path, Query, ContentType, Body string
}

func newOpsServer(t testing.TB, hide ...string) *opsServer {
	s := &opsServer{t: t}
	s.OpenAPIServer = testcorpus.NewOpenAPIServer(t, s.call, hide...)
	return s
}

func (s *opsServer) call(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.calls = append(s.calls, recordedCall{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), string(body)})
	answer := s.answer
	s.mu.Unlock()
	if answer != nil {
		answer(w, r, body)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}

func (s *opsServer) show(key string) { s.Show(key) }

// requests returns the requests served since the last call.
func (s *opsServer) requests() []string { return s.Requests() }

func (s *opsServer) client(dir string) *Client {
	s.t.Helper()
	c, err := NewClient(&rest.Config{
		Host: s.URL,
		WrapTransport: func(rt http.RoundTripper) http.RoundTripper {
			return opsCounter{rt, s}
		},
	}, CacheDir(dir))
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

type opsCounter struct {
	rt http.RoundTripper
	s  *opsServer
}

func (c opsCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.s.Hit(r.URL.Path)
	return c.rt.RoundTrip(r)
}

func opsResolve(t *testing.T, c *Client, name, apiVersion string) *Operation {
	t.Helper()
	op, err := c.ops.Resolve(context.Background(), name, apiVersion)
	if err != nil {
		t.Fatalf("resolve(%q, %q): %v", name, apiVersion, err)
	}
	return op
}

func wantRequests(t *testing.T, s *opsServer, want ...string) {
	t.Helper()
	got := s.requests()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("requests = %q, want %q", got, want)
	}
}

// TestOpsResolveColdWarm: the client's index fetches through the client
// and caches in the client's folder for the server, <dir>/<host>/openapi.
func TestOpsResolveColdWarm(t *testing.T) {
	s := newOpsServer(t)
	dir := t.TempDir()
	c := s.client(dir)
	op := opsResolve(t, c, "createCoreV1NamespacedPod", "")
	wantRequests(t, s, "/openapi/v3", "/openapi/v3/api/v1")
	if op.ID != "createCoreV1NamespacedPod" || op.ShortID != "createNamespacedPod" || op.GroupVersion != "v1" ||
		op.Group != "" || op.Version != "v1" || op.Kind != "Pod" || op.Action != "post" || op.Method != "POST" ||
		op.Path != "/api/v1/namespaces/{namespace}/pods" || op.ResponseKind != "Pod" || op.Streaming ||
		op.Description != "create a Pod" {
		t.Errorf("op = %+v", op)
	}
	if again := opsResolve(t, c, "createCoreV1NamespacedPod", ""); again != op {
		t.Error("a second resolve gave another Operation")
	}
	opsResolve(t, c, "createNamespacedPod", "v1")
	opsResolve(t, c, "readCoreV1NamespacedPodLog", "")
	wantRequests(t, s)

	// A new process on the same cache folder asks nothing.
	c2 := s.client(dir)
	if op := opsResolve(t, c2, "deleteCoreV1NamespacedPod", ""); op.Method != "DELETE" {
		t.Errorf("op = %+v", op)
	}
	wantRequests(t, s)

	// Files: the root and the document under its hash, private.
	var names []string
	entries, _ := os.ReadDir(filepath.Join(dir, hostFolder(s.URL), "openapi"))
	for _, e := range entries {
		names = append(names, e.Name())
		if info, err := e.Info(); err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, %v", e.Name(), info.Mode(), err)
		}
	}
	if len(names) != 2 || !slices.Contains(names, "root.json") {
		t.Errorf("cache files = %q", names)
	}
}
