package kobj

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kobj-dev/kobj/internal/cachekit"
	"github.com/kobj-dev/kobj/internal/discoveryindex"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
)

func mustLookup(t *testing.T, d *discoveryCache, apiVersion, kind string) *resourceInfo {
	t.Helper()
	r, err := d.lookup(context.Background(), apiVersion, kind)
	if err != nil {
		t.Fatalf("lookup(%s, %s): %v", apiVersion, kind, err)
	}
	return r
}

func TestDiscoveryLookupFormats(t *testing.T) {
	allVerbs := []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
	kinds := []struct {
		apiVersion, kind, resource string
		namespaced                 bool
		can, cannot                string
		subs                       []string // name:kind
	}{
		{"v1", "Pod", "pods", true, "watch", "", []string{"status:Pod", "eviction:Eviction", "binding:Binding", "log:Pod"}},
		{"v1", "Namespace", "namespaces", false, "create", "deletecollection", nil},
		{"v1", "ComponentStatus", "componentstatuses", false, "list", "create", nil},
		{"apps/v1", "Deployment", "deployments", true, "deletecollection", "", []string{"scale:Scale", "status:Deployment"}},
		{"example.com/v1", "Widget", "widgets", true, "update", "", nil},
	}
	for _, f := range []struct {
		name, format string
		cold         int64
	}{
		{"aggregated v2", aggregatedV2, 2},
		// client-go asks for v2 only; kobj's transport asks for v2beta1
		// too, so a 1.26-1.29 server answers in two requests, not one per
		// group-version.
		{"aggregated v2beta1", aggregatedV2beta1, 2},
		{"legacy", "legacy", 5}, // /api, /apis, then /api/v1, /apis/apps/v1, /apis/example.com/v1
	} {
		t.Run(f.name, func(t *testing.T) {
			e := newDiscoveryEnv(t, f.format)
			d := e.cache()
			mustLookup(t, d, "v1", "Pod")
			e.expect(t, "cold lookup", f.cold)
			for _, k := range kinds {
				r := mustLookup(t, d, k.apiVersion, k.kind)
				if r.APIVersion() != k.apiVersion || r.Kind != k.kind || r.Resource != k.resource || r.Namespaced != k.namespaced {
					t.Errorf("%s %s: got %s %s %s namespaced=%v", k.apiVersion, k.kind, r.APIVersion(), r.Kind, r.Resource, r.Namespaced)
				}
				if !r.Has(k.can) || k.cannot != "" && r.Has(k.cannot) {
					t.Errorf("%s: verbs %v, want %s and not %q", k.kind, r.Verbs, k.can, k.cannot)
				}
				var subs []string
				for _, s := range r.Subresources {
					subs = append(subs, s.Name+":"+s.Kind)
				}
				if !slices.Equal(subs, k.subs) {
					t.Errorf("%s subresources %v, want %v", k.kind, subs, k.subs)
				}
			}
			if r := mustLookup(t, d, "v1", "Pod"); !slices.Equal(r.Verbs, allVerbs) ||
				!slices.Equal(r.Subresources[0].Verbs, []string{"get", "patch", "update"}) {
				t.Errorf("Pod: %+v", r)
			}
			e.expect(t, "warm lookups, same cache", 0)
			mustLookup(t, e.cache(), "apps/v1", "Deployment")
			e.expect(t, "new cache on the same dir", 0)
			all, err := e.cache().resources(context.Background())
			if err != nil || len(all) != 6 {
				t.Errorf("resources: %d, %v; want 6", len(all), err)
			}
			e.expect(t, "resources from disk", 0)
		})
	}
}

