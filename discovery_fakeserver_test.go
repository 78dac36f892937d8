package kobj

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"

	"github.com/kobj-dev/kobj/internal/cachekit"
	"github.com/kobj-dev/kobj/internal/discoveryindex"
)

// The aggregated documents below are shaped like a real 1.3x apiserver's.
const (
	aggregatedV2      = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
	aggregatedV2beta1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"

	coreAggregated = `{"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2","metadata":{},"items":[
 {"metadata":{"creationTimestamp":null},"versions":[{"version":"v1","freshness":"Current","resources":[
  {"resource":"pods","responseKind":{"group":"","version":"v1","kind":"Pod"},"scope":"Namespaced","singularResource":"pod",
   "verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["po"],"categories":["all"],
   "subresources":[
    {"subresource":"status","responseKind":{"group":"","version":"v1","kind":"Pod"},"verbs":["get","patch","update"]},
    {"subresource":"eviction","responseKind":{"group":"policy","version":"v1","kind":"Eviction"},"verbs":["create"]},
    {"subresource":"binding","responseKind":{"group":"","version":"v1","kind":"Binding"},"verbs":["create"]},
    {"subresource":"log","responseKind":{"group":"","version":"v1","kind":"Pod"},"verbs":["get"]}]},
  {"resource":"namespaces","responseKind":{"group":"","version":"v1","kind":"Namespace"},"scope":"Cluster","singularResource":"namespace",
   "verbs":["create","delete","get","list","patch","update","watch"],"shortNames":["ns"]},
  {"resource":"componentstatuses","responseKind":{"group":"","version":"v1","kind":"ComponentStatus"},"scope":"Cluster",
   "singularResource":"componentstatus","verbs":["get","list"],"shortNames":["cs"]}]}]}]}`

	// The first %s is where extra example.com/v1 resources go, the second
	// where extra example.com versions go.
	appsAggregated = `{"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2","metadata":{},"items":[
 {"metadata":{"name":"apps","creationTimestamp":null},"versions":[{"version":"v1","freshness":"Current","resources":[
  {"resource":"deployments","responseKind":{"group":"apps","version":"v1","kind":"Deployment"},"scope":"Namespaced",
   "singularResource":"deployment","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],
   "shortNames":["deploy"],"categories":["all"],"subresources":[
    {"subresource":"scale","responseKind":{"group":"autoscaling","version":"v1","kind":"Scale"},"verbs":["get","patch","update"]},
    {"subresource":"status","responseKind":{"group":"apps","version":"v1","kind":"Deployment"},"verbs":["get","patch","update"]}]},
  {"resource":"daemonsets","responseKind":{"group":"apps","version":"v1","kind":"DaemonSet"},"scope":"Namespaced",
   "singularResource":"daemonset","verbs":["create","delete","deletecollection","get","list","patch","update","watch"]}]}]},
 {"metadata":{"name":"example.com","creationTimestamp":null},"versions":[{"version":"v1","freshness":"Current","resources":[
  {"resource":"widgets","responseKind":{"group":"example.com","version":"v1","kind":"Widget"},"scope":"Namespaced",
   "singularResource":"widget","verbs":["delete","deletecollection","get","list","patch","create","update","watch"]}%s]}%s]}]}`
	gadgetAggregated = `,
  {"resource":"gadgets","responseKind":{"group":"example.com","version":"v1","kind":"Gadget"},"scope":"Cluster",
   "singularResource":"gadget","verbs":["get","list"]}`

	// Legacy discovery, as servers before aggregated discovery answer it.
	coreVersions = `{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"10.0.0.1:6443"}]}`
	groupList    = `{"kind":"APIGroupList","apiVersion":"v1","groups":[
 {"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],"preferredVersion":{"groupVersion":"apps/v1","version":"v1"}},
 {"name":"example.com","versions":[{"groupVersion":"example.com/v1","version":"v1"}%s],"preferredVersion":{"groupVersion":"example.com/v1","version":"v1"}}%s]}`
	metricsGroup = `,
 {"name":"metrics.k8s.io","versions":[{"groupVersion":"metrics.k8s.io/v1beta1","version":"v1beta1"}],"preferredVersion":{"groupVersion":"metrics.k8s.io/v1beta1","version":"v1beta1"}}`
	coreResources = `{"kind":"APIResourceList","groupVersion":"v1","resources":[
 {"name":"pods/status","singularName":"","namespaced":true,"kind":"Pod","verbs":["get","patch","update"]},
 {"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["po"]},
 {"name":"pods/eviction","singularName":"","namespaced":true,"group":"policy","version":"v1","kind":"Eviction","verbs":["create"]},
 {"name":"pods/binding","singularName":"","namespaced":true,"kind":"Binding","verbs":["create"]},
 {"name":"pods/log","singularName":"","namespaced":true,"kind":"Pod","verbs":["get"]},
 {"name":"namespaces","singularName":"namespace","namespaced":false,"kind":"Namespace","verbs":["create","delete","get","list","patch","update","watch"]},
 {"name":"componentstatuses","singularName":"componentstatus","namespaced":false,"kind":"ComponentStatus","verbs":["get","list"]}]}`
	appsResources = `{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"apps/v1","resources":[
 {"name":"deployments","singularName":"deployment","namespaced":true,"kind":"Deployment","verbs":["create","delete","deletecollection","get","list","patch","update","watch"]},
 {"name":"deployments/scale","singularName":"","namespaced":true,"group":"autoscaling","version":"v1","kind":"Scale","verbs":["get","patch","update"]},
 {"name":"deployments/status","singularName":"","namespaced":true,"kind":"Deployment","verbs":["get","patch","update"]},
 {"name":"daemonsets","singularName":"daemonset","namespaced":true,"kind":"DaemonSet","verbs":["get","list"]}]}`
	widgetResources = `{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"example.com/v1","resources":[
 {"name":"widgets","singularName":"widget","namespaced":true,"kind":"Widget","verbs":["delete","deletecollection","get","list","patch","create","update","watch"]}%s]}`
	gadgetLegacy = `,
 {"name":"gadgets","singularName":"gadget","namespaced":false,"kind":"Gadget","verbs":["get","list"]}`
)

