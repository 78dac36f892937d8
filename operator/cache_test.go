package operator

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
)

// fakeLW is a ListerWatcher of fixed objects and one fake watch, without
// watch-list (which a fake watch would have to imitate).
type fakeLW struct {
	*cache.ListWatch
}

func (fakeLW) IsWatchListSemanticsUnSupported() bool { return true }

// fakeSource serves the informers of a test cache: the list of its
// objects, then the changes the test sends on its watch.
type fakeSource struct {
	mu      sync.Mutex
	objects []*unstructured.Unstructured
	watcher *watch.FakeWatcher
	lists   int
}

func (s *fakeSource) lw() fakeLW {
	return fakeLW{&cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.lists++
			l := &unstructured.UnstructuredList{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMapList"}}
			l.SetResourceVersion("10")
			for _, o := range s.objects {
				l.Items = append(l.Items, *o.DeepCopy())
			}
			return l, nil
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			return s.watcher, nil
		},
	}}
}

// configMap returns an unstructured ConfigMap.
func configMap(ns, name, rv string, labels map[string]string, data map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap"}}
	u.SetNamespace(ns)
	u.SetName(name)
	u.SetResourceVersion(rv)
	u.SetLabels(labels)
	if data != nil {
		u.Object["data"] = data
	}
	return u
}

