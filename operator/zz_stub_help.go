package operator

// TEMPORARY (H-helpers): minimal stand-ins for H-cache's and H-ctrl's parts,
// so that apply.go, conditions.go, finalizer.go and events.go compile and
// can be tested end to end before those land. The lead deletes this file
// when merging the real ones. Nothing here is a contract.

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/kobj-dev/kobj"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic/dynamicinformer"
	toolscache "k8s.io/client-go/tools/cache"
)

type stubInformer struct {
	inf    toolscache.SharedIndexInformer
	cancel context.CancelFunc
	done   chan struct{}
}

type stubState struct {
	mu        sync.Mutex
	informers map[schema.GroupVersionKind]*stubInformer
	expected  map[string]string // kind key -> rv ("" = gone)
}

// stubStates holds the stub caches' state (the real Cache has fields).
var stubStates sync.Map // *Cache -> *stubState

func (c *Cache) stub() *stubState {
	s, _ := stubStates.LoadOrStore(c, &stubState{informers: map[schema.GroupVersionKind]*stubInformer{}, expected: map[string]string{}})
	return s.(*stubState)
}

func (c *Cache) informer(ctx context.Context, apiVersion, kind string) (toolscache.SharedIndexInformer, error) {
	gvk := schema.FromAPIVersionAndKind(apiVersion, kind)
	s := c.stub()
	s.mu.Lock()
	si := s.informers[gvk]
	if si == nil {
		m, err := c.client.RESTMapper().RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			s.mu.Unlock()
			return nil, err
		}
		dyn, err := c.client.Dynamic()
		if err != nil {
			s.mu.Unlock()
			return nil, err
		}
		inf := dynamicinformer.NewFilteredDynamicInformer(dyn, m.Resource, metav1.NamespaceAll, 0, toolscache.Indexers{}, nil).Informer()
		ictx, cancel := context.WithCancel(context.Background())
		si = &stubInformer{inf: inf, cancel: cancel, done: make(chan struct{})}
		go func() { defer close(si.done); inf.RunWithContext(ictx) }()
		s.informers[gvk] = si
	}
	s.mu.Unlock()
	if !toolscache.WaitForCacheSync(ctx.Done(), si.inf.HasSynced) {
		return nil, ctx.Err()
	}
	return si.inf, nil
}

func stubKey(apiVersion, kind, namespace, name string) string {
	gvk := schema.FromAPIVersionAndKind(apiVersion, kind)
	return gvk.GroupKind().String() + "|" + key(namespace, name)
}

func rvAtLeast(have, want string) bool {
	h, err1 := strconv.ParseUint(have, 10, 64)
	w, err2 := strconv.ParseUint(want, 10, 64)
	if err1 != nil || err2 != nil {
		return have == want
	}
	return h >= w
}

