package kobj_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/internal/testcorpus"
	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// fakeAPI is a small in-memory API server for request-shape tests: real
// discovery and OpenAPI documents (recorded from a kube-apiserver, in
// testdata/openapi) plus one custom group, example.com/v1, serving the
// kinds Widget and AllowList; objects live in a map by path; writes bump a
// resourceVersion; a merge patch carrying a stale resourceVersion is a
// Conflict. Every request is recorded. A test may serve some requests
// itself with intercept, or serve below a path prefix.
type fakeAPI struct {
	t      testing.TB
	srv    *httptest.Server
	prefix string // every request must start with it; it is cut before serving

	mu        sync.Mutex
	log       []recorded
	objects   map[string]map[string]any // by object path
	rv        int
	intercept func(w http.ResponseWriter, r *recorded) bool // true: served
	docs      map[string][]byte
}

// recorded is one request as the server saw it, below the prefix.
type recorded struct {
	Method, Path, Query, ContentType, Body string
}

func newFakeAPI(t testing.TB, prefix string) *fakeAPI {
	t.Helper()
	f := &fakeAPI{t: t, prefix: prefix, objects: map[string]map[string]any{}, docs: map[string][]byte{}}
	var root struct {
		Paths map[string]struct {
			URL string `json:"serverRelativeURL"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(testdata(t, "root.json"), &root); err != nil {
		t.Fatal(err)
	}
	for key := range root.Paths {
		if data, err := readTestdata(strings.ReplaceAll(key, "/", "_") + ".json.gz"); err == nil {
			f.docs["/openapi/v3/"+key] = data
		}
	}
	f.docs["/openapi/v3"] = testdata(t, "root.json")
	f.docs["/api"] = testdata(t, "discovery_api.json.gz")
	var apis apidiscoveryv2.APIGroupDiscoveryList
	if err := json.Unmarshal(testdata(t, "discovery_apis.json.gz"), &apis); err != nil {
		t.Fatal(err)
	}
	resource := func(kind, plural string) apidiscoveryv2.APIResourceDiscovery {
		return apidiscoveryv2.APIResourceDiscovery{Resource: plural, ResponseKind: &metav1.GroupVersionKind{Group: "example.com", Version: "v1", Kind: kind},
			Scope: apidiscoveryv2.ScopeNamespace, Verbs: []string{"create", "delete", "get", "list", "patch", "update", "watch"}}
	}
	apis.Items = append(apis.Items, apidiscoveryv2.APIGroupDiscovery{
		ObjectMeta: metav1.ObjectMeta{Name: "example.com"},
		Versions: []apidiscoveryv2.APIVersionDiscovery{{Version: "v1", Freshness: apidiscoveryv2.DiscoveryFreshnessCurrent,
			Resources: []apidiscoveryv2.APIResourceDiscovery{resource("Widget", "widgets"), resource("AllowList", "allowlists")}}},
	})
	f.docs["/apis"], _ = json.Marshal(apis)
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func testdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := readTestdata(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func readTestdata(name string) ([]byte, error) { return testcorpus.OpenAPI(name) }

// client returns a kobj client of the fake, caching nothing on disk.
func (f *fakeAPI) client(opts ...kobj.ClientOption) *kobj.Client {
	f.t.Helper()
	c, err := kobj.NewClient(&rest.Config{Host: f.srv.URL + f.prefix}, append([]kobj.ClientOption{kobj.CacheDir("")}, opts...)...)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// requests returns the requests since the last call, discovery and
// OpenAPI documents left out, and forgets them.
func (f *fakeAPI) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []recorded
	for _, r := range f.log {
		if r.Path != "/api" && r.Path != "/apis" && !strings.HasPrefix(r.Path, "/openapi/") {
			out = append(out, r)
		}
	}
	f.log = nil
	return out
}

// put stores an object as if created, and returns its resourceVersion.
func (f *fakeAPI) put(path string, obj map[string]any) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.store(path, obj)
}

func (f *fakeAPI) store(path string, obj map[string]any) string {
	f.rv++
	md, _ := obj["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
		obj["metadata"] = md
	}
	md["resourceVersion"] = strconv.Itoa(f.rv)
	if md["uid"] == nil {
		md["uid"] = fmt.Sprintf("uid-%d", f.rv)
	}
	f.objects[path] = obj
	return md["resourceVersion"].(string)
}

func (f *fakeAPI) serve(w http.ResponseWriter, hr *http.Request) {
	body, _ := io.ReadAll(hr.Body)
	path, ok := strings.CutPrefix(hr.URL.Path, f.prefix)
	if !ok {
		http.Error(w, "no prefix "+f.prefix, http.StatusNotFound)
		return
	}
	r := recorded{Method: hr.Method, Path: path, Query: hr.URL.RawQuery, ContentType: hr.Header.Get("Content-Type"), Body: string(body)}
	f.mu.Lock()
	f.log = append(f.log, r)
	intercept := f.intercept
	f.mu.Unlock()
	if intercept != nil && intercept(w, &r) {
		return
	}
	f.mu.Lock()
	doc, ok := f.docs[path]
	f.mu.Unlock()
	if ok {
		if path == "/api" || path == "/apis" {
			w.Header().Set("Content-Type", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
		}
		w.Write(doc)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.crud(w, r)
}

// crud serves an object or collection path from the map.
func (f *fakeAPI) crud(w http.ResponseWriter, r recorded) {
	obj := f.objects[r.Path]
	switch r.Method {
	case "GET":
		if obj != nil {
			writeJSON(w, 200, obj)
			return
		}
		var items []any
		for p, o := range f.objects {
			if dir, _ := splitLast(p); dir == r.Path {
				items = append(items, o)
			}
		}
		if items == nil && !strings.HasSuffix(r.Path, "s") {
			writeStatus(w, 404, "NotFound", r.Path+" not found")
			return
		}
		writeJSON(w, 200, map[string]any{"apiVersion": "v1", "kind": "List", "metadata": map[string]any{"resourceVersion": strconv.Itoa(f.rv)}, "items": items})
	case "POST":
		var m map[string]any
		if json.Unmarshal([]byte(r.Body), &m) != nil {
			writeStatus(w, 400, "BadRequest", "not JSON")
			return
		}
		md, _ := m["metadata"].(map[string]any)
		name, _ := md["name"].(string)
		if f.objects[r.Path+"/"+name] != nil {
			writeStatus(w, 409, "AlreadyExists", name+" already exists")
			return
		}
		if !strings.Contains(r.Query, "dryRun") {
			f.store(r.Path+"/"+name, m)
		}
		writeJSON(w, 201, m)
	case "PATCH":
		if obj == nil {
			writeStatus(w, 404, "NotFound", r.Path+" not found")
			return
		}
		var patch map[string]any
		if json.Unmarshal([]byte(r.Body), &patch) != nil {
			writeStatus(w, 400, "BadRequest", "not JSON")
			return
		}
		if md, _ := patch["metadata"].(map[string]any); md != nil && md["resourceVersion"] != nil &&
			md["resourceVersion"] != obj["metadata"].(map[string]any)["resourceVersion"] {
			writeStatus(w, 409, "Conflict", "the object has been modified")
			return
		}
		merged := mergePatch(deepCopy(obj), patch).(map[string]any)
		if !strings.Contains(r.Query, "dryRun") {
			f.store(r.Path, merged)
		}
		writeJSON(w, 200, merged)
	case "DELETE":
		if obj == nil {
			writeStatus(w, 404, "NotFound", r.Path+" not found")
			return
		}
		if !strings.Contains(r.Body, "dryRun") {
			delete(f.objects, r.Path)
		}
		writeJSON(w, 200, map[string]any{"apiVersion": "v1", "kind": "Status", "status": "Success"})
	}
}

func splitLast(p string) (string, string) {
	i := strings.LastIndex(p, "/")
	return p[:i], p[i+1:]
}

// mergePatch applies an RFC 7386 merge patch.
func mergePatch(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
		} else {
			tm[k] = mergePatch(tm[k], v)
		}
	}
	return tm
}

func deepCopy(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var c map[string]any
	json.Unmarshal(b, &c)
	return c
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeStatus(w http.ResponseWriter, code int, reason, msg string) {
	writeJSON(w, code, map[string]any{"apiVersion": "v1", "kind": "Status", "status": "Failure",
		"reason": reason, "message": msg, "code": code})
}
