package kobj

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// opsServer serves the saved documents and counts the requests it gets.
type opsServer struct {
	t    testing.TB
	srv  *httptest.Server
	docs map[string][]byte // by URL path

	mu     sync.Mutex
	root   map[string]string // key → serverRelativeURL, as served now
	hits   []string
	block  chan struct{} // when set, document requests wait for it
	hidden map[string]bool
	// calls records the requests outside discovery and OpenAPI, answered
	// with answer (or 200 and the request body when answer is nil).
	calls  []recordedCall
	answer func(w http.ResponseWriter, r *http.Request, body []byte)
}

// recordedCall is what the server saw of one operation request.
type recordedCall struct {
	Method, Path, Query, ContentType, Body string
}

func newOpsServer(t testing.TB, hide ...string) *opsServer {
	s := &opsServer{t: t, docs: map[string][]byte{}, hidden: map[string]bool{}}
	var root struct {
		Paths map[string]struct {
			URL string `json:"serverRelativeURL"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(opsTestdata(t, "root.json"), &root); err != nil {
		t.Fatal(err)
	}
	s.root = map[string]string{}
	for key, p := range root.Paths {
		s.root[key] = p.URL
		s.docs["/openapi/v3/"+key] = opsTestdata(t, strings.ReplaceAll(key, "/", "_")+".json.gz")
	}
	for _, k := range hide {
		s.hidden[k] = true
	}
	s.docs["/api"] = opsTestdata(t, "discovery_api.json.gz")
	s.docs["/apis"] = opsTestdata(t, "discovery_apis.json.gz")
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *opsServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	block := s.block
	paths := map[string]any{}
	for k, u := range s.root {
		if !s.hidden[k] {
			paths[k] = map[string]string{"serverRelativeURL": u}
		}
	}
	s.mu.Unlock()
	switch {
	case r.URL.Path == "/openapi/v3":
		json.NewEncoder(w).Encode(map[string]any{"paths": paths})
	case r.URL.Path == "/api" || r.URL.Path == "/apis":
		w.Header().Set("Content-Type", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
		w.Write(s.docs[r.URL.Path])
	case s.docs[r.URL.Path] != nil:
		if block != nil {
			<-block
		}
		w.Header().Set("Etag", `"`+r.URL.Query().Get("hash")+`"`)
		w.Write(s.docs[r.URL.Path])
	default:
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
}

func (s *opsServer) show(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.hidden, key)
}

// requests returns the requests served since the last call.
func (s *opsServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hits
	s.hits = nil
	return h
}

func (s *opsServer) client(dir string) *Client {
	s.t.Helper()
	c, err := NewClient(&rest.Config{
		Host: s.srv.URL,
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
	c.s.mu.Lock()
	c.s.hits = append(c.s.hits, r.URL.Path)
	c.s.mu.Unlock()
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
	entries, _ := os.ReadDir(filepath.Join(dir, hostFolder(s.srv.URL), "openapi"))
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
