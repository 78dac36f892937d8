package e2e

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
)

// End-to-end regression tests of the defects a review found, where the
// server's behaviour matters.

// prefixProxy is a reverse proxy that serves the control plane below a
// path, as Rancher and many gateways do, and adds the admin credentials.
// It records requests that arrive without the prefix.
type prefixProxy struct {
	srv    *httptest.Server
	prefix string

	mu      sync.Mutex
	seen    int
	outside []string
}

func newPrefixProxy(t *testing.T, prefix string) *prefixProxy {
	t.Helper()
	upstream, err := url.Parse(cfg.Host)
	if err != nil {
		t.Fatal(err)
	}
	transport, err := rest.TransportFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := &prefixProxy{prefix: prefix}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(upstream)
			r.Out.URL.Path = strings.TrimPrefix(r.In.URL.Path, prefix)
			r.Out.URL.RawPath = ""
			if r.In.URL.RawPath != "" {
				r.Out.URL.RawPath = strings.TrimPrefix(r.In.URL.RawPath, prefix)
			}
		},
		Transport: transport,
	}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.seen++
		if !strings.HasPrefix(r.URL.Path, prefix+"/") {
			p.outside = append(p.outside, r.Method+" "+r.URL.Path)
			p.mu.Unlock()
			http.NotFound(w, r)
			return
		}
		p.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func TestServerURLWithAPathThroughAProxy(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	p := newPrefixProxy(t, "/k8s/clusters/c-1")
	admin := newClient(t)
	ns := newNamespace(t, admin)
	// A cold client: discovery, the OpenAPI index and CRUD all go through
	// the proxy.
	c, err := kobj.NewClient(&rest.Config{Host: p.srv.URL + p.prefix}, kobj.CacheDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	cm := newConfigMap("through-proxy", ns, map[string]any{"a": "1"}).SetClient(c)
	if _, err := cm.Create(ctx); err != nil {
		t.Fatalf("Create through the proxy: %v", err)
	}
	cm.Set("data.b", "2")
	if _, err := cm.Update(ctx); err != nil {
		t.Fatalf("Update through the proxy: %v", err)
	}
	list, err := kobj.New("v1", "ConfigMapList").SetClient(c).Read(ctx, kobj.InNamespace(ns))
	if err != nil || len(list.Items()) == 0 {
		t.Fatalf("list through the proxy: %v, %d items", err, len(list.Items()))
	}
	resp, err := c.Call(ctx, "readNamespacedConfigMap", kobj.Args{"namespace": ns, "name": "through-proxy"})
	if err != nil || resp.Object == nil {
		t.Fatalf("Call through the proxy: %v", err)
	}
	if v, _ := resp.Object.GetString("data.b"); v != "2" {
		t.Errorf("Call read data.b = %q, want 2", v)
	}
	if _, err := cm.Delete(ctx); err != nil {
		t.Fatalf("Delete through the proxy: %v", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.outside) > 0 {
		t.Errorf("requests without the server's path: %v", p.outside)
	}
	if p.seen < 6 {
		t.Errorf("the proxy saw %d requests; the client went around it", p.seen)
	}
}

func TestListItemUpdatedTwiceThroughTheList(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	for _, name := range []string{"a", "b"} {
		if _, err := newConfigMap(name, ns, map[string]any{"k": "v"}).Create(ctx, kobj.WithClient(c)); err != nil {
			t.Fatal(err)
		}
	}
	list, err := kobj.New("v1", "ConfigMapList").Read(ctx, kobj.WithClient(c), kobj.InNamespace(ns))
	if err != nil {
		t.Fatal(err)
	}
	item := list.Items()[0]
	item.SetLabel("round", "1")
	if _, err := item.Update(ctx, kobj.WithClient(c)); err != nil {
		t.Fatal(err)
	}
	// The list's item is the updated object: a second update through the
	// list carries the new resourceVersion and so does not conflict.
	again := list.Items()[0]
	again.SetLabel("round", "2")
	if _, err := again.Update(ctx, kobj.WithClient(c)); err != nil {
		t.Fatalf("second update through list.Items(): %v (a Conflict means the item went stale)", err)
	}
	fresh, err := readFresh(ctx, c, "v1", "ConfigMap", ns, item.Name())
	if err != nil {
		t.Fatal(err)
	}
	if fresh.Labels()["round"] != "2" || fresh.ResourceVersion() != list.Items()[0].ResourceVersion() {
		t.Errorf("server has round=%q rv %s; the list's item has rv %s", fresh.Labels()["round"], fresh.ResourceVersion(), list.Items()[0].ResourceVersion())
	}
}

func TestEditDryRunGivesTheServersAnswer(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	cm, err := newConfigMap("dry", ns, map[string]any{"k": "v"}).Create(ctx, kobj.WithClient(c))
	if err != nil {
		t.Fatal(err)
	}
	res, err := cm.Edit(ctx, func(o *kobj.Object) error { o.SetLabel("x", "y"); return nil }, kobj.DryRun(), kobj.WithClient(c))
	if err != nil {
		t.Fatal(err)
	}
	if res == cm || res.Labels()["x"] != "y" || res.UID() != cm.UID() {
		t.Errorf("Edit(DryRun) returned %v with labels %v; want the server's answer, a new object", res, res.Labels())
	}
	fresh, _ := readFresh(ctx, c, "v1", "ConfigMap", ns, "dry")
	if fresh.Labels()["x"] != "" {
		t.Error("a dry-run edit changed the server")
	}
}

func TestObjectCallOfAnotherKindTouchesNothing(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	pod := load(t, `apiVersion: v1
kind: Pod
metadata: {name: web}
spec: {containers: [{name: c, image: busybox}]}`)
	if _, err := pod.Create(ctx, kobj.WithClient(c), kobj.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	d := kobj.New("apps/v1", "Deployment").SetName("web").SetNamespace(ns).SetClient(c)
	if _, err := d.Call(ctx, "deleteNamespacedPod", nil); err == nil || !strings.Contains(err.Error(), "pods (Pod)") {
		t.Fatalf("Deployment web calling deleteNamespacedPod = %v, want an error naming pods (Pod)", err)
	}
	if _, err := readFresh(ctx, c, "v1", "Pod", ns, "web"); err != nil {
		t.Fatalf("the Pod web after the refused call: %v", err)
	}
	// A Pod's own subresource operation still takes the Pod's identity.
	resp, err := pod.SetClient(c).Call(ctx, "readNamespacedPodStatus", nil)
	if err != nil || resp.Object == nil || resp.Object.Name() != "web" {
		t.Errorf("Pod.Call(readNamespacedPodStatus) = %v, %v", resp, err)
	}
}

func TestKindEndingInListServedAsAnObject(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	c := newClient(t)
	group := "lists-" + suffix() + ".kobj.test"
	crd := load(t, `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: allowlists.`+group+`}
spec:
  group: `+group+`
  scope: Namespaced
  names: {kind: AllowList, listKind: AllowListList, plural: allowlists, singular: allowlist}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}`)
	if _, err := crd.Create(ctx, kobj.WithClient(c)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { crd.Delete(t.Context(), kobj.WithClient(c)) })
	ns := newNamespace(t, c)
	obj := kobj.New(group+"/v1", "AllowList").SetName("allowed").SetNamespace(ns)
	obj.Set("spec.hosts", []any{"a.example"})
	deadline := time.Now().Add(time.Minute)
	for {
		_, err := obj.Create(ctx, kobj.WithClient(c))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("creating an AllowList: %v", err)
		}
		time.Sleep(200 * time.Millisecond) // the CRD is not Established yet
	}
	got, err := kobj.New(group+"/v1", "AllowList").Read(ctx, kobj.WithClient(c), kobj.Named("allowed"), kobj.InNamespace(ns))
	if err != nil {
		t.Fatalf("reading an AllowList by name: %v", err)
	}
	if got.Name() != "allowed" || got.IsList() {
		t.Errorf("read %v (IsList %v), want the object allowed", got, got.IsList())
	}
	list, err := kobj.New(group+"/v1", "AllowListList").Read(ctx, kobj.WithClient(c), kobj.InNamespace(ns))
	if err != nil || len(list.Items()) != 1 {
		t.Fatalf("reading the AllowListList: %v, %d items", err, len(list.Items()))
	}
	// Watched as one object, not as a list of "Allow" items.
	w, err := got.Watch(ctx, kobj.WithClient(c))
	if err != nil {
		t.Fatalf("watching an AllowList: %v", err)
	}
	var names []string
	for ev := range w.Events() {
		if ev.Type == kobj.Synced {
			break
		}
		if ev.Object != nil {
			names = append(names, ev.Object.Name())
		}
	}
	w.Stop()
	if len(names) != 1 || names[0] != "allowed" {
		t.Errorf("a watch of the AllowList saw %v, want [allowed]", names)
	}
	if _, err := got.Delete(ctx, kobj.WithClient(c), kobj.GracePeriod(500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, err := readFresh(ctx, c, group+"/v1", "AllowList", ns, "allowed"); !apierrors.IsNotFound(err) {
		t.Errorf("after Delete: %v", err)
	}
}