func TestDiscoveryDiskFiles(t *testing.T) {
	e := newDiscoveryEnv(t, aggregatedV2)
	mustLookup(t, e.cache(), "v1", "Pod")
	e.expect(t, "cold", 2)
	for path, want := range map[string]os.FileMode{e.dir: 0o700 | os.ModeDir, filepath.Join(e.dir, discoveryFileName): 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode() != want {
			t.Errorf("%s: %v %v, want %v", path, fi.Mode(), err, want)
		}
	}
	if tmp, _ := filepath.Glob(filepath.Join(e.dir, ".tmp-*")); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	d := e.cache()
	mustLookup(t, d, "v1", "Pod")
	e.expect(t, "from disk", 0)
	d.invalidate()
	if _, err := os.Stat(filepath.Join(e.dir, discoveryFileName)); !os.IsNotExist(err) {
		t.Errorf("invalidate left the disk file: %v", err)
	}
	mustLookup(t, d, "v1", "Pod")
	e.expect(t, "after invalidate, same cache", 2)

	off := newDiscoveryCache(e.dc, nil, 0) // no disk copy
	mustLookup(t, off, "v1", "Pod")
	mustLookup(t, off, "v1", "Pod")
	e.expect(t, "without a disk cache", 2)
}

func TestDiscoveryMissRefetches(t *testing.T) {
	e := newDiscoveryEnv(t, aggregatedV2)
	d := e.cache()
	mustLookup(t, d, "example.com/v1", "Widget")
	e.expect(t, "cold", 2)

	e.srv.gadget.Store(true) // a CRD gains a kind after we cached discovery
	if r := mustLookup(t, d, "example.com/v1", "Gadget"); r.Resource != "gadgets" || r.Namespaced {
		t.Errorf("Gadget: %+v", r)
	}
	e.expect(t, "miss, then served", 2)
	mustLookup(t, d, "example.com/v1", "Gadget")
	mustLookup(t, e.cache(), "example.com/v1", "Gadget")
	e.expect(t, "after the refetch, same cache and new cache", 0)
}

func TestDiscoveryMissDoesNotTrustAnOlderFetch(t *testing.T) {
	e := newDiscoveryEnv(t, aggregatedV2)
	d := e.cache()
	mustLookup(t, d, "v1", "Pod")
	e.expect(t, "cold", 2)

	e.srv.hold()
	older := make(chan error)
	go func() { _, err := d.lookup(context.Background(), "v1", "Frobnicator"); older <- err }()
	for e.rt.pending() < 1 { // the older refetch has asked; the server answers /api without Gadget
		time.Sleep(time.Millisecond)
	}
	e.srv.gadget.Store(true)
	newer := make(chan error)
	go func() { _, err := d.lookup(context.Background(), "example.com/v1", "Gadget"); newer <- err }()
	time.Sleep(50 * time.Millisecond) // let the Gadget lookup join the refetch in flight
	e.srv.release()
	if err := <-older; err == nil {
		t.Error("Frobnicator: no error")
	}
	if err := <-newer; err != nil {
		t.Errorf("Gadget: %v", err)
	}
	e.expect(t, "two refetches", 4)
}

func TestDiscoveryUnknownKind(t *testing.T) {
	// A miss in a served group-version refetches once (2 requests); a
	// group-version the server does not list costs one more request, for
	// its APIService, which does not exist: no waiting (3 requests).
	tests := []struct {
		apiVersion, kind, want string
		requests               int64
	}{
		{"apps/v1", "Deploymnet", `the server has no kind "Deploymnet" in apps/v1; did you mean Deployment?`, 2},
		{"apps/v1", "deployment", `the server has no kind "deployment" in apps/v1; did you mean Deployment?`, 2},
		{"extensions/v1beta1", "Deployment", `the server has no kind "Deployment" in extensions/v1beta1; Deployment is served in apps/v1`, 3},
		{"example.com/v2", "Widget", `the server has no kind "Widget" in example.com/v2; Widget is served in example.com/v1`, 3},
		{"apps/v1", "DeploymentList", `the server has no kind "DeploymentList" in apps/v1`, 2},
		{"v1", "Frobnicator", `the server has no kind "Frobnicator" in v1`, 2},
	}
	e := newDiscoveryEnv(t, aggregatedV2)
	d := e.cache()
	mustLookup(t, d, "v1", "Pod")
	e.expect(t, "cold", 2)
	for _, tt := range tests {
		_, err := d.lookup(context.Background(), tt.apiVersion, tt.kind)
		var uk *UnknownKindError
		if !errors.As(err, &uk) || uk.APIVersion != tt.apiVersion || uk.Kind != tt.kind {
			t.Fatalf("lookup(%s, %s): %v, want *UnknownKindError", tt.apiVersion, tt.kind, err)
		}
		if err.Error() != tt.want {
			t.Errorf("got  %s\nwant %s", err, tt.want)
		}
		e.expect(t, "warm miss of "+tt.apiVersion+" "+tt.kind, tt.requests)
	}

	// A cold miss is answered from the fetch it caused; a disk-warm miss is not trusted.
	dir := e.dir
	e.dir = filepath.Join(t.TempDir(), "other")
	if _, err := e.cache().lookup(context.Background(), "v1", "Frobnicator"); err == nil {
		t.Fatal("no error")
	}
	e.expect(t, "cold miss", 2)
	e.dir = dir
	if _, err := e.cache().lookup(context.Background(), "v1", "Frobnicator"); err == nil {
		t.Fatal("no error")
	}
	e.expect(t, "miss warm from disk", 2)
}

