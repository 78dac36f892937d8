package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/openapi"
	"k8s.io/client-go/restmapper"
	"k8s.io/kube-openapi/pkg/spec3"
)

var crds = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// scaleCRD is a namespaced CRD of kind Thing in its own group.
func scaleCRD(group string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": "things." + group, "labels": map[string]any{"bench": "scale-crds"}},
		"spec": map[string]any{
			"group": group, "scope": "Namespaced",
			"names": map[string]any{"plural": "things", "singular": "thing", "kind": "Thing", "listKind": "ThingList"},
			"versions": []any{map[string]any{
				"name": "v1", "served": true, "storage": true,
				"schema": map[string]any{"openAPIV3Schema": map[string]any{
					"type": "object",
					"properties": map[string]any{"spec": map[string]any{
						"type":       "object",
						"properties": map[string]any{"size": map[string]any{"type": "integer"}, "color": map[string]any{"type": "string"}},
					}},
				}},
			}},
		},
	}}
}

// createScaleCRDs creates n CRDs, each its own group, 16 at a time, and
// waits until every one is Established. It returns their groups.
func createScaleCRDs(ctx context.Context, b *testing.B, dyn dynamic.Interface, prefix string, n int) []string {
	b.Helper()
	groups := make([]string, n)
	for i := range groups {
		groups[i] = fmt.Sprintf("%s%03d.scale.kobj.dev", prefix, i)
	}
	fanOut(b, n, 16, func(i int) error {
		_, err := dyn.Resource(crds).Create(ctx, scaleCRD(groups[i]), metav1.CreateOptions{})
		return err
	})
	for {
		l, err := dyn.Resource(crds).List(ctx, metav1.ListOptions{LabelSelector: "bench=scale-crds"})
		if err != nil {
			b.Fatal(err)
		}
		established := 0
		for _, crd := range l.Items {
			conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
			for _, c := range conds {
				if m, _ := c.(map[string]any); m["type"] == "Established" && m["status"] == "True" && strings.HasPrefix(crd.GetName(), "things."+prefix) {
					established++
				}
			}
		}
		if established >= n {
			return groups
		}
		select {
		case <-ctx.Done():
			b.Fatalf("%d of %d CRDs established: %v", established, n, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// operationGroup is a group as the apiserver writes it in operation IDs:
// each dot-separated part capitalized.
func operationGroup(group string) string {
	var b strings.Builder
	for _, part := range strings.Split(group, ".") {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// firstUse is what a new client's first use cost.
type firstUse struct {
	d               time.Duration
	requests, bytes int64
}

func (f *firstUse) add(d time.Duration, cnt *counter, requests, bytes int64) {
	f.d += d
	f.requests += cnt.requests.Load() - requests
	f.bytes += cnt.bytes.Load() - bytes
}

// BenchmarkScaleCRDs creates 300 CRDs, each its own group, then measures a
// new process's first use of one of them, with nothing cached: the first
// read of its custom resources (discovery) and the first operation called
// by name (the group's OpenAPI document), for kobj (NewClient with an empty
// CacheDir, Read of ThingList, Call of listG...V1NamespacedThing) against
// client-go (a deferred discovery RESTMapper over a memory-cached discovery
// client and the dynamic client's list; then the group's OpenAPI v3
// document read through the same discovery client and unmarshalled into
// kube-openapi's spec3.OpenAPI, as client-go has no call by operation
// name). It reports requests, response bytes and milliseconds of each
// step, and the heap each side's client keeps (after a GC) once both are
// done: discovery plus kobj's operation index, against the cached
// discovery, the mapper and the parsed document. Figures are means over
// ten first uses of each side per iteration.
func BenchmarkScaleCRDs(b *testing.B) {
	scaleOnly(b)
	n := scaleInt(b, scaleCRDsVariable, 300)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	setup, dyn := newClients(b)
	t := time.Now()
	groups := createScaleCRDs(ctx, b, dyn, fmt.Sprintf("s%d", time.Now().UnixNano()%1e5), n)
	created := time.Since(t)
	b.ReportMetric(created.Seconds(), "create-crds-s")
	ns := namespace(b, setup)
	group := groups[n/2]
	op := "list" + operationGroup(group) + "V1NamespacedThing"
	// The server answers the first list of a CRD that has just become
	// Established with an error a client retries after a second, and
	// publishes the group's OpenAPI document a while after: that is the
	// server settling, not a client's first use, so it is settled here.
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		b.Fatal(err)
	}
	for {
		_, err := dyn.Resource(schema.GroupVersionResource{Group: group, Version: "v1", Resource: "things"}).Namespace(ns).List(ctx, metav1.ListOptions{})
		if err == nil {
			var paths map[string]openapi.GroupVersion
			if paths, err = dc.OpenAPIV3().Paths(); err == nil {
				if _, ok := paths["apis/"+group+"/v1"]; ok {
					break
				}
				err = fmt.Errorf("no OpenAPI document for apis/%s/v1 yet", group)
			}
		}
		select {
		case <-ctx.Done():
			b.Fatal(err)
		case <-time.After(100 * time.Millisecond):
		}
	}

	var kRead, kCall, gRead, gCall firstUse
	var kKeep, gKeep float64
	kobjFirst := func() {
		cc, cnt := countedConfig()
		kKeep = heapPerObject(1, func() any {
			t := time.Now()
			c, err := kobj.NewClient(cc, kobj.CacheDir(b.TempDir()))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := kobj.New(group+"/v1", "ThingList").Read(ctx, kobj.WithClient(c), kobj.InNamespace(ns)); err != nil {
				b.Fatal(err)
			}
			kRead.add(time.Since(t), cnt, 0, 0)
			reqs, bytes := cnt.requests.Load(), cnt.bytes.Load()
			t = time.Now()
			if _, err := c.Call(ctx, op, kobj.Args{"namespace": ns}); err != nil {
				b.Fatal(err)
			}
			kCall.add(time.Since(t), cnt, reqs, bytes)
			return c
		})
	}
	clientGoFirst := func() {
		cc, cnt := countedConfig()
		gKeep = heapPerObject(1, func() any {
			t := time.Now()
			dc, err := discovery.NewDiscoveryClientForConfig(cc)
			if err != nil {
				b.Fatal(err)
			}
			mc := memory.NewMemCacheClient(dc)
			mapper := restmapper.NewDeferredDiscoveryRESTMapper(mc)
			m, err := mapper.RESTMapping(schema.GroupKind{Group: group, Kind: "Thing"}, "v1")
			if err != nil {
				b.Fatal(err)
			}
			d, err := dynamic.NewForConfig(cc)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := d.Resource(m.Resource).Namespace(ns).List(ctx, metav1.ListOptions{}); err != nil {
				b.Fatal(err)
			}
			gRead.add(time.Since(t), cnt, 0, 0)
			reqs, bytes := cnt.requests.Load(), cnt.bytes.Load()
			t = time.Now()
			paths, err := mc.OpenAPIV3().Paths()
			if err != nil {
				b.Fatal(err)
			}
			gv, ok := paths["apis/"+group+"/v1"]
			if !ok {
				b.Fatalf("no OpenAPI document for apis/%s/v1", group)
			}
			doc, err := gv.Schema("application/json")
			if err != nil {
				b.Fatal(err)
			}
			var spec spec3.OpenAPI
			if err := json.Unmarshal(doc, &spec); err != nil {
				b.Fatal(err)
			}
			if _, err := d.Resource(m.Resource).Namespace(ns).List(ctx, metav1.ListOptions{}); err != nil {
				b.Fatal(err)
			}
			gCall.add(time.Since(t), cnt, reqs, bytes)
			return []any{mapper, mc, d, &spec}
		})
	}
	// A first use takes milliseconds: each iteration makes crdRounds of
	// each side, alternating, so that one run is not one sample.
	const crdRounds = 10
	round := 0
	for b.Loop() {
		for range crdRounds {
			if round++; round%2 == 1 {
				labelled("kobj", kobjFirst)
				labelled("clientgo", clientGoFirst)
			} else {
				labelled("clientgo", clientGoFirst)
				labelled("kobj", kobjFirst)
			}
		}
	}
	uses := float64(b.N * crdRounds)
	per := func(f firstUse) (float64, float64, float64) {
		return f.d.Seconds() * 1000 / uses, float64(f.requests) / uses, float64(f.bytes) / uses
	}
	for _, s := range []struct {
		name string
		f    firstUse
	}{{"kobj-read", kRead}, {"kobj-call", kCall}, {"clientgo-read", gRead}, {"clientgo-call", gCall}} {
		ms, reqs, bytes := per(s.f)
		b.ReportMetric(ms, s.name+"-ms")
		b.ReportMetric(reqs, s.name+"-requests")
		b.ReportMetric(bytes, s.name+"-bytes")
	}
	b.ReportMetric(kKeep, "kobj-kept-B")
	b.ReportMetric(gKeep, "clientgo-kept-B")
	b.ReportMetric(ratio(kKeep, gKeep), "kept-ratio")
	b.ReportMetric(ratio(kRead.d.Seconds(), gRead.d.Seconds()), "read-time-ratio")
	b.ReportMetric(ratio(kCall.d.Seconds(), gCall.d.Seconds()), "call-time-ratio")
	figures := func(f firstUse) string {
		ms, reqs, bytes := per(f)
		return fmt.Sprintf("%.0f / %.0f / %.0f", reqs, bytes, ms)
	}
	record(row{fmt.Sprintf("%d CRDs, first read of one's objects, cold: requests / bytes / ms", n),
		figures(kRead), figures(gRead) + " (deferred discovery RESTMapper, memory-cached)",
		fmt.Sprintf("%.2f (time)", ratio(kRead.d.Seconds(), gRead.d.Seconds())), "—"})
	record(row{fmt.Sprintf("%d CRDs, then the first Call of its group: requests / bytes / ms", n),
		figures(kCall), figures(gCall) + " (OpenAPI v3 document into spec3, then list)",
		fmt.Sprintf("%.2f (time)", ratio(kCall.d.Seconds(), gCall.d.Seconds())), "—"})
	record(row{fmt.Sprintf("%d CRDs, heap kept by discovery + operation index, bytes", n),
		fmt.Sprintf("%.0f", kKeep), fmt.Sprintf("%.0f (cached discovery, mapper, spec3 document)", gKeep),
		fmt.Sprintf("%.2f", ratio(kKeep, gKeep)), "—"})
}

// labelled runs f with the profiler label side=name (see scaleSide.run).
func labelled(name string, f func()) {
	pprof.Do(context.Background(), pprof.Labels("side", name), func(context.Context) { f() })
}