// exampleV2Aggregated and exampleV2Legacy serve Widget in example.com/v2
// too, once the fake server publishes it.
const (
	exampleV2Aggregated = `,
 {"version":"v2","freshness":"Current","resources":[
  {"resource":"widgets","responseKind":{"group":"example.com","version":"v2","kind":"Widget"},"scope":"Namespaced",
   "singularResource":"widget","verbs":["get","list"]}]}`
	exampleV2Version = `,{"groupVersion":"example.com/v2","version":"v2"}`
	exampleV2Legacy  = `{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"example.com/v2","resources":[
 {"name":"widgets","singularName":"widget","namespaced":true,"kind":"Widget","verbs":["get","list"]}]}`
)

// fakeAPIServer serves discovery in one of three formats, negotiated as a
// real server does: an aggregated format only to a client that asks for it.
type fakeAPIServer struct {
	t      *testing.T
	format string      // aggregatedV2, aggregatedV2beta1 or "legacy"
	gadget atomic.Bool // example.com/v1 also serves Gadget
	broken bool        // legacy: list metrics.k8s.io/v1beta1, whose lists fail
	noCore bool        // answer 404 on /api, as aggregated API servers do
	fail   atomic.Bool // answer 503 to everything

	// apiServices are the APIService names ("v2.example.com") that exist
	// besides those of the groups served; publishV2 is the number of GET
	// /apis after which example.com/v2 is served (0: never).
	apiServices []string
	publishV2   int64
	apisGets    atomic.Int64
	forbidden   bool // APIServices may not be read

	mu   sync.Mutex
	gate chan struct{} // when set, answers wait for release
}

// hold makes the server answer only after release, with its state at the
// time of the request.
func (s *fakeAPIServer) hold() { s.mu.Lock(); s.gate = make(chan struct{}); s.mu.Unlock() }

func (s *fakeAPIServer) release() { s.mu.Lock(); close(s.gate); s.gate = nil; s.mu.Unlock() }