func TestDiscoveryConcurrentColdLookupsShareOneRound(t *testing.T) {
	e := newDiscoveryEnv(t, aggregatedV2)
	e.srv.hold()
	d := e.cache()
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, err := d.lookup(context.Background(), "apps/v1", "Deployment"); err != nil {
				t.Error(err)
			}
		})
	}
	for e.rt.pending() < 1 { // client-go asks for /api, then /apis
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let every lookup join the round in flight
	e.srv.release()
	wg.Wait()
	e.expect(t, "50 concurrent cold lookups", 2)
}

func TestDiscoveryConcurrentColdLookups(t *testing.T) {
	before := runtime.NumGoroutine()
	e := newDiscoveryEnv(t, aggregatedV2)
	e.srv.hold() // hold the fetch until every lookup waits on it
	d := e.cache()

	canceled, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error)
	// The first lookup starts the fetch, then gives up: the others must not care.
	go func() { _, err := d.lookup(canceled, "v1", "Pod"); gaveUp <- err }()
	for e.rt.pending() < 1 {
		time.Sleep(time.Millisecond)
	}
	kinds := [][2]string{{"v1", "Pod"}, {"v1", "Namespace"}, {"apps/v1", "Deployment"}, {"example.com/v1", "Widget"}}
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Go(func() {
			k := kinds[i%len(kinds)]
			if r, err := d.lookup(context.Background(), k[0], k[1]); err != nil || r.Kind != k[1] {
				errs <- fmt.Errorf("lookup %v: %v, %v", k, r, err)
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Errorf("canceled waiter: %v, want context.Canceled", err)
	}
	e.srv.release() // the fetch goes on for the others
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// The round the canceled caller started ends with it, after /api; the
	// 50 share one more.
	e.expect(t, "50 concurrent cold lookups after their first starter gave up", 3)

	e.rt.base.CloseIdleConnections()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) { // +2: the test server
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+2 {
		t.Errorf("goroutines: %d before, %d after", before, n)
	}
}

func TestDiscoveryTTL(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	e := newDiscoveryEnv(t, aggregatedV2)
	at := func(ttl, after time.Duration) *discoveryCache {
		d := newDiscoveryCache(e.dc, cachekit.NewDir(e.dir), ttl)
		d.now = func() time.Time { return t0.Add(after) }
		return d
	}
	for _, tt := range []struct {
		name       string
		ttl, after time.Duration
		want       int64
	}{
		{"default ttl, 5h later", 0, 5 * time.Hour, 0},
		{"default ttl, 6h later", 0, 6 * time.Hour, 2},
		{"1m ttl, 2m later", time.Minute, 2 * time.Minute, 2},
		{"written in the future", 0, -time.Hour, 2},
	} {
		// A refetch rewrites the file with its own time: start each case afresh.
		e.dir = filepath.Join(t.TempDir(), "host")
		mustLookup(t, at(0, 0), "v1", "Pod")
		e.expect(t, "writing the disk copy", 2)
		mustLookup(t, at(tt.ttl, tt.after), "v1", "Pod")
		e.expect(t, tt.name, tt.want)
	}
}

func TestDiscoveryCorruptDiskFile(t *testing.T) {
	valid := func(e *discoveryEnv) []byte {
		mustLookup(t, e.cache(), "v1", "Pod")
		data, err := os.ReadFile(filepath.Join(e.dir, discoveryFileName))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	for _, tt := range []struct {
		name    string
		corrupt func(file string, data []byte) error
	}{
		{"garbage", func(f string, _ []byte) error { return os.WriteFile(f, []byte("\x00\xffnot json"), 0o600) }},
		{"empty", func(f string, _ []byte) error { return os.WriteFile(f, nil, 0o600) }},
		{"truncated", func(f string, data []byte) error { return os.WriteFile(f, data[:len(data)/2], 0o600) }},
		{"bad document", func(f string, _ []byte) error {
			bad := fmt.Sprintf(`{"fetched":%q,"groups":[{"name":"apps","versions":"no"}]}`, time.Now().Format(time.RFC3339))
			return os.WriteFile(f, []byte(bad), 0o600)
		}},
		{"a folder", func(f string, _ []byte) error { os.Remove(f); return os.Mkdir(f, 0o700) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newDiscoveryEnv(t, aggregatedV2)
			file := filepath.Join(e.dir, discoveryFileName)
			if err := tt.corrupt(file, valid(e)); err != nil {
				t.Fatal(err)
			}
			e.rt.take()
			mustLookup(t, e.cache(), "apps/v1", "Deployment")
			e.expect(t, "corrupt disk copy", 2)
			if tt.name != "a folder" {
				mustLookup(t, e.cache(), "apps/v1", "Deployment")
				e.expect(t, "rewritten disk copy", 0)
			}
		})
	}
}

func TestDiscoveryLegacyPartialFailure(t *testing.T) {
	e := newDiscoveryEnv(t, "legacy")
	e.srv.broken = true // metrics.k8s.io/v1beta1 is listed but its API server is down
	d := e.cache()
	mustLookup(t, d, "apps/v1", "Deployment")
	e.expect(t, "cold", 6)
	_, err := d.lookup(context.Background(), "metrics.k8s.io/v1beta1", "NodeMetrics")
	var uk *UnknownKindError
	if !errors.As(err, &uk) || !strings.Contains(err.Error(), "could not describe metrics.k8s.io/v1beta1") {
		t.Errorf("got %v", err)
	}
	e.expect(t, "miss of a group-version that failed: the refetch, no waiting", 6)
	mustLookup(t, e.cache(), "apps/v1", "Deployment")
	e.expect(t, "a partial answer is not written to disk", 6)
}

func TestDiscoveryFetchError(t *testing.T) {
	e := newDiscoveryEnv(t, aggregatedV2)
	d := e.cache()
	e.srv.fail.Store(true)
	if _, err := d.lookup(context.Background(), "v1", "Pod"); !apierrors.IsServiceUnavailable(err) {
		t.Errorf("got %v, want the server's error", err)
	}
	e.srv.fail.Store(false) // errors are not cached
	mustLookup(t, d, "v1", "Pod")
	e.rt.take()

	// A miss drops the disk copy even when the refetch fails, so that the
	// next process asks the server too.
	e.srv.fail.Store(true)
	if _, err := d.lookup(context.Background(), "v1", "Frobnicator"); !apierrors.IsServiceUnavailable(err) {
		t.Errorf("got %v, want the server's error", err)
	}
	mustLookup(t, d, "v1", "Pod") // the memory copy still answers
	e.srv.fail.Store(false)
	e.rt.take()
	mustLookup(t, e.cache(), "v1", "Pod")
	e.expect(t, "new cache after a failed refetch", 2)
}

func TestDiscoveryHotPathDoesNotAllocate(t *testing.T) {
	e := newDiscoveryEnv(t, aggregatedV2)
	d := e.cache()
	mustLookup(t, d, "apps/v1", "Deployment")
	ctx := context.Background()
	if n := testing.AllocsPerRun(1000, func() { d.lookup(ctx, "apps/v1", "Deployment") }); n != 0 {
		t.Errorf("%v allocations per warm lookup", n)
	}
}

func TestHostFolder(t *testing.T) {
	for host, want := range map[string]string{
		"https://10.0.0.1:6443":            "10.0.0.1_6443",
		"http://localhost:8080/":           "localhost_8080_",
		"my-cluster.example.com":           "my-cluster.example.com",
		"https://[::1]:6443":               "___1__6443",
		"https://api.example.com/k8s/clus": "api.example.com_k8s_clus",
		"..":                               "___",
		"":                                 "_",
	} {
		if got := hostFolder(host); got != want {
			t.Errorf("hostFolder(%q) = %q, want %q", host, got, want)
		}
	}
}

func TestDiscoveryWithoutCoreGroup(t *testing.T) {
	e := newDiscoveryEnv(t, aggregatedV2)
	e.srv.noCore = true // aggregated API servers answer 404 on /api
	d := e.cache()
	mustLookup(t, d, "apps/v1", "Deployment")
	var uk *UnknownKindError
	if _, err := d.lookup(context.Background(), "v1", "Pod"); !errors.As(err, &uk) {
		t.Errorf("Pod: %v, want *UnknownKindError", err)
	}
}

func TestDiscoveryWaitsOnlyForARegisteredGroupVersion(t *testing.T) {
	// A group-version missing from discovery whose APIService exists is a
	// CRD not yet published: fetch again after 100, 200, 400 and 800ms
	// until it is served.
	tests := []struct {
		name        string
		apiServices []string
		publishV2   int64 // GET /apis after which example.com/v2 is served
		forbidden   bool
		wantErr     bool
		requests    int64
	}{
		// The refetch (2), the APIService (1), one wait and fetch (2).
		{"published after one wait", []string{"v2.example.com"}, 3, false, false, 5},
		// The refetch (2), the APIService (1), four waits and fetches (8).
		{"registered, never published", []string{"v2.example.com"}, 0, false, true, 11},
		// The refetch (2), the APIService (1), which does not exist.
		{"not registered", []string{"v3.example.com"}, 3, false, true, 3},
		// The refetch (2), the APIService (1), which this user may not read.
		{"APIServices forbidden", []string{"v2.example.com"}, 3, true, true, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newDiscoveryEnv(t, aggregatedV2)
			e.srv.apiServices, e.srv.publishV2, e.srv.forbidden = tt.apiServices, tt.publishV2, tt.forbidden
			d := e.cache()
			mustLookup(t, d, "v1", "Pod")
			e.expect(t, "cold", 2)
			r, err := d.lookup(context.Background(), "example.com/v2", "Widget")
			var uk *UnknownKindError
			if tt.wantErr != (err != nil) || err != nil && !errors.As(err, &uk) {
				t.Fatalf("lookup: %v, %v; want an *UnknownKindError: %v", r, err, tt.wantErr)
			}
			if err == nil && (r.Version != "v2" || r.Resource != "widgets") {
				t.Errorf("lookup: %+v, want example.com/v2 widgets", r)
			}
			per, _ := e.rt.take()
			if got := per["/apis/apiregistration.k8s.io/v1/apiservices/v2.example.com"]; got != 1 {
				t.Errorf("GET of the APIService: %d, want 1", got)
			}
			var total int64
			for _, n := range per {
				total += n
			}
			if total != tt.requests {
				t.Errorf("%d requests %v, want %d", total, per, tt.requests)
			}
		})
	}
}

func TestDiscoveryUnwritableCacheDir(t *testing.T) {
	e := newDiscoveryEnv(t, aggregatedV2)
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	e.dir = filepath.Join(blocker, "host") // a folder under a file: unwritable, even for root
	d := e.cache()
	mustLookup(t, d, "apps/v1", "Deployment")
	mustLookup(t, d, "v1", "Pod")
	e.expect(t, "cold, then warm in memory", 2)
	e.srv.gadget.Store(true)
	mustLookup(t, d, "example.com/v1", "Gadget")
	e.expect(t, "a miss refetches though the disk is off", 2)
	if _, err := os.Stat(filepath.Join(e.dir, discoveryFileName)); err == nil {
		t.Error("a disk copy exists in an unwritable folder")
	}
	mustLookup(t, e.cache(), "v1", "Pod")
	e.expect(t, "a new cache has no disk copy to read", 2)
}

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
