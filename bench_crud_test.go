package kobj_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// cannedConfigMap is a ConfigMap as a kube-apiserver answers with it,
// managed fields included: the answer to every write and read of the
// canned server below.
const cannedConfigMap = `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"web","namespace":"default",` +
	`"uid":"6a1f0c9e-1c53-4a5e-9b57-3f0c3f1e2a11","resourceVersion":"%d","creationTimestamp":"2026-12-06T10:00:00Z",` +
	`"labels":{"app":"web","step":"updated"},"managedFields":[{"manager":"kobj","operation":"Update","apiVersion":"v1",` +
	`"time":"2026-12-06T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},"f:count":{},"f:greeting":{}},` +
	`"f:metadata":{"f:labels":{".":{},"f:app":{},"f:step":{}}}}}]},"data":{"count":"1","greeting":"hello"}}`

// cannedCRUD is an HTTP server for ConfigMaps in namespace default that
// answers every request with a body prepared in advance, so that nearly all
// the allocations a benchmark counts are the client's: reading the request
// body into io.Discard and writing a fixed answer cost both clients alike.
// Discovery and OpenAPI documents come from the fake API.
func cannedCRUD(b *testing.B) *rest.Config {
	f := newFakeAPI(b, "")
	const coll = "/api/v1/namespaces/default/configmaps"
	object := fmt.Appendf(nil, cannedConfigMap, 7)
	items := make([]string, 10)
	for i := range items {
		items[i] = strings.Replace(fmt.Sprintf(cannedConfigMap, 7+i), `"name":"web"`, fmt.Sprintf(`"name":"web-%d"`, i), 1)
	}
	list := []byte(`{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"99"},"items":[` + strings.Join(items, ",") + `]}`)
	status := []byte(`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"web","kind":"configmaps","uid":"6a1f0c9e-1c53-4a5e-9b57-3f0c3f1e2a11"}}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, coll) {
			f.serve(w, r)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		answer, code := object, http.StatusOK
		switch {
		case r.Method == "GET" && r.URL.Path == coll:
			answer = list
		case r.Method == "POST":
			code = http.StatusCreated
		case r.Method == "DELETE":
			answer = status
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = w.Write(answer)
	}))
	b.Cleanup(srv.Close)
	return &rest.Config{Host: srv.URL, QPS: -1}
}

// allocMeter adds up, side by side, the allocations and time of the calls
// of several clients made within one benchmark iteration.
type allocMeter struct {
	names  []string
	allocs []uint64
	bytes  []uint64
	ns     []time.Duration
	ms     runtime.MemStats
}

func newAllocMeter(names ...string) *allocMeter {
	n := len(names)
	return &allocMeter{names: names, allocs: make([]uint64, n), bytes: make([]uint64, n), ns: make([]time.Duration, n)}
}

// measure runs fn as side i and adds its allocations and time. The counts
// are the process's, so they include the in-process server's share.
func (m *allocMeter) measure(b *testing.B, i int, fn func() error) {
	runtime.ReadMemStats(&m.ms)
	allocs, bytes := m.ms.Mallocs, m.ms.TotalAlloc
	t := time.Now()
	err := fn()
	m.ns[i] += time.Since(t)
	runtime.ReadMemStats(&m.ms)
	m.allocs[i] += m.ms.Mallocs - allocs
	m.bytes[i] += m.ms.TotalAlloc - bytes
	if err != nil {
		b.Fatalf("%s: %v", m.names[i], err)
	}
}

// report gives each side's allocs/op, B/op and ns/op, and side 0's ratio
// to each other side.
func (m *allocMeter) report(b *testing.B) {
	n := float64(b.N)
	for i, name := range m.names {
		b.ReportMetric(float64(m.allocs[i])/n, name+"-allocs/op")
		b.ReportMetric(float64(m.bytes[i])/n, name+"-B/op")
		b.ReportMetric(float64(m.ns[i].Nanoseconds())/n, name+"-ns/op")
		if i > 0 {
			b.ReportMetric(float64(m.allocs[0])/float64(m.allocs[i]), "allocs-ratio-"+name)
			b.ReportMetric(float64(m.bytes[0])/float64(m.bytes[i]), "B-ratio-"+name)
		}
	}
}

// BenchmarkCRUDVsDynamic weighs each CRUD verb of kobj against client-go's
// dynamic client on a canned loopback server, alternating the two within
// each iteration: per verb, each side's allocations, bytes and time per
// call and kobj's ratio to the dynamic client. Update is compared with
// both ways the dynamic client updates: a whole PUT (Update) and a merge
// patch written by hand (Patch); kobj computes its merge patch from the
// object as last served.
//
//	go test -run '^$' -bench CRUDVsDynamic -benchtime=2000x -count=3 .
func BenchmarkCRUDVsDynamic(b *testing.B) {
	ctx := context.Background()
	cfg := cannedCRUD(b)
	c, err := kobj.NewClient(cfg, kobj.CacheDir(""))
	if err != nil {
		b.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		b.Fatal(err)
	}
	res := dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}).Namespace("default")
	newConfigMap := func() *kobj.Object {
		o := kobj.New("v1", "ConfigMap").SetName("web").SetNamespace("default").SetClient(c)
		o.SetLabel("app", "web")
		_ = o.Set("data", map[string]any{"greeting": "hello", "count": "1"})
		return o
	}
	// Warm both: kobj's discovery, and both connections.
	served, err := newConfigMap().Read(ctx)
	if err != nil {
		b.Fatal(err)
	}
	got, err := res.Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		b.Fatal(err)
	}

	b.Run("Create", func(b *testing.B) {
		m := newAllocMeter("kobj", "dynamic")
		for b.Loop() {
			o, u := newConfigMap(), newConfigMap().Unstructured()
			m.measure(b, 0, func() error { _, err := o.Create(ctx); return err })
			m.measure(b, 1, func() error { _, err := res.Create(ctx, u, metav1.CreateOptions{}); return err })
		}
		m.report(b)
	})
	b.Run("Get", func(b *testing.B) {
		m := newAllocMeter("kobj", "dynamic")
		for b.Loop() {
			m.measure(b, 0, func() error { _, err := served.Read(ctx); return err })
			m.measure(b, 1, func() error { _, err := res.Get(ctx, "web", metav1.GetOptions{}); return err })
		}
		m.report(b)
	})
	b.Run("List", func(b *testing.B) {
		m := newAllocMeter("kobj", "dynamic")
		for b.Loop() {
			l := kobj.New("v1", "ConfigMapList").SetClient(c)
			m.measure(b, 0, func() error { _, err := l.Read(ctx, kobj.InNamespace("default")); return err })
			m.measure(b, 1, func() error { _, err := res.List(ctx, metav1.ListOptions{}); return err })
		}
		m.report(b)
	})
	b.Run("Update", func(b *testing.B) {
		m := newAllocMeter("kobj", "dynamic-put", "dynamic-patch")
		u := got.DeepCopy()
		i := 0
		for b.Loop() {
			i++
			step := fmt.Sprint("s", i)
			served.SetLabel("step", step)
			m.measure(b, 0, func() error { _, err := served.Update(ctx); return err })
			u.SetLabels(map[string]string{"app": "web", "step": step})
			m.measure(b, 1, func() (err error) { u, err = res.Update(ctx, u, metav1.UpdateOptions{}); return err })
			patch := fmt.Appendf(nil, `{"metadata":{"labels":{"step":%q},"resourceVersion":%q}}`, step, u.GetResourceVersion())
			m.measure(b, 2, func() error {
				_, err := res.Patch(ctx, "web", types.MergePatchType, patch, metav1.PatchOptions{})
				return err
			})
		}
		m.report(b)
	})
	b.Run("Delete", func(b *testing.B) {
		m := newAllocMeter("kobj", "dynamic")
		for b.Loop() {
			o := served.DeepCopy()
			m.measure(b, 0, func() error { _, err := o.Delete(ctx); return err })
			m.measure(b, 1, func() error { return res.Delete(ctx, "web", metav1.DeleteOptions{}) })
		}
		m.report(b)
	})
}
