package opindex

import (
	"context"
	"fmt"
	"io"
	"net/http"
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

// opsServer is testcorpus's OpenAPI server with the discovery snapshots
// of the clients made on it, by cache folder.
type opsServer struct {
	*testcorpus.OpenAPIServer
	t     testing.TB
	mu    sync.Mutex
	discs map[string]*cachekit.Snapshot[*discoveryindex.Index]
}

func newOpsServer(t testing.TB, hide ...string) *opsServer {
	return &opsServer{OpenAPIServer: testcorpus.NewOpenAPIServer(t, nil, hide...), t: t,
		discs: map[string]*cachekit.Snapshot[*discoveryindex.Index]{}}
}

func (s *opsServer) show(key string) { s.Show(key) }

// requests returns the requests served since the last call.
func (s *opsServer) requests() []string { return s.Requests() }

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
	dc, err := discovery.NewDiscoveryClientForConfigAndClient(&rest.Config{Host: s.URL}, hc)
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
			u := s.URL + path
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
	c.s.Hit(r.URL.Path)
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
