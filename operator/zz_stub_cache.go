package operator

// TEMPORARY: a minimal Cache satisfying the internal contract of
// OPERATOR_PLAN.md, so that the controllers compile and their e2e tests
// run before H-cache's Cache lands. Deleted in H-ctrl's last commit.

import (
	"context"
	"fmt"
	"sync"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/internal/watchstore"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	toolscache "k8s.io/client-go/tools/cache"
)

// CacheOption configures a Cache (stub: none exist).
type CacheOption interface{ stubCacheOption() }

type stubCache struct {
	mu        sync.Mutex
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	informers map[kindRef]toolscache.SharedIndexInformer
}

// NewCache returns a Cache over c (stub).
func NewCache(c *kobj.Client, opts ...CacheOption) (*Cache, error) {
	if c == nil {
		var err error
		if c, err = kobj.DefaultClient(); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Cache{client: c, stub: &stubCache{ctx: ctx, cancel: cancel, informers: map[kindRef]toolscache.SharedIndexInformer{}}}, nil
}

type handler struct {
	add    func(e *entry, initial bool)
	update func(old, new *entry)
	del    func(last *entry)
}

func (c *Cache) mapping(apiVersion, kind string) (*meta.RESTMapping, error) {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return nil, err
	}
	return c.client.RESTMapper().RESTMapping(gv.WithKind(kind).GroupKind(), gv.Version)
}

func (c *Cache) namespaced(apiVersion, kind string) (bool, error) {
	m, err := c.mapping(apiVersion, kind)
	if err != nil {
		return false, err
	}
	return m.Scope.Name() == meta.RESTScopeNameNamespace, nil
}

func (c *Cache) informer(apiVersion, kind string) (toolscache.SharedIndexInformer, error) {
	s := c.stub
	s.mu.Lock()
	defer s.mu.Unlock()
	k := kindRef{apiVersion, kind}
	if inf, ok := s.informers[k]; ok {
		return inf, nil
	}
	m, err := c.mapping(apiVersion, kind)
	if err != nil {
		return nil, err
	}
	res, err := watchstore.NewResource(c.client.RESTConfig(), c.client.HTTPClient(), nil, m.Resource, "")
	if err != nil {
		return nil, err
	}
	inf := toolscache.NewSharedIndexInformerWithOptions(watchstore.NewListerWatcher(res, watchstore.Options{}),
		&unstructured.Unstructured{}, toolscache.SharedIndexInformerOptions{})
	if err := inf.SetTransform(func(obj any) (any, error) {
		if u, ok := obj.(*unstructured.Unstructured); ok {
			return newEntry(u)
		}
		return obj, nil
	}); err != nil {
		return nil, err
	}
	s.informers[k] = inf
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		inf.RunWithContext(s.ctx)
	}()
	return inf, nil
}

func unwrapEntry(obj any) *entry {
	if d, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	e, _ := obj.(*entry)
	return e
}

func (c *Cache) subscribe(apiVersion, kind string, h handler) (func(), error) {
	inf, err := c.informer(apiVersion, kind)
	if err != nil {
		return nil, err
	}
	reg, err := inf.AddEventHandler(toolscache.ResourceEventHandlerDetailedFuncs{
		AddFunc: func(obj any, initial bool) {
			if e := unwrapEntry(obj); e != nil {
				h.add(e, initial)
			}
		},
		UpdateFunc: func(o, n any) {
			if oe, ne := unwrapEntry(o), unwrapEntry(n); oe != nil && ne != nil {
				h.update(oe, ne)
			}
		},
		DeleteFunc: func(obj any) {
			if e := unwrapEntry(obj); e != nil {
				h.del(e)
			}
		},
	})
	if err != nil {
		return nil, err
	}
	return func() { _ = inf.RemoveEventHandler(reg) }, nil
}

func (c *Cache) waitForSync(ctx context.Context) error {
	c.stub.mu.Lock()
	var synced []toolscache.InformerSynced
	for _, inf := range c.stub.informers {
		synced = append(synced, inf.HasSynced)
	}
	c.stub.mu.Unlock()
	if !toolscache.WaitForCacheSync(ctx.Done(), synced...) {
		return fmt.Errorf("cache not synced: %w", context.Cause(ctx))
	}
	return nil
}

func (c *Cache) entry(ctx context.Context, apiVersion, kind, namespace, name string) (*entry, bool, error) {
	inf, err := c.informer(apiVersion, kind)
	if err != nil {
		return nil, false, err
	}
	obj, ok, err := inf.GetIndexer().GetByKey(key(namespace, name))
	if err != nil || !ok {
		return nil, ok, err
	}
	return obj.(*entry), true, nil
}

func (c *Cache) entries(ctx context.Context, apiVersion, kind, namespace string, sel labels.Selector) ([]*entry, error) {
	return nil, fmt.Errorf("stub cache: entries not implemented")
}

func (c *Cache) expect(apiVersion, kind, namespace, name, rv string) {}
func (c *Cache) expectGone(apiVersion, kind, namespace, name string) {}

// Stop stops every informer (stub).
func (c *Cache) Stop() {
	c.stub.cancel()
	c.stub.wg.Wait()
}
