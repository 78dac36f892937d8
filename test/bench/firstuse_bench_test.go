package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/disk"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/kube-openapi/pkg/spec3"
)

// BenchmarkFirstRead reads one ConfigMap as a new process would: with a
// cold cache, and with the on-disk cache a previous process left; kobj
// against client-go's deferred discovery REST mapper (memory-cached when
// cold, disk-cached when warm) and the dynamic client. It reports requests
// and milliseconds to the first object.
func BenchmarkFirstRead(b *testing.B) {
	ctx := context.Background()
	setup, _ := newClients(b)
	ns := namespace(b, setup)
	if _, err := configMap(ns, "first").Create(ctx, kobj.WithClient(setup)); err != nil {
		b.Fatal(err)
	}
	type side struct {
		d        time.Duration
		requests int
		disc, oa int
	}
	var kCold, kWarm, gCold, gWarm side
	for b.Loop() {
		kobjDir, goDir := b.TempDir(), b.TempDir()
		for _, warm := range []bool{false, true} {
			cc, cnt := countedConfig()
			t := time.Now()
			c, err := kobj.NewClient(cc, kobj.CacheDir(kobjDir))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.WithClient(c), kobj.Named("first"), kobj.InNamespace(ns)); err != nil {
				b.Fatal(err)
			}
			s := side{d: time.Since(t), requests: int(cnt.requests.Load())}
			s.disc, s.oa = cnt.discoveryRequests()
			if warm {
				kWarm = s
			} else {
				kCold = s
			}

			cc, cnt = countedConfig()
			t = time.Now()
			if err := clientGoFirstRead(ctx, cc, goDir, warm, ns); err != nil {
				b.Fatal(err)
			}
			s = side{d: time.Since(t), requests: int(cnt.requests.Load())}
			s.disc, s.oa = cnt.discoveryRequests()
			if warm {
				gWarm = s
			} else {
				gCold = s
			}
		}
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(float64(kCold.disc), "kobj-cold-discovery-reqs")
	b.ReportMetric(float64(kWarm.disc+kWarm.oa), "kobj-warm-discovery+openapi-reqs")
	b.ReportMetric(float64(gCold.disc), "clientgo-cold-discovery-reqs")
	b.ReportMetric(float64(gWarm.disc), "clientgo-warm-discovery-reqs")
	b.ReportMetric(ms(kCold.d), "kobj-cold-ms")
	b.ReportMetric(ms(kWarm.d), "kobj-warm-ms")
	b.ReportMetric(ms(gCold.d), "clientgo-cold-ms")
	b.ReportMetric(ms(gWarm.d), "clientgo-warm-ms")
	record(row{"first object read in a new process, cold: discovery requests / ms",
		fmt.Sprintf("%d / %.1f", kCold.disc, ms(kCold.d)), fmt.Sprintf("%d / %.1f (deferred REST mapper)", gCold.disc, ms(gCold.d)),
		fmt.Sprintf("%.2f (time)", ms(kCold.d)/ms(gCold.d)), "≤ 2 discovery requests"})
	record(row{"first object read in a new process, warm: discovery+OpenAPI requests / ms",
		fmt.Sprintf("%d / %.1f", kWarm.disc+kWarm.oa, ms(kWarm.d)), fmt.Sprintf("%d / %.1f (disk-cached mapper)", gWarm.disc, ms(gWarm.d)),
		fmt.Sprintf("%.2f (time)", ms(kWarm.d)/ms(gWarm.d)), "0 discovery, 0 OpenAPI"})
}

