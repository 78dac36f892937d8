package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
)

// TestUnknownKindFailsFast: a kind the server does not serve fails after
// one refetch of discovery, plus one GET of an APIService when its group
// is not served at all, with no waiting: at most 3 requests.
func TestUnknownKindFailsFast(t *testing.T) {
	t.Parallel()
	c, log := newCountingClient(t)
	ctx := testContext(t, time.Minute)
	// Fill the discovery cache first: the misses below are warm misses.
	if _, err := kobj.New("v1", "Namespace").Read(ctx, kobj.Named("default"), kobj.WithClient(c)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, apiVersion, kind string
		want                   []string // requests, in order
	}{
		{"a kind missing from the core group", "v1", "Fooo", []string{"GET /api", "GET /apis"}},
		{"a kind missing from a served group", "apps/v1", "Fooo", []string{"GET /api", "GET /apis"}},
		{"a group that does not exist", "nope-" + suffix() + ".kobj.example.com/v1", "Fooo",
			[]string{"GET /api", "GET /apis", "GET /apis/apiregistration.k8s.io/v1/apiservices/v1.nope-"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log.Reset()
			_, err := kobj.New(tc.apiVersion, tc.kind).Read(ctx, kobj.Named("x"), kobj.InNamespace("default"), kobj.WithClient(c))
			if !isUnknownKind(err) {
				t.Fatalf("Read %s %s: %v, want a *kobj.UnknownKindError", tc.apiVersion, tc.kind, err)
			}
			reqs := log.Requests()
			t.Logf("Read %s %s: %d requests %v; %v", tc.apiVersion, tc.kind, len(reqs), reqs, err)
			if len(reqs) > 3 {
				t.Errorf("%d requests, want at most 3: %v", len(reqs), reqs)
			}
			if len(reqs) != len(tc.want) {
				t.Fatalf("requests %v, want %v", reqs, tc.want)
			}
			for i, want := range tc.want {
				if !strings.HasPrefix(reqs[i], want) {
					t.Errorf("request %d: %s, want %s…", i, reqs[i], want)
				}
			}
		})
	}
}

// TestDiscoveryFirstReadRequests counts the requests of a new process's
// first Read of a ConfigMap: with an empty cache folder (discovery, then
// the object) and with the folder the first left (the object alone).
func TestDiscoveryFirstReadRequests(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	dir := t.TempDir()
	setup := newClient(t)
	ns := newNamespace(t, setup)
	if _, err := kobj.New("v1", "ConfigMap").SetName("first").SetNamespace(ns).Create(ctx, kobj.WithClient(setup)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		max  int
	}{
		{"cold", 3}, // GET /api, GET /apis, GET the ConfigMap
		{"warm", 1}, // GET the ConfigMap
	} {
		c, log := newCountingClient(t, kobj.CacheDir(dir))
		start := time.Now()
		if _, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.Named("first"), kobj.InNamespace(ns), kobj.WithClient(c)); err != nil {
			t.Fatalf("%s Read: %v", tc.name, err)
		}
		t.Logf("%s first Read of a ConfigMap: %d requests in %v: %v", tc.name, log.Count(), time.Since(start).Round(time.Microsecond), log.Requests())
		if n := log.Count(); n > tc.max {
			t.Errorf("%s first Read: %d requests, want at most %d: %v", tc.name, n, tc.max, log.Requests())
		}
	}
}
