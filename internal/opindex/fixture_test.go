package opindex

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kobj-dev/kobj/internal/cachekit"
	"github.com/kobj-dev/kobj/internal/discoveryindex"
	"github.com/kobj-dev/kobj/internal/testcorpus"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
)

// The documents under testdata/openapi were fetched from a kube-apiserver
// v1.37.2 (envtest) with a CRD widgets.stable.example.com/v1 installed:
// GET /openapi/v3 (root.json, trimmed to the saved documents), each
// document as <key with / as _>.json.gz, and aggregated discovery.

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
	discs  map[string]*cachekit.Snapshot[*discoveryindex.Index] // by cache folder
}

func newOpsServer(t testing.TB, hide ...string) *opsServer {
	s := &opsServer{t: t, docs: map[string][]byte{}, hidden: map[string]bool{}, discs: map[string]*cachekit.Snapshot[*discoveryindex.Index]{}}
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
		http.NotFound(w, r)
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

// testClient is what the index sees of a client: its documents fetched
// through the counted transport, its discovery loaded once, as the
// client's discovery cache serves it.
type testClient struct {
	ops  *Index
	disc *cachekit.Snapshot[*discoveryindex.Index]
}

func (c *testClient) resources(ctx context.Context) ([]*discoveryindex.Resource, error) {
	v, err := c.disc.Get(ctx, false, 0)
	if err != nil {
		return nil, err
	}
	return v.Value.All(), nil
}

// client returns an index of the server that caches its documents in dir
// ("" keeps them in memory).
func (s *opsServer) client(dir string) *testClient {
	s.t.Helper()
	hc := &http.Client{Transport: opsCounter{http.DefaultTransport, s}}
	dc, err := discovery.NewDiscoveryClientForConfigAndClient(&rest.Config{Host: s.srv.URL}, hc)
	if err != nil {
		s.t.Fatal(err)
	}
	// Clients on one cache folder share their discovery, as the client's
	// discovery cache on disk does.
	s.mu.Lock()
	disc := s.discs[dir]
	if disc == nil || dir == "" {
		disc = cachekit.NewSnapshot(func(ctx context.Context, _ bool) (*discoveryindex.Index, bool, error) {
			a, err := discoveryindex.Fetch(ctx, dc, time.Now())
			if err != nil {
				return nil, false, err
			}
			return discoveryindex.New(a), true, nil
		})
		s.discs[dir] = disc
	}
	s.mu.Unlock()
	c := &testClient{disc: disc}
	c.ops = New(Config{
		Get: func(ctx context.Context, path string, query url.Values) ([]byte, http.Header, error) {
			u := s.srv.URL + path
			if query != nil {
				u += "?" + query.Encode()
			}
			req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
			if err != nil {
				return nil, nil, err
			}
			resp, err := hc.Do(req)
			if err != nil {
				return nil, nil, err
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			switch {
			case err != nil:
				return nil, nil, err
			case resp.StatusCode == http.StatusNotFound:
				return nil, nil, apierrors.NewNotFound(schema.GroupResource{}, path)
			case resp.StatusCode/100 != 2:
				return nil, nil, fmt.Errorf("status %d", resp.StatusCode)
			}
			return body, resp.Header, nil
		},
		Resources: c.resources,
		Unknown: func(name string, suggestions []string) error {
			return &UnknownOperationError{Name: name, Suggestions: suggestions}
		},
		Ambiguous: func(name string, candidates []string) error {
			return &AmbiguousOperationError{Name: name, Candidates: candidates}
		},
		Dir: cachekit.NewDir(dir),
	})
	return c
}

// UnknownOperationError and AmbiguousOperationError are the root's error
// types, which the index builds through Config.
type UnknownOperationError struct {
	Name        string
	Suggestions []string
}

func (e *UnknownOperationError) Error() string {
	msg := fmt.Sprintf("the server has no operation %q", e.Name)
	if len(e.Suggestions) > 0 {
		msg += "; did you mean " + strings.Join(e.Suggestions, ", ") + "?"
	}
	return msg
}

type AmbiguousOperationError struct {
	Name       string
	Candidates []string
}

func (e *AmbiguousOperationError) Error() string {
	return fmt.Sprintf("operation %q is defined in several group-versions: %s; call one of these or give the apiVersion",
		e.Name, strings.Join(e.Candidates, ", "))
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

func opsResolve(t *testing.T, c *testClient, name, apiVersion string) *Operation {
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