// clientGoFirstRead is the client-go way: discovery client, deferred REST
// mapper, dynamic client.
func clientGoFirstRead(ctx context.Context, cc *rest.Config, cacheDir string, warm bool, ns string) error {
	var dc discovery.CachedDiscoveryInterface
	if warm {
		d, err := disk.NewCachedDiscoveryClientForConfig(cc, cacheDir+"/discovery", cacheDir+"/http", time.Hour)
		if err != nil {
			return err
		}
		dc = d
	} else {
		d, err := disk.NewCachedDiscoveryClientForConfig(cc, cacheDir+"/discovery", cacheDir+"/http", time.Hour)
		if err != nil {
			return err
		}
		dc = memory.NewMemCacheClient(d)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(dc)
	m, err := mapper.RESTMapping(schema.GroupKind{Kind: "ConfigMap"}, "v1")
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(cc)
	if err != nil {
		return err
	}
	_, err = dyn.Resource(m.Resource).Namespace(ns).Get(ctx, "first", metav1.GetOptions{})
	return err
}

// BenchmarkFirstCall makes a new process's first call of a core/v1
// operation by name, cold (nothing cached) and warm (the previous
// process's cache), and times kube-openapi's full spec3 unmarshal of the
// same api/v1 document in the same run.
func BenchmarkFirstCall(b *testing.B) {
	ctx := context.Background()
	setup, _ := newClients(b)
	ns := namespace(b, setup)
	var coldT, warmT, spec3T time.Duration
	var coldBytes, warmOA int64
	for b.Loop() {
		dir := b.TempDir()
		for _, warm := range []bool{false, true} {
			cc, cnt := countedConfig()
			c, err := kobj.NewClient(cc, kobj.CacheDir(dir))
			if err != nil {
				b.Fatal(err)
			}
			t := time.Now()
			if _, err := c.Call(ctx, "listCoreV1NamespacedConfigMap", kobj.Args{"namespace": ns}); err != nil {
				b.Fatal(err)
			}
			if warm {
				warmT += time.Since(t)
				_, oa := cnt.discoveryRequests()
				warmOA = int64(oa)
			} else {
				coldT += time.Since(t)
				coldBytes = cnt.bytes.Load()
			}
		}
		doc := fetchCoreV1Document(b)
		t := time.Now()
		var spec spec3.OpenAPI
		if err := json.Unmarshal(doc, &spec); err != nil {
			b.Fatal(err)
		}
		spec3T += time.Since(t)
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(ms(coldT), "kobj-cold-first-call-ms")
	b.ReportMetric(ms(warmT), "kobj-warm-first-call-ms")
	b.ReportMetric(float64(coldBytes), "kobj-cold-bytes-fetched")
	b.ReportMetric(float64(warmOA), "kobj-warm-openapi-reqs")
	b.ReportMetric(ms(spec3T), "spec3-unmarshal-ms")
	record(row{"first Call of a core/v1 operation, cold: ms (fetch + index) / bytes fetched",
		fmt.Sprintf("%.1f / %d", ms(coldT), coldBytes), fmt.Sprintf("%.1f (spec3 unmarshal alone)", ms(spec3T)),
		fmt.Sprintf("%.2f", ms(coldT)/ms(spec3T)), "index ≤ 1/3 of spec3 (see BenchmarkOpsIndexCoreV1)"})
	record(row{"first Call of a core/v1 operation, warm: ms / OpenAPI requests",
		fmt.Sprintf("%.1f / %d", ms(warmT), warmOA), fmt.Sprintf("%.1f (spec3 unmarshal alone)", ms(spec3T)),
		fmt.Sprintf("%.2f", ms(warmT)/ms(spec3T)), "0 OpenAPI requests"})
}

// fetchCoreV1Document fetches the api/v1 OpenAPI v3 document.
func fetchCoreV1Document(b *testing.B) []byte {
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		b.Fatal(err)
	}
	var root struct {
		Paths map[string]struct {
			URL string `json:"serverRelativeURL"`
		} `json:"paths"`
	}
	get := func(path string) []byte {
		resp, err := hc.Get(strings.TrimSuffix(cfg.Host, "/") + path)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			b.Fatal(err)
		}
		return data
	}
	if err := json.Unmarshal(get("/openapi/v3"), &root); err != nil {
		b.Fatal(err)
	}
	return get(root.Paths["api/v1"].URL)
}