// newTestCache returns a cache whose ConfigMaps come from src, synced.
func newTestCache(t *testing.T, src *fakeSource, opts ...CacheOption) (*Cache, *kindCache) {
	t.Helper()
	client, err := kobj.NewClient(&rest.Config{Host: "http://127.0.0.1:1"}, kobj.CacheDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewCache(client, opts...)
	if err != nil {
		t.Fatal(err)
	}
	c.consistency = time.Minute
	c.listerWatcher = func(kc *kindCache, ns string) (cache.ListerWatcher, runtime.Object, error) {
		return src.lw(), &unstructured.Unstructured{}, nil
	}
	src.watcher = watch.NewFake()
	ref := kindRef{"v1", "ConfigMap"}
	kc, err := c.newKindCache(ref, schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}, true)
	if err != nil {
		t.Fatal(err)
	}
	c.kinds[ref] = kc
	kc.start()
	t.Cleanup(c.Stop)
	if err := c.waitForSync(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c, kc
}

func objectNames(objs []*kobj.Object) string {
	var out []string
	for _, o := range objs {
		out = append(out, o.Namespace()+"/"+o.Name())
	}
	return strings.Join(out, ",")
}

func TestCacheReads(t *testing.T) {
	src := &fakeSource{objects: []*unstructured.Unstructured{
		configMap("a", "one", "1", map[string]string{"app": "web"}, map[string]any{"k": "1", "n": int64(7)}),
		configMap("a", "two", "2", map[string]string{"app": "db"}, map[string]any{"k": "2", "flag": true}),
		configMap("b", "one", "3", map[string]string{"app": "web"}, map[string]any{"k": "1"}),
	}}
	c, _ := newTestCache(t, src)
	ctx := context.Background()
	if err := c.Index("v1", "ConfigMap", "data.k"); err != nil {
		t.Fatal(err)
	}
	if err := c.Index("v1", "ConfigMap", "data.k"); err != nil {
		t.Fatalf("indexing again: %v", err)
	}
	tests := []struct {
		opts []kobj.ReadOption
		want string
	}{
		{nil, "a/one,a/two,b/one"},
		{[]kobj.ReadOption{kobj.AllNamespaces()}, "a/one,a/two,b/one"},
		{[]kobj.ReadOption{kobj.InNamespace("a")}, "a/one,a/two"},
		{[]kobj.ReadOption{kobj.LabelSelector("app=web")}, "a/one,b/one"},
		{[]kobj.ReadOption{kobj.LabelSelector("app=web"), kobj.LabelSelector("app!=db"), kobj.InNamespace("b")}, "b/one"},
		{[]kobj.ReadOption{kobj.FieldSelector("data.k=1")}, "a/one,b/one"},
		{[]kobj.ReadOption{kobj.FieldSelector("data.n=7")}, "a/one"},
		{[]kobj.ReadOption{kobj.FieldSelector("data.flag==true")}, "a/two"},
		{[]kobj.ReadOption{kobj.FieldSelector("data.k!=1")}, "a/two"},
		{[]kobj.ReadOption{kobj.FieldSelector("metadata.name=one,metadata.namespace=b")}, "b/one"},
		{[]kobj.ReadOption{kobj.FieldSelector("data.n=")}, "a/two,b/one"},
		{[]kobj.ReadOption{Indexed("data.k", "2")}, "a/two"},
		{[]kobj.ReadOption{Indexed("data.k", "1"), kobj.InNamespace("b")}, "b/one"},
		{[]kobj.ReadOption{Indexed("data.n", "7")}, "a/one"}, // no index: read
		{[]kobj.ReadOption{Indexed("data.k", "none")}, ""},
		{[]kobj.ReadOption{kobj.InNamespace("c")}, ""},
	}
	for _, tt := range tests {
		got, err := c.List(ctx, "v1", "ConfigMapList", tt.opts...)
		if err != nil {
			t.Fatalf("List %v: %v", tt.opts, err)
		}
		if objectNames(got) != tt.want {
			t.Errorf("List %v = %s, want %s", tt.opts, objectNames(got), tt.want)
		}
	}
	o, err := c.Get(ctx, "v1", "ConfigMap", "a", "one")
	if err != nil || o.ResourceVersion() != "1" {
		t.Fatalf("Get = %v, %v", o, err)
	}
	// The caller's to change.
	if err := o.Set("data.k", "changed"); err != nil {
		t.Fatal(err)
	}
	again, _ := c.Get(ctx, "v1", "ConfigMap", "a", "one")
	if v, _ := again.Get("data.k"); v != "1" {
		t.Fatalf("a change to a returned object reached the cache: data.k = %v", v)
	}
	_, err = c.Get(ctx, "v1", "ConfigMap", "a", "missing")
	var status *apierrors.StatusError
	if !apierrors.IsNotFound(err) || !errors.As(err, &status) || !strings.Contains(err.Error(), "configmaps") {
		t.Fatalf("Get of a missing object: %v", err)
	}
	if src.lists != 1 {
		t.Fatalf("%d lists, want 1", src.lists)
	}
}

func TestCacheListErrors(t *testing.T) {
	c, _ := newTestCache(t, &fakeSource{})
	ctx := context.Background()
	tests := []struct {
		opts []kobj.ReadOption
		want string
	}{
		{[]kobj.ReadOption{kobj.Limit(3)}, "kobj.Limit is not an option of a cached List"},
		{[]kobj.ReadOption{kobj.LabelSelector("a in (")}, `LabelSelector("a in (")`},
		{[]kobj.ReadOption{kobj.FieldSelector("spec..x=1")}, `FieldSelector("spec..x=1")`},
		{[]kobj.ReadOption{kobj.FieldSelector("a")}, `FieldSelector("a")`},
		{[]kobj.ReadOption{Indexed("", "x")}, `Indexed("", "x")`},
		{[]kobj.ReadOption{kobj.InNamespace("a"), kobj.InNamespace("b")}, `InNamespace("a") and InNamespace("b")`},
		{[]kobj.ReadOption{kobj.InNamespace("a"), kobj.AllNamespaces()}, "both AllNamespaces and InNamespace"},
		{[]kobj.ReadOption{kobj.InNamespace("Not_A_Name")}, `InNamespace("Not_A_Name")`},
	}
	for _, tt := range tests {
		_, err := c.List(ctx, "v1", "ConfigMapList", tt.opts...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("List %v: %v, want an error with %q", tt.opts, err, tt.want)
		}
	}
	if err := c.Index("v1", "ConfigMap", "a[b"); err == nil || !strings.Contains(err.Error(), "a[b") {
		t.Errorf("Index of a bad path: %v", err)
	}
	if _, err := c.Get(ctx, "v1", "ConfigMap", "a", ""); err == nil || !strings.Contains(err.Error(), "no name") {
		t.Errorf("Get without a name: %v", err)
	}
}

func TestCacheScopeErrors(t *testing.T) {
	c, _ := newTestCache(t, &fakeSource{}, Namespaces("a", "b"))
	ctx := context.Background()
	if _, err := c.Get(ctx, "v1", "ConfigMap", "c", "x"); err == nil || !strings.Contains(err.Error(), `namespace "c" is outside the cache's scope (a, b)`) {
		t.Fatalf("Get outside the scope: %v", err)
	}
	if _, err := c.List(ctx, "v1", "ConfigMapList", kobj.InNamespace("c")); err == nil {
		t.Fatal("List outside the scope succeeded")
	}
	if _, err := c.Get(ctx, "v1", "ConfigMap", "a", "x"); !apierrors.IsNotFound(err) {
		t.Fatalf("Get inside the scope: %v", err)
	}
}

func TestCacheReadYourWrites(t *testing.T) {
	src := &fakeSource{objects: []*unstructured.Unstructured{
		configMap("a", "one", "4", nil, nil),
		configMap("a", "two", "4", nil, nil),
	}}
	c, kc := newTestCache(t, src)
	ctx := context.Background()
	canceled, cancel := context.WithCancel(ctx)
	cancel()

	// A write the informer has not seen: reads wait (a canceled read
	// fails rather than answer the old version).
	c.expect("v1", "ConfigMap", "a", "one", "5")
	if _, err := c.Get(canceled, "v1", "ConfigMap", "a", "one"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Get before the informer has the write: %v, want it to wait", err)
	}
	if _, err := c.List(canceled, "v1", "ConfigMapList"); !errors.Is(err, context.Canceled) {
		t.Fatalf("List before the informer has the write: %v, want it to wait", err)
	}
	// Another object of the kind does not wait.
	if _, err := c.Get(canceled, "v1", "ConfigMap", "a", "two"); err != nil {
		t.Fatalf("Get of another object: %v", err)
	}
	go src.watcher.Modify(configMap("a", "one", "5", nil, nil))
	o, err := c.Get(ctx, "v1", "ConfigMap", "a", "one")
	if err != nil || o.ResourceVersion() != "5" {
		t.Fatalf("Get after the write = %v, %v; want resourceVersion 5", o, err)
	}
	// A newer version satisfies it too; non-numeric versions only when equal.
	c.expect("v1", "ConfigMap", "a", "two", "6")
	go src.watcher.Modify(configMap("a", "two", "7", nil, nil))
	if o, err := c.Get(ctx, "v1", "ConfigMap", "a", "two"); err != nil || o.ResourceVersion() != "7" {
		t.Fatalf("Get after a newer write = %v, %v", o, err)
	}

	// A delete: reads wait until the informer no longer has it.
	c.expectGone("v1", "ConfigMap", "a", "one")
	if _, err := c.Get(canceled, "v1", "ConfigMap", "a", "one"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Get before the informer has the delete: %v, want it to wait", err)
	}
	go src.watcher.Delete(configMap("a", "one", "8", nil, nil))
	if _, err := c.Get(ctx, "v1", "ConfigMap", "a", "one"); !apierrors.IsNotFound(err) {
		t.Fatalf("Get after the delete: %v, want NotFound", err)
	}

	// Bounded: a write the informer never sees is given up on.
	c.consistency = time.Millisecond
	c.expect("v1", "ConfigMap", "a", "two", "99")
	if o, err := c.Get(ctx, "v1", "ConfigMap", "a", "two"); err != nil || o.ResourceVersion() != "7" {
		t.Fatalf("Get after the timeout = %v, %v; want the cached version", o, err)
	}
	kc.mu.Lock()
	left := len(kc.expected)
	kc.mu.Unlock()
	if left != 0 {
		t.Fatalf("%d expectations left after the timeout", left)
	}
	// A write no read waits for is forgotten once the informer has it.
	c.consistency = time.Minute
	c.expect("v1", "ConfigMap", "a", "two", "9")
	src.watcher.Modify(configMap("a", "two", "9", nil, nil))
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Millisecond) {
		kc.mu.Lock()
		left = len(kc.expected)
		kc.mu.Unlock()
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the informer had the write, and the expectation is still kept")
		}
	}
	// Kinds without informers, and namespaces outside the scope, record nothing.
	c.expect("v1", "Secret", "a", "x", "1")
	if c.existingKind("v1", "Secret") != nil {
		t.Fatal("expect started an informer")
	}
}

