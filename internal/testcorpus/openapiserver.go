package testcorpus

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// OpenAPIServer serves the saved OpenAPI v3 documents and aggregated
// discovery (see OpenAPI) over httptest, as a kube-apiserver v1.37.2
// would, and records what it is asked. Documents can be hidden from the
// /openapi/v3 root list and shown later (a CRD installed while a client
// runs),.
type OpenAPIServer struct {
	URL string

	docs map[string][]byte // by URL path

	mu     sync.Mutex
	root   map[string]string // key → serverRelativeURL, as served now
	hits   []string
	hidden map[string]bool
	block  chan struct{}
	other  http.HandlerFunc
}

// NewOpenAPIServer starts the server, with the documents of hide left out
// of the root list; it stops when tb's test ends. Requests for other paths
// go to other, or are answered 404 when other is nil.
func NewOpenAPIServer(tb testing.TB, other http.HandlerFunc, hide ...string) *OpenAPIServer {
	tb.Helper()
	s := &OpenAPIServer{docs: map[string][]byte{}, hidden: map[string]bool{}, other: other}
	var root struct {
		Paths map[string]struct {
			URL string `json:"serverRelativeURL"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(mustOpenAPI(tb, "root.json"), &root); err != nil {
		tb.Fatal(err)
	}
	s.root = map[string]string{}
	for key, p := range root.Paths {
		s.root[key] = p.URL
		s.docs["/openapi/v3/"+key] = mustOpenAPI(tb, strings.ReplaceAll(key, "/", "_")+".json.gz")
	}
	for _, k := range hide {
		s.hidden[k] = true
	}
	s.docs["/api"] = mustOpenAPI(tb, "discovery_api.json.gz")
	s.docs["/apis"] = mustOpenAPI(tb, "discovery_apis.json.gz")
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

func mustOpenAPI(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := OpenAPI(name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func (s *OpenAPIServer) serve(w http.ResponseWriter, r *http.Request) {
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
	case s.other != nil:
		s.other(w, r)
	default:
		http.NotFound(w, r)
	}
}

// Show puts the document of key back into the root list.
func (s *OpenAPIServer) Show(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.hidden, key)
}

// Hold makes document requests wait until release is closed.
func (s *OpenAPIServer) Hold(release chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.block = release
}

// Hit records a request path; a client's counting transport calls it.
func (s *OpenAPIServer) Hit(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits = append(s.hits, path)
}

// Requests returns the paths recorded by Hit since the last call.
func (s *OpenAPIServer) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hits
	s.hits = nil
	return h
}
