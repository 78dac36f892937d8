package e2e

import (
	"io"
	"mime"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	utilversion "k8s.io/apimachinery/pkg/util/version"
	"k8s.io/client-go/rest"
)

// The tests of this file hold on every kube-apiserver version the suite
// runs against (make e2e: v1.37.2 and v1.29.15) and say what differs.

// TestAggregatedDiscoveryVersionServed checks which aggregated discovery
// version the control plane answers kobj's Accept header with: v2beta1
// below 1.30, v2 from 1.30. It keeps the older plane honest: if it stopped
// answering v2beta1, the suite would no longer cover kobj's v2beta1 path.
func TestAggregatedDiscoveryVersionServed(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := "v2"
	if serverVersion.LessThan(utilversion.MajorMinor(1, 30)) {
		want = "v2beta1"
	}
	for _, path := range []string{"/api", "/apis"} {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(cfg.Host, "/")+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		// kobj's own Accept header (discovery_cache.go).
		req.Header.Set("Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"+
			"application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		_, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if err != nil {
			t.Fatalf("GET %s: Content-Type %q: %v", path, resp.Header.Get("Content-Type"), err)
		}
		if resp.StatusCode != http.StatusOK || params["g"] != "apidiscovery.k8s.io" || params["v"] != want {
			t.Errorf("GET %s from v%s: %d, Content-Type %q, want aggregated discovery %s",
				path, serverVersion, resp.StatusCode, resp.Header.Get("Content-Type"), want)
		}
		t.Logf("v%s answers %s with %s", serverVersion, path, resp.Header.Get("Content-Type"))
	}
}

// TestColdFirstUseRequests counts the requests of a new client's first use,
// with nothing cached: a Read of a built-in object costs the two aggregated
// discovery documents and the read (a server answering only legacy
// discovery would cost one more request per group-version); the first Call
// of an operation by name costs no discovery.
func TestColdFirstUseRequests(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	setup := newClient(t)
	ns := newNamespace(t, setup)
	if _, err := kobj.New("v1", "ConfigMap").SetName("first").SetNamespace(ns).Create(ctx, kobj.WithClient(setup)); err != nil {
		t.Fatalf("Create ConfigMap: %v", err)
	}
	tests := []struct {
		name                     string
		use                      func(c *kobj.Client) error
		maxDiscovery, maxOpenAPI int
		other                    int // requests that are neither discovery nor OpenAPI
	}{
		{
			name: "first Read",
			use: func(c *kobj.Client) error {
				_, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.WithClient(c), kobj.Named("first"), kobj.InNamespace(ns))
				return err
			},
			maxDiscovery: 2, maxOpenAPI: 0, other: 1,
		},
		{
			name: "first Call by operation name",
			use: func(c *kobj.Client) error {
				_, err := c.Call(ctx, "listCoreV1NamespacedConfigMap", kobj.Args{"namespace": ns})
				return err
			},
			maxDiscovery: 0, maxOpenAPI: 2, other: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, log := newCountingClient(t)
			if err := tc.use(c); err != nil {
				t.Fatal(err)
			}
			var discovery, openapi, other int
			for _, r := range log.Requests() {
				_, path, _ := strings.Cut(r, " ")
				path, _, _ = strings.Cut(path, "?")
				switch {
				case strings.HasPrefix(path, "/openapi/"):
					openapi++
				case isDiscoveryPath(path):
					discovery++
				default:
					other++
				}
			}
			if discovery > tc.maxDiscovery || openapi > tc.maxOpenAPI || other != tc.other {
				t.Errorf("v%s: %d discovery, %d OpenAPI, %d other requests; want at most %d, at most %d, exactly %d: %v",
					serverVersion, discovery, openapi, other, tc.maxDiscovery, tc.maxOpenAPI, tc.other, log.Requests())
			}
			t.Logf("v%s, cold %s: %d requests: %v", serverVersion, tc.name, log.Count(), log.Requests())
		})
	}
}

// isDiscoveryPath reports whether path is a discovery document: /api,
// /apis, or one group's or group-version's list of resources.
func isDiscoveryPath(path string) bool {
	switch parts := strings.Split(strings.Trim(path, "/"), "/"); parts[0] {
	case "api":
		return len(parts) <= 2
	case "apis":
		return len(parts) <= 3
	}
	return false
}