func TestCacheSubscribe(t *testing.T) {
	src := &fakeSource{objects: []*unstructured.Unstructured{configMap("a", "one", "1", nil, nil)}}
	c, _ := newTestCache(t, src)
	type event struct {
		what    string
		initial bool
	}
	events := make(chan event, 10)
	remove, err := c.subscribe("v1", "ConfigMap", handler{
		add:    func(e *entry, initial bool) { events <- event{"add " + e.Name + " " + e.ResourceVersion, initial} },
		update: func(o, n *entry) { events <- event{"update " + o.ResourceVersion + ">" + n.ResourceVersion, false} },
		del:    func(e *entry) { events <- event{"delete " + e.Name, false} },
	})
	if err != nil {
		t.Fatal(err)
	}
	src.watcher.Add(configMap("a", "two", "2", nil, nil))
	src.watcher.Modify(configMap("a", "two", "3", nil, nil))
	src.watcher.Delete(configMap("a", "two", "4", nil, nil))
	want := []event{{"add one 1", true}, {"add two 2", false}, {"update 2>3", false}, {"delete two", false}}
	for _, w := range want {
		if got := <-events; got != w {
			t.Fatalf("event %+v, want %+v", got, w)
		}
	}
	remove()
	// After remove, nothing more; the informer goes on for the others.
	src.watcher.Add(configMap("a", "three", "5", nil, nil))
	ctx := context.Background()
	c.expect("v1", "ConfigMap", "a", "three", "5")
	if _, err := c.Get(ctx, "v1", "ConfigMap", "a", "three"); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-events:
		t.Fatalf("event after remove: %+v", e)
	default:
	}
}

