package operator_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	"github.com/kobj-dev/kobj/test/internal/testkit"
	"go.uber.org/goleak"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/rest"
)

// cacheClient returns a kobj client of the control plane whose requests
// log records.
func cacheClient(t *testing.T, base *rest.Config) (*kobj.Client, *testkit.RequestLog) {
	t.Helper()
	log := &testkit.RequestLog{}
	c, err := kobj.NewClient(testkit.Tracked(base, log), kobj.CacheDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	return c, log
}

// cacheNew returns a cache over c, stopped at the end of the test.
func cacheNew(t *testing.T, c *kobj.Client, opts ...operator.CacheOption) *operator.Cache {
	t.Helper()
	cc, err := operator.NewCache(c, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cc.Stop)
	return cc
}

// cacheCtx returns a context that ends with the test, bounded.
func cacheCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// cacheConfigMap creates a ConfigMap with labels and data.
func cacheConfigMap(t *testing.T, c *kobj.Client, ns, name string, labels, data map[string]string) *kobj.Object {
	t.Helper()
	o := kobj.New("v1", "ConfigMap").SetName(name).SetNamespace(ns)
	for k, v := range labels {
		o.SetLabel(k, v)
	}
	if data != nil {
		m := map[string]any{}
		for k, v := range data {
			m[k] = v
		}
		if err := o.Set("data", m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := o.Create(cacheCtx(t), kobj.WithClient(c)); err != nil {
		t.Fatalf("creating ConfigMap %s/%s: %v", ns, name, err)
	}
	return o
}

// cacheEventually reads until ok or a minute has passed: the informer
// learns of changes made after its sync a little later.
func cacheEventually(t *testing.T, what string, ok func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		done, err := ok()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after a minute", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func names(objs []*kobj.Object) string {
	var out []string
	for _, o := range objs {
		out = append(out, o.Name())
	}
	return strings.Join(out, ",")
}

// TestCacheReadsFromMemory: once synced, Get and List (of every kind of
// selection) send no request; a missing object is NotFound; objects
// returned are the caller's to change.
func TestCacheReadsFromMemory(t *testing.T) {
	ctx := cacheCtx(t)
	c, log := cacheClient(t, cfg)
	ns := testkit.NewNamespace(t, c, "cache")
	for i := range 5 {
		cacheConfigMap(t, c, ns, fmt.Sprintf("cm-%d", i), map[string]string{"app": "web", "tier": fmt.Sprint(i % 2)}, map[string]string{"n": fmt.Sprint(i)})
	}
	cc := cacheNew(t, c)
	if _, err := cc.Get(ctx, "v1", "ConfigMap", ns, "cm-0"); err != nil {
		t.Fatal(err)
	}
	if err := cc.Index("v1", "ConfigMap", "data.n"); err != nil {
		t.Fatal(err)
	}
	log.Reset()
	for range 20 {
		if _, err := cc.Get(ctx, "v1", "ConfigMap", ns, "cm-3"); err != nil {
			t.Fatal(err)
		}
	}
	_, err := cc.Get(ctx, "v1", "ConfigMap", ns, "missing")
	if !apierrors.IsNotFound(err) {
		t.Fatalf("Get of a missing object: %v, want NotFound", err)
	}
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		t.Fatalf("Get of a missing object: %T is not an apierrors status", err)
	}
	lists := []struct {
		opts []kobj.ReadOption
		want string
	}{
		{[]kobj.ReadOption{kobj.InNamespace(ns)}, "cm-0,cm-1,cm-2,cm-3,cm-4"},
		{[]kobj.ReadOption{kobj.InNamespace(ns), kobj.LabelSelector("tier=1")}, "cm-1,cm-3"},
		{[]kobj.ReadOption{kobj.InNamespace(ns), kobj.LabelSelector("tier in (0),app=web")}, "cm-0,cm-2,cm-4"},
		{[]kobj.ReadOption{kobj.InNamespace(ns), kobj.FieldSelector("data.n=2")}, "cm-2"},
		{[]kobj.ReadOption{kobj.InNamespace(ns), kobj.FieldSelector("data.n!=2,metadata.name!=cm-0")}, "cm-1,cm-3,cm-4"},
		{[]kobj.ReadOption{kobj.InNamespace(ns), kobj.FieldSelector(`metadata.labels["tier"]=0`)}, "cm-0,cm-2,cm-4"},
		{[]kobj.ReadOption{operator.Indexed("data.n", "4"), kobj.InNamespace(ns)}, "cm-4"},
		{[]kobj.ReadOption{kobj.AllNamespaces(), operator.Indexed("data.n", "4"), kobj.LabelSelector("tier=1")}, ""},
		{[]kobj.ReadOption{kobj.InNamespace(ns), kobj.FieldSelector("data.missing=")}, "cm-0,cm-1,cm-2,cm-3,cm-4"},
		{[]kobj.ReadOption{kobj.InNamespace("other")}, ""},
	}
	for _, l := range lists {
		got, err := cc.List(ctx, "v1", "ConfigMapList", l.opts...)
		if err != nil {
			t.Fatalf("List %v: %v", l.opts, err)
		}
		if names(got) != l.want {
			t.Errorf("List %v = [%s], want [%s]", l.opts, names(got), l.want)
		}
	}
	if n := log.Count(); n != 0 {
		t.Fatalf("reads of a synced cache sent %d requests, want 0: %v", n, log.Requests())
	}

	// The caller's to change: a later Get is unaffected.
	o, err := cc.Get(ctx, "v1", "ConfigMap", ns, "cm-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Set("data.n", "changed"); err != nil {
		t.Fatal(err)
	}
	o.SetLabel("tier", "changed")
	again, err := cc.Get(ctx, "v1", "ConfigMap", ns, "cm-1")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := again.Get("data.n"); v != "1" {
		t.Errorf("after changing a returned object, Get has data.n = %v, want 1", v)
	}
	if again.Labels()["tier"] != "1" {
		t.Errorf("after changing a returned object, Get has labels %v", again.Labels())
	}
	// An object from the cache updates with only its changes.
	if _, err := o.Update(ctx); err != nil {
		t.Fatalf("Update of a cached object: %v", err)
	}
	cacheEventually(t, "the cache sees the update", func() (bool, error) {
		got, err := cc.Get(ctx, "v1", "ConfigMap", ns, "cm-1")
		if err != nil {
			return false, err
		}
		v, _ := got.Get("data.n")
		return v == "changed", nil
	})
}

// TestCacheSharedInformer: many concurrent readers of one kind share one
// informer: one list (or watch-list) for all of them.
func TestCacheSharedInformer(t *testing.T) {
	ctx := cacheCtx(t)
	c, log := cacheClient(t, cfg)
	ns := testkit.NewNamespace(t, c, "cache")
	cacheConfigMap(t, c, ns, "shared", nil, nil)
	cc := cacheNew(t, c)
	log.Reset()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			var err error
			if i%2 == 0 {
				_, err = cc.Get(ctx, "v1", "ConfigMap", ns, "shared")
			} else {
				_, err = cc.List(ctx, "v1", "ConfigMapList", kobj.InNamespace(ns))
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	opens := log.Matching(func(method, path, query string) bool {
		return method == "GET" && strings.HasSuffix(path, "/configmaps")
	})
	// One informer: its first list or watch-list; a watch follows a list.
	lists := 0
	for _, r := range opens {
		if !strings.Contains(r, "watch=true") || strings.Contains(r, "sendInitialEvents=true") {
			lists++
		}
	}
	if lists != 1 {
		t.Fatalf("16 readers listed ConfigMaps %d times, want 1: %v", lists, opens)
	}
}

// TestCacheScope: Namespaces and Scope limit what the cache holds; a
// namespace outside them is an error, an object outside a selector is
// NotFound.
func TestCacheScope(t *testing.T) {
	ctx := cacheCtx(t)
	c, _ := cacheClient(t, cfg)
	a := testkit.NewNamespace(t, c, "cache-a")
	b := testkit.NewNamespace(t, c, "cache-b")
	for _, ns := range []string{a, b} {
		cacheConfigMap(t, c, ns, "x", map[string]string{"keep": "yes"}, nil)
		cacheConfigMap(t, c, ns, "y", map[string]string{"keep": "no"}, nil)
		if _, err := kobj.New("v1", "Secret").SetName("s").SetNamespace(ns).Create(ctx, kobj.WithClient(c)); err != nil {
			t.Fatal(err)
		}
	}
	cc := cacheNew(t, c, operator.Namespaces(a),
		operator.Scope("v1", "ConfigMap", kobj.InNamespace(a), kobj.InNamespace(b), kobj.LabelSelector("keep=yes")))

	// Namespaces: Secrets of a only.
	if _, err := cc.Get(ctx, "v1", "Secret", a, "s"); err != nil {
		t.Fatal(err)
	}
	_, err := cc.Get(ctx, "v1", "Secret", b, "s")
	if err == nil || apierrors.IsNotFound(err) || !strings.Contains(err.Error(), "outside the cache's scope") {
		t.Fatalf("Get of a Secret in a namespace outside the cache: %v", err)
	}
	secrets, err := cc.List(ctx, "v1", "SecretList")
	if err != nil || len(secrets) != 1 || secrets[0].Namespace() != a {
		t.Fatalf("List of Secrets = %d, %v; want the one of %s", len(secrets), err, a)
	}
	// Scope: ConfigMaps of a and b, keep=yes only.
	got, err := cc.List(ctx, "v1", "ConfigMapList", kobj.AllNamespaces())
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range got {
		keys = append(keys, o.Namespace()+"/"+o.Name())
	}
	if want := a + "/x," + b + "/x"; strings.Join(keys, ",") != want {
		t.Fatalf("List of scoped ConfigMaps = %v, want %s", keys, want)
	}
	if _, err := cc.Get(ctx, "v1", "ConfigMap", b, "y"); !apierrors.IsNotFound(err) {
		t.Fatalf("Get of a ConfigMap outside the label scope: %v, want NotFound", err)
	}
	// A scope that does not fit: a namespace for a cluster-scoped kind.
	bad := cacheNew(t, c, operator.Scope("v1", "Namespace", kobj.InNamespace(a)))
	if _, err := bad.Get(ctx, "v1", "Namespace", "", a); err == nil || !strings.Contains(err.Error(), "cluster-scoped") {
		t.Fatalf("a namespace in the scope of Namespaces: %v", err)
	}
}

// TestCacheStripManagedFieldsAndTransform: StripManagedFields keeps the
// operator's own field manager's entry only; Transform changes what is
// kept.
func TestCacheStripManagedFieldsAndTransform(t *testing.T) {
	ctx := cacheCtx(t)
	c, _ := cacheClient(t, cfg)
	ns := testkit.NewNamespace(t, c, "cache")
	o := kobj.New("v1", "ConfigMap").SetName("owned").SetNamespace(ns)
	if err := o.Set("data", map[string]any{"mine": "1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Apply(ctx, kobj.WithClient(c), kobj.FieldManager("kobj-operator-website")); err != nil {
		t.Fatal(err)
	}
	other := kobj.New("v1", "ConfigMap").SetName("owned").SetNamespace(ns)
	if err := other.Set("data", map[string]any{"theirs": "2", "big": strings.Repeat("x", 1000)}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Apply(ctx, kobj.WithClient(c), kobj.FieldManager("someone-else")); err != nil {
		t.Fatal(err)
	}
	cc := cacheNew(t, c, operator.StripManagedFields(), operator.Transform(func(o *kobj.Object) {
		if o.Kind() == "ConfigMap" {
			o.Remove(`data.big`)
		}
	}))
	got, err := cc.Get(ctx, "v1", "ConfigMap", ns, "owned")
	if err != nil {
		t.Fatal(err)
	}
	mf, _ := got.Get("metadata.managedFields")
	entries, _ := mf.([]any)
	if len(entries) != 1 {
		t.Fatalf("managedFields after StripManagedFields: %v, want the operator's entry only", mf)
	}
	if m, _ := entries[0].(map[string]any); m["manager"] != "kobj-operator-website" {
		t.Fatalf("managedFields kept %v, want kobj-operator-website's", m["manager"])
	}
	if _, ok := got.Get("data.big"); ok {
		t.Error("Transform: data.big is still cached")
	}
	if v, _ := got.Get("data.theirs"); v != "2" {
		t.Errorf("data.theirs = %v, want 2", v)
	}
	// StripManagedFields alone edits the server's bytes (no Transform
	// needs a map): the same result.
	stripped, err := cacheNew(t, c, operator.StripManagedFields("kobj-operator-web")).Get(ctx, "v1", "ConfigMap", ns, "owned")
	if err != nil {
		t.Fatal(err)
	}
	if mf, _ := stripped.Get("metadata.managedFields"); len(mf.([]any)) != 1 || mf.([]any)[0].(map[string]any)["manager"] != "kobj-operator-website" {
		t.Errorf("managedFields after StripManagedFields alone: %v", mf)
	}
	if v, _ := stripped.Get("data.big"); v != strings.Repeat("x", 1000) {
		t.Errorf("StripManagedFields alone changed data.big")
	}
	// Without the options, the object is as the server sent it.
	full, err := cacheNew(t, c).Get(ctx, "v1", "ConfigMap", ns, "owned")
	if err != nil {
		t.Fatal(err)
	}
	if mf, _ := full.Get("metadata.managedFields"); len(mf.([]any)) != 2 {
		t.Errorf("managedFields without StripManagedFields: %v, want 2 entries", mf)
	}
}

// TestCacheMetadataOnly: a MetadataOnly kind holds apiVersion, kind and
// metadata, read with the metadata client.
func TestCacheMetadataOnly(t *testing.T) {
	ctx := cacheCtx(t)
	c, log := cacheClient(t, cfg)
	ns := testkit.NewNamespace(t, c, "cache")
	s := kobj.New("v1", "Secret").SetName("token").SetNamespace(ns).SetLabel("app", "web")
	if err := s.Set("stringData", map[string]any{"password": "hunter2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, kobj.WithClient(c)); err != nil {
		t.Fatal(err)
	}
	cc := cacheNew(t, c, operator.MetadataOnly("v1", "Secret"))
	log.Reset()
	got, err := cc.Get(ctx, "v1", "Secret", ns, "token")
	if err != nil {
		t.Fatal(err)
	}
	if got.APIVersion() != "v1" || got.Kind() != "Secret" || got.Labels()["app"] != "web" || got.UID() == "" {
		t.Fatalf("metadata-only Secret: %s", got)
	}
	if _, ok := got.Get("data"); ok {
		t.Fatalf("metadata-only Secret has data: %s", got)
	}
	list, err := cc.List(ctx, "v1", "SecretList", kobj.InNamespace(ns), kobj.LabelSelector("app=web"))
	if err != nil || len(list) != 1 {
		t.Fatalf("List of metadata-only Secrets: %d, %v", len(list), err)
	}
	// The metadata client asks for PartialObjectMetadata: every list and
	// watch of Secrets is one.
	if n := len(log.Matching(func(method, path, _ string) bool { return strings.HasSuffix(path, "/secrets") })); n == 0 {
		t.Fatal("no list of Secrets recorded")
	}
}

// TestCacheUnknownKind: a kind the server does not know is an error naming
// it, from Get, List and Index, before any list or watch.
func TestCacheUnknownKind(t *testing.T) {
	ctx := cacheCtx(t)
	c, log := cacheClient(t, cfg)
	cc := cacheNew(t, c)
	log.Reset()
	for name, call := range map[string]func() error{
		"Get":   func() error { _, err := cc.Get(ctx, "example.com/v1", "Nope", "default", "x"); return err },
		"List":  func() error { _, err := cc.List(ctx, "example.com/v1", "NopeList"); return err },
		"Index": func() error { return cc.Index("example.com/v1", "Nope", "spec.x") },
	} {
		err := call()
		if err == nil || !strings.Contains(err.Error(), "Nope") || !meta.IsNoMatchError(err) {
			t.Errorf("%s of an unknown kind: %v; want a no-match error naming Nope", name, err)
		}
	}
	for _, r := range log.Requests() {
		if strings.Contains(r, "watch") || strings.Contains(r, "/namespaces/") {
			t.Errorf("a request other than discovery for an unknown kind: %s", r)
		}
	}
}

// TestCacheForbidden: an informer the server refuses (the user may not
// list the kind) fails the reads with the server's Forbidden, not a
// silent retry loop.
func TestCacheForbidden(t *testing.T) {
	ctx := cacheCtx(t)
	nobody := rest.CopyConfig(cfg)
	nobody.Impersonate = rest.ImpersonationConfig{UserName: "kobj-cache-nobody"}
	c, _ := cacheClient(t, nobody)
	cc := cacheNew(t, c)
	_, err := cc.Get(ctx, "v1", "ConfigMap", "default", "x")
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "ConfigMap") {
		t.Fatalf("Get without the right to list: %v, want Forbidden naming ConfigMap", err)
	}
}

// TestCacheStopLeaksNothing: Stop ends every informer goroutine.
func TestCacheStopLeaksNothing(t *testing.T) {
	ctx := cacheCtx(t)
	c, _ := cacheClient(t, cfg)
	ns := testkit.NewNamespace(t, c, "cache")
	cacheConfigMap(t, c, ns, "x", nil, nil)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cc, err := operator.NewCache(c, operator.Namespaces(ns), operator.MetadataOnly("v1", "Secret"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cc.Get(ctx, "v1", "ConfigMap", ns, "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := cc.List(ctx, "v1", "SecretList"); err != nil {
		t.Fatal(err)
	}
	cc.Stop()
	if _, err := cc.Get(ctx, "v1", "ConfigMap", ns, "x"); err == nil {
		t.Fatal("Get after Stop succeeded")
	}
	c.Close()
}

// cacheCRD installs a namespaced Widget CRD in group (spec.size,
// spec.color) for the test.
func cacheCRD(t *testing.T, c *kobj.Client, group string) {
	t.Helper()
	testCRD{group: group, kind: "Widget", widgetSpec: true}.install(cacheCtx(t), t, c)
}

// TestCacheCustomResource: a custom resource kind is cached like any
// other: reads, selectors on its spec, an index, and objects created after
// the sync.
func TestCacheCustomResource(t *testing.T) {
	ctx := cacheCtx(t)
	c, log := cacheClient(t, cfg)
	group := "cache" + testkit.Suffix() + ".example.com"
	cacheCRD(t, c, group)
	ns := testkit.NewNamespace(t, c, "cache")
	widget := func(name string, size int64, color string) {
		w := kobj.New(group+"/v1", "Widget").SetName(name).SetNamespace(ns)
		if err := w.Set("spec", map[string]any{"size": size, "color": color}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Create(ctx, kobj.WithClient(c)); err != nil {
			t.Fatal(err)
		}
	}
	widget("a", 1, "red")
	widget("b", 2, "blue")
	widget("c", 2, "red")
	cc := cacheNew(t, c)
	if err := cc.Index(group+"/v1", "Widget", "spec.color"); err != nil {
		t.Fatal(err)
	}
	got, err := cc.Get(ctx, group+"/v1", "Widget", ns, "b")
	if err != nil {
		t.Fatal(err)
	}
	if size, _ := got.Get("spec.size"); size != int64(2) || got.Kind() != "Widget" || got.APIVersion() != group+"/v1" {
		t.Fatalf("cached Widget: %s", got)
	}
	log.Reset()
	for _, l := range []struct {
		opt  kobj.ReadOption
		want string
	}{
		{kobj.FieldSelector("spec.size=2"), "b,c"},
		{operator.Indexed("spec.color", "red"), "a,c"},
		{kobj.FieldSelector("spec.color=red,spec.size!=1"), "c"},
	} {
		list, err := cc.List(ctx, group+"/v1", "WidgetList", kobj.InNamespace(ns), l.opt)
		if err != nil {
			t.Fatal(err)
		}
		if names(list) != l.want {
			t.Errorf("List %v = [%s], want [%s]", l.opt, names(list), l.want)
		}
	}
	if n := log.Count(); n != 0 {
		t.Fatalf("reads of cached Widgets sent %d requests: %v", n, log.Requests())
	}
	widget("d", 3, "red")
	cacheEventually(t, "the new Widget is indexed", func() (bool, error) {
		list, err := cc.List(ctx, group+"/v1", "WidgetList", operator.Indexed("spec.color", "red"))
		return names(list) == "a,c,d", err
	})
}