func (s *fakeAPIServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	extra := map[bool][2]string{true: {gadgetAggregated, gadgetLegacy}}[s.gadget.Load()]
	if r.URL.Path == "/apis" {
		s.apisGets.Add(1)
	}
	v2 := s.publishV2 > 0 && s.apisGets.Load() >= s.publishV2
	s.mu.Lock()
	gate := s.gate
	s.mu.Unlock()
	if gate != nil {
		<-gate
	}
	if s.fail.Load() {
		http.Error(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"ServiceUnavailable","code":503}`, http.StatusServiceUnavailable)
		return
	}
	if name, ok := strings.CutPrefix(r.URL.Path, "/apis/apiregistration.k8s.io/v1/apiservices/"); ok {
		if s.forbidden {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403}`)
			return
		}
		if !slices.Contains(s.apiServices, name) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"kind":"APIService","apiVersion":"apiregistration.k8s.io/v1","metadata":{"name":%q}}`, name)
		return
	}
	if r.URL.Path == "/api" && s.noCore {
		http.NotFound(w, r)
		return
	}
	accept := r.Header.Get("Accept")
	if (r.URL.Path == "/api" || r.URL.Path == "/apis") && !strings.Contains(accept, aggregatedV2) {
		s.t.Errorf("GET %s: Accept %q does not ask for aggregated discovery", r.URL.Path, accept)
	}
	if s.format != "legacy" && strings.Contains(accept, s.format) {
		v2Version := map[bool]string{true: exampleV2Aggregated}[v2]
		body, ok := map[string]string{"/api": coreAggregated, "/apis": fmt.Sprintf(appsAggregated, extra[0], v2Version)}[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", s.format)
		io.WriteString(w, body)
		return
	}
	var groups, versions string
	if s.broken {
		groups = metricsGroup
	}
	if v2 {
		versions = exampleV2Version
	}
	body, ok := map[string]string{
		"/api": coreVersions, "/apis": fmt.Sprintf(groupList, versions, groups), "/api/v1": coreResources,
		"/apis/apps/v1": appsResources, "/apis/example.com/v1": fmt.Sprintf(widgetResources, extra[1]),
		"/apis/example.com/v2": exampleV2Legacy,
	}[r.URL.Path]
	if !ok {
		http.Error(w, `{"kind":"Status","status":"Failure","code":503}`, http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, body)
}

// countingTransport counts requests per path.
type countingTransport struct {
	base   http.Transport
	counts sync.Map // path → *atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	n, _ := c.counts.LoadOrStore(r.URL.Path, new(atomic.Int64))
	n.(*atomic.Int64).Add(1)
	return c.base.RoundTrip(r)
}

// pending returns the requests since the last take.
func (c *countingTransport) pending() (total int64) {
	c.counts.Range(func(_, v any) bool { total += v.(*atomic.Int64).Load(); return true })
	return total
}

// take returns the requests per path since the last take, and their total.
func (c *countingTransport) take() (map[string]int64, int64) {
	per, total := map[string]int64{}, int64(0)
	c.counts.Range(func(k, v any) bool {
		if n := v.(*atomic.Int64).Swap(0); n > 0 {
			per[k.(string)], total = n, total+n
		}
		return true
	})
	return per, total
}

type discoveryEnv struct {
	srv *fakeAPIServer
	rt  *countingTransport
	dc  *discovery.DiscoveryClient
	dir string
}

func newDiscoveryEnv(t *testing.T, format string) *discoveryEnv {
	t.Helper()
	e := &discoveryEnv{srv: &fakeAPIServer{t: t, format: format}, rt: &countingTransport{}, dir: filepath.Join(t.TempDir(), "host")}
	ts := httptest.NewServer(e.srv)
	t.Cleanup(func() { e.rt.base.CloseIdleConnections(); ts.Close() })
	dc, err := discovery.NewDiscoveryClientForConfigAndClient(&rest.Config{Host: ts.URL}, &http.Client{Transport: discoveryindex.AcceptV2Beta1(e.rt)}) // as NewClient does
	if err != nil {
		t.Fatal(err)
	}
	e.dc = dc
	return e
}

func (e *discoveryEnv) cache() *discoveryCache {
	return newDiscoveryCache(e.dc, cachekit.NewDir(e.dir), 0)
}

// expect checks the number of requests since the last check.
func (e *discoveryEnv) expect(t *testing.T, what string, want int64) {
	t.Helper()
	if per, got := e.rt.take(); got != want {
		t.Errorf("%s: %d requests %v, want %d", what, got, per, want)
	}
}