// settle waits (bounded) until the informer shows what expect/expectGone said.
func (c *Cache) settle(ctx context.Context, inf toolscache.SharedIndexInformer, apiVersion, kind string) {
	s := c.stub()
	deadline := time.Now().Add(5 * time.Second)
	gk := schema.FromAPIVersionAndKind(apiVersion, kind).GroupKind().String() + "|"
	for time.Now().Before(deadline) && ctx.Err() == nil {
		pending := false
		s.mu.Lock()
		for k, rv := range s.expected {
			if len(k) < len(gk) || k[:len(gk)] != gk {
				continue
			}
			obj, exists, _ := inf.GetStore().GetByKey(k[len(gk):])
			if rv == "" && !exists || rv != "" && exists && rvAtLeast(obj.(*unstructured.Unstructured).GetResourceVersion(), rv) {
				delete(s.expected, k)
				continue
			}
			pending = true
		}
		s.mu.Unlock()
		if !pending {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (c *Cache) entry(ctx context.Context, apiVersion, kind, namespace, name string) (*entry, bool, error) {
	inf, err := c.informer(ctx, apiVersion, kind)
	if err != nil {
		return nil, false, err
	}
	c.settle(ctx, inf, apiVersion, kind)
	obj, exists, err := inf.GetStore().GetByKey(key(namespace, name))
	if err != nil || !exists {
		return nil, false, err
	}
	e, err := newEntry(obj.(*unstructured.Unstructured))
	return e, err == nil, err
}

func (c *Cache) entries(ctx context.Context, apiVersion, kind, namespace string, sel labels.Selector) ([]*entry, error) {
	inf, err := c.informer(ctx, apiVersion, kind)
	if err != nil {
		return nil, err
	}
	c.settle(ctx, inf, apiVersion, kind)
	var out []*entry
	for _, obj := range inf.GetStore().List() {
		u := obj.(*unstructured.Unstructured)
		if namespace != "" && u.GetNamespace() != namespace || !sel.Matches(labels.Set(u.GetLabels())) {
			continue
		}
		e, err := newEntry(u)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func (c *Cache) expect(apiVersion, kind, namespace, name, rv string) {
	s := c.stub()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expected[stubKey(apiVersion, kind, namespace, name)] = rv
}

func (c *Cache) expectGone(apiVersion, kind, namespace, name string) {
	c.expect(apiVersion, kind, namespace, name, "")
}

func (c *Cache) namespaced(apiVersion, kind string) (bool, error) {
	gvk := schema.FromAPIVersionAndKind(apiVersion, kind)
	m, err := c.client.RESTMapper().RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return false, err
	}
	return m.Scope.Name() == meta.RESTScopeNameNamespace, nil
}

// StubStop stops the stub cache's informers and waits for them.
func (c *Cache) stubStop() {
	s := c.stub()
	s.mu.Lock()
	infs := s.informers
	s.informers = map[schema.GroupVersionKind]*stubInformer{}
	s.mu.Unlock()
	for _, si := range infs {
		si.cancel()
		<-si.done
	}
	stubStates.Delete(c)
}

// TestManager is a TEMPORARY test hook: a Manager with a stub cache and a
// running event recorder. Stop stops both.
type TestManager struct {
	*Manager
	stop context.CancelFunc
	done chan struct{}
}

// NewManagerForTest is a TEMPORARY test hook (deleted at merge).
func NewManagerForTest(c *kobj.Client) (*TestManager, error) {
	m := &Manager{client: c, cache: &Cache{client: c}}
	rec, err := newRecorder(m)
	if err != nil {
		return nil, err
	}
	m.recorder = rec
	ctx, cancel := context.WithCancel(context.Background())
	tm := &TestManager{Manager: m, stop: cancel, done: make(chan struct{})}
	go func() { defer close(tm.done); rec.run(ctx) }()
	return tm, nil
}

// Stop is a TEMPORARY test hook.
func (tm *TestManager) Stop() {
	tm.stop()
	<-tm.done
	tm.cache.stubStop()
}

// TestController is a TEMPORARY test hook describing a controller.
type TestController struct {
	APIVersion, Kind string
	Owns             [][2]string
	FieldManager     string
	Finalizer        string
	Finalize         func(ctx context.Context, r *Reconcile) error
}

// NewReconcileForTest is a TEMPORARY test hook: the Reconcile a controller
// would hand its reconciler for req, its object read from the cache.
func (tm *TestManager) NewReconcileForTest(ctx context.Context, tc TestController, req Request) (*Reconcile, error) {
	ctl := &controller{mgr: tm.Manager, forKind: kindRef{tc.APIVersion, tc.Kind}, fieldManager: tc.FieldManager,
		finalizer: tc.Finalizer, finalize: tc.Finalize}
	for _, o := range tc.Owns {
		ctl.owns = append(ctl.owns, kindRef{o[0], o[1]})
		if _, err := tm.cache.informer(ctx, o[0], o[1]); err != nil {
			return nil, err
		}
	}
	r := &Reconcile{Request: req, ctl: ctl, Reason: Changed}
	e, found, err := tm.cache.entry(ctx, req.APIVersion, req.Kind, req.Namespace, req.Name)
	if err != nil {
		return nil, err
	}
	if found {
		if r.Object, err = e.object(tm.client); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// FlushForTest is a TEMPORARY test hook: what the controller does after
// the reconciler returns.
func (r *Reconcile) FlushForTest(ctx context.Context) error { return r.flush(ctx) }

// FinalizeOrAddForTest is a TEMPORARY test hook: what the controller does
// before the reconciler runs.
func (r *Reconcile) FinalizeOrAddForTest(ctx context.Context) (bool, error) {
	return r.finalizeOrAdd(ctx)
}

// ExpectForTest is a TEMPORARY test hook: cache.expect.
func (tm *TestManager) ExpectForTest(apiVersion, kind, namespace, name, rv string) {
	tm.cache.expect(apiVersion, kind, namespace, name, rv)
}

// GetForTest is a TEMPORARY test hook: the cached object.
func (tm *TestManager) GetForTest(ctx context.Context, apiVersion, kind, namespace, name string) (*kobj.Object, error) {
	e, found, err := tm.cache.entry(ctx, apiVersion, kind, namespace, name)
	if err != nil || !found {
		return nil, fmt.Errorf("not found (%v)", err)
	}
	return e.object(tm.client)
}