// A Transform that panics does not end the program (it runs on the
// informer's goroutine): the object is kept as the Transform left it,
// and the other objects are transformed.
func TestCacheTransformPanicIsRecovered(t *testing.T) {
	one := configMap("a", "one", "1", nil, map[string]any{"big": "xxxx"})
	two := configMap("a", "two", "1", nil, map[string]any{"big": "yyyy"})
	src := &fakeSource{objects: []*unstructured.Unstructured{one, two}}
	c, _ := newTestCache(t, src, Transform(func(o *kobj.Object) {
		o.Remove("data.big")
		if o.Name() == "one" {
			panic("boom")
		}
	}))
	ctx := context.Background()
	for _, name := range []string{"one", "two"} {
		o, err := c.Get(ctx, "v1", "ConfigMap", "a", name)
		if err != nil {
			t.Fatalf("Get %s: %v", name, err)
		}
		if _, ok := o.Get("data.big"); ok {
			t.Errorf("%s: data.big kept; want the object as the Transform left it", name)
		}
	}
}

func TestCacheTransformsAndEntries(t *testing.T) {
	cm := configMap("a", "one", "1", map[string]string{"app": "web"}, map[string]any{"big": "xxxx", "small": "1"})
	cm.Object["metadata"].(map[string]any)["managedFields"] = []any{
		map[string]any{"manager": "kubectl", "operation": "Update"},
		map[string]any{"manager": "kobj-operator-website", "operation": "Apply"},
		map[string]any{"manager": "mine", "operation": "Apply"},
	}
	src := &fakeSource{objects: []*unstructured.Unstructured{cm}}
	c, _ := newTestCache(t, src, StripManagedFields(), Transform(func(o *kobj.Object) { o.Remove("data.big") }))
	ctx := context.Background()
	o, err := c.Get(ctx, "v1", "ConfigMap", "a", "one")
	if err != nil {
		t.Fatal(err)
	}
	mf, _ := o.Get("metadata.managedFields")
	if fmt.Sprint(mf) != "[map[manager:kobj-operator-website operation:Apply]]" {
		t.Errorf("managedFields = %v", mf)
	}
	if _, ok := o.Get("data.big"); ok {
		t.Error("Transform did not remove data.big")
	}
	es, err := c.entries(ctx, "v1", "ConfigMap", "a", nil)
	if err != nil || len(es) != 1 || es[0].Labels["app"] != "web" {
		t.Fatalf("entries = %v, %v", es, err)
	}
}

func TestCacheStop(t *testing.T) {
	c, _ := newTestCache(t, &fakeSource{})
	c.Stop()
	c.Stop()
	if _, err := c.Get(context.Background(), "v1", "ConfigMap", "a", "x"); !errors.Is(err, errStopped) {
		t.Fatalf("Get after Stop: %v", err)
	}
	if _, err := c.subscribe("v1", "ConfigMap", handler{}); !errors.Is(err, errStopped) {
		t.Fatalf("subscribe after Stop: %v", err)
	}
}
