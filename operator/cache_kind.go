package operator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/internal/rawjson"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// kindCache is what the cache holds of one kind: its informers, one per
// namespace of its scope ("" for every namespace, or a cluster-scoped
// kind), its indexes and the writes its reads wait for. With
// NamespacesLabeled (dynamic), the namespaces come and go.
type kindCache struct {
	c            *Cache
	ref          kindRef
	gvr          schema.GroupVersionResource
	namespaced   bool
	metadataOnly bool
	scope        kindScope
	dynamic      bool // the namespaces follow the cache's NamespacesLabeled set

	imu       sync.RWMutex
	informers map[string]*kindInformer // by namespace; changes only when dynamic
	handlers  map[int]*subscription    // the subscribers, added to every informer
	nextSub   int
	indexFns  cache.Indexers // Index's, added to every informer
	retired   bool           // stopped for good: no informer is added

	mu       sync.Mutex
	indexed  map[string]bool        // paths with an index
	expected map[string]expectation // by key: the writes reads wait for
	changed  chan struct{}          // closed and replaced when the store changes while writes are expected
}

// subscription is one subscriber's handler and its registration with
// each informer.
type subscription struct {
	funcs cache.ResourceEventHandler
	regs  map[*kindInformer]cache.ResourceEventHandlerRegistration
}

// newKindCache makes (without starting) the informers of a kind. It fails
// when the kind's scope does not fit it.
func (c *Cache) newKindCache(ref kindRef, gvr schema.GroupVersionResource, namespaced bool) (*kindCache, error) {
	return c.newKindCacheScoped(ref, gvr, namespaced, c.cfg.scopes[ref], true)
}

// newKindCacheScoped is newKindCache with the kind's scope given; follow
// says whether it may follow the NamespacesLabeled set.
func (c *Cache) newKindCacheScoped(ref kindRef, gvr schema.GroupVersionResource, namespaced bool, scope kindScope, follow bool) (*kindCache, error) {
	kc := &kindCache{c: c, ref: ref, gvr: gvr, namespaced: namespaced, metadataOnly: c.cfg.metadata[ref],
		scope: scope, informers: map[string]*kindInformer{}, handlers: map[int]*subscription{},
		indexFns: cache.Indexers{}, indexed: map[string]bool{},
		expected: map[string]expectation{}, changed: make(chan struct{})}
	namespaces := []string{""}
	switch {
	case !namespaced:
		if len(kc.scope.namespaces) > 0 || kc.scope.allNamespaces {
			return nil, fmt.Errorf("operator cache: Scope(%q, %q): a namespace for a cluster-scoped kind", ref.APIVersion, ref.Kind)
		}
	case len(kc.scope.namespaces) > 0:
		namespaces = kc.scope.namespaces
	case !kc.scope.allNamespaces && len(c.cfg.namespaces) > 0:
		namespaces = c.cfg.namespaces
	case follow && c.followsNamespaces(ref, namespaced):
		kc.dynamic = true
		namespaces = c.nw.current() // c.namespaces has started it
	}
	for _, ns := range namespaces {
		ki, err := kc.newInformer(ns)
		if err != nil {
			return nil, fmt.Errorf("operator cache: %s %s: %w", ref.APIVersion, ref.Kind, err)
		}
		kc.informers[ns] = ki
	}
	return kc, nil
}

// start runs the kind's informers.
func (kc *kindCache) start() {
	for _, ki := range kc.all() {
		ki.start(kc.c.ctx)
	}
}

// stop stops the kind's informers and waits for them.
func (kc *kindCache) stop() {
	kc.imu.Lock()
	kc.retired = true
	kc.imu.Unlock()
	for _, ki := range kc.all() {
		ki.stop()
	}
}

// all returns the kind's informers, sorted by namespace.
func (kc *kindCache) all() []*kindInformer {
	kc.imu.RLock()
	defer kc.imu.RUnlock()
	out := make([]*kindInformer, 0, len(kc.informers))
	for _, ns := range kc.namespacesLocked() {
		out = append(out, kc.informers[ns])
	}
	return out
}

// follow makes the kind's informers those of namespaces: it starts the
// informers of the namespaces that joined (with every subscriber's
// handler and every index) and stops those of the namespaces that left.
// A namespace that left is outside the cache's scope from then on.
func (kc *kindCache) follow(namespaces map[string]bool) {
	kc.imu.Lock()
	if kc.retired {
		kc.imu.Unlock()
		return
	}
	var gone []*kindInformer
	for ns, ki := range kc.informers {
		if !namespaces[ns] {
			gone = append(gone, ki)
			delete(kc.informers, ns)
			for _, s := range kc.handlers {
				delete(s.regs, ki)
			}
		}
	}
	for ns := range namespaces {
		if _, ok := kc.informers[ns]; ok {
			continue
		}
		ki, err := kc.newInformer(ns)
		if err == nil && len(kc.indexFns) > 0 {
			err = ki.inf.AddIndexers(kc.indexFns)
		}
		for _, s := range kc.handlers {
			if err != nil {
				break
			}
			var reg cache.ResourceEventHandlerRegistration
			if reg, err = ki.inf.AddEventHandler(s.funcs); err == nil {
				s.regs[ki] = reg
			}
		}
		if err != nil {
			klog.FromContext(kc.c.ctx).Error(err, "Starting an informer for a namespace that joined the cache", "kind", kc.ref.String(), "namespace", ns)
			continue
		}
		kc.informers[ns] = ki
		ki.start(kc.c.ctx)
	}
	kc.imu.Unlock()
	for _, ki := range gone {
		ki.fail(fmt.Errorf("operator cache: namespace %s left the cache's namespaces", ki.namespace))
		ki.stop()
	}
}

// addHandler tells h of the objects of every informer of the kind, now
// and later ones; remove stops it.
func (kc *kindCache) addHandler(h cache.ResourceEventHandler) (remove func(), err error) {
	kc.imu.Lock()
	defer kc.imu.Unlock()
	s := &subscription{funcs: h, regs: map[*kindInformer]cache.ResourceEventHandlerRegistration{}}
	removeLocked := func() {
		for ki, reg := range s.regs {
			_ = ki.inf.RemoveEventHandler(reg) // fails only for an unknown registration
		}
		clear(s.regs)
	}
	for _, ns := range kc.namespacesLocked() {
		ki := kc.informers[ns]
		reg, err := ki.inf.AddEventHandler(h)
		if err != nil {
			removeLocked()
			return nil, errors.Join(err, ki.failure())
		}
		s.regs[ki] = reg
	}
	id := kc.nextSub
	kc.nextSub++
	kc.handlers[id] = s
	return func() {
		kc.imu.Lock()
		defer kc.imu.Unlock()
		removeLocked()
		delete(kc.handlers, id)
	}, nil
}

// registrations returns the subscribers' registrations with the kind's
// informers.
func (kc *kindCache) registrations() []cache.ResourceEventHandlerRegistration {
	kc.imu.RLock()
	defer kc.imu.RUnlock()
	var regs []cache.ResourceEventHandlerRegistration
	for _, s := range kc.handlers {
		for _, reg := range s.regs {
			regs = append(regs, reg)
		}
	}
	return regs
}

// retire stops the kind's informers for good: reads waiting for them
// get err rather than wait for a sync that cannot come.
func (kc *kindCache) retire(err error) {
	for _, ki := range kc.all() {
		ki.fail(err)
	}
	kc.stop()
}

// synced reports whether every informer of the kind has synced.
func (kc *kindCache) synced() bool {
	for _, ki := range kc.all() {
		if !ki.inf.HasSynced() {
			return false
		}
	}
	return true
}

// informerFor returns the informer that holds namespace ns's objects.
func (kc *kindCache) informerFor(ns string) (*kindInformer, error) {
	kc.imu.RLock()
	defer kc.imu.RUnlock()
	if ki, ok := kc.informers[""]; ok {
		return ki, nil
	}
	if ki, ok := kc.informers[ns]; ok {
		return ki, nil
	}
	return nil, fmt.Errorf("operator cache: %s %s: namespace %q is outside the cache's scope (%s)",
		kc.ref.APIVersion, kc.ref.Kind, ns, kc.scopeLocked())
}

// scopeLocked describes the namespaces of the kind's informers.
func (kc *kindCache) scopeLocked() string {
	s := strings.Join(kc.namespacesLocked(), ", ")
	if kc.dynamic {
		s = "namespaces labeled " + *kc.c.cfg.nsLabeled + ": " + s
	}
	return s
}

// namespacesLocked returns the namespaces of the kind's informers, sorted.
func (kc *kindCache) namespacesLocked() []string {
	out := make([]string, 0, len(kc.informers))
	for ns := range kc.informers {
		out = append(out, ns)
	}
	sort.Strings(out)
	return out
}

// informersFor returns the informers a read of namespace ns ("" for
// all) looks in.
func (kc *kindCache) informersFor(ns string) ([]*kindInformer, error) {
	if ns != "" {
		ki, err := kc.informerFor(ns)
		if err != nil {
			return nil, err
		}
		return []*kindInformer{ki}, nil
	}
	return kc.all(), nil
}

// waitSynced waits for the informers of namespace ns ("" for all).
func (kc *kindCache) waitSynced(ctx context.Context, ns string) ([]*kindInformer, error) {
	infs, err := kc.informersFor(ns)
	if err != nil {
		return nil, err
	}
	for _, ki := range infs {
		if err := ki.waitSynced(ctx); err != nil {
			return nil, err
		}
	}
	return infs, nil
}

// notify wakes the reads waiting for an expected write, on a change the
// store has: obj, stored or (gone) deleted. It forgets the expected write
// obj fulfils, so that a write no read waits for is not kept.
func (kc *kindCache) notify(obj any, gone bool) {
	kc.mu.Lock()
	defer kc.mu.Unlock()
	if len(kc.expected) == 0 {
		return
	}
	if e, ok := entryOf(obj); ok {
		k := key(e.Namespace, e.Name)
		if x, ok := kc.expected[k]; ok && x.gone == gone && (gone || rvAtLeast(e.ResourceVersion, x.rv)) {
			delete(kc.expected, k)
		}
	}
	close(kc.changed)
	kc.changed = make(chan struct{})
}

// toEntry is the informers' transform: the object as the cache keeps it,
// its JSON (after StripManagedFields and Transform). It runs once per
// object received, before the store and every handler see it.
func (kc *kindCache) toEntry(obj any) (any, error) {
	var u *unstructured.Unstructured
	switch o := obj.(type) {
	case *entry:
		return o, nil // already transformed
	case *unstructured.Unstructured:
		u = o
		if r, ok := rawjson.Of(o); ok {
			if kc.c.cfg.transform == nil {
				if kc.c.cfg.strip {
					// managedFields of a shape the server never sends: kept
					// whole, rather than fail the list (the reflector would
					// list again and again).
					if raw, err := stripRaw(r.Raw, kc.c.cfg.keep); err == nil {
						r.Raw = raw
					}
				}
				return rawEntry(r), nil
			}
			m, err := (&entry{raw: r.Raw}).decode()
			if err != nil {
				return nil, fmt.Errorf("%s %s %s: %w", kc.ref.APIVersion, kc.ref.Kind, key(o.GetNamespace(), o.GetName()), err)
			}
			u = &unstructured.Unstructured{Object: m}
		}
	case *metav1.PartialObjectMetadata:
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
		if err != nil {
			return nil, fmt.Errorf("%s %s %s: %w", kc.ref.APIVersion, kc.ref.Kind, key(o.Namespace, o.Name), err)
		}
		u = &unstructured.Unstructured{Object: m}
		// The server answers PartialObjectMetadata; the cache holds the kind.
		u.SetAPIVersion(kc.ref.APIVersion)
		u.SetKind(kc.ref.Kind)
	default:
		return nil, fmt.Errorf("%s %s: unexpected %T from the informer", kc.ref.APIVersion, kc.ref.Kind, obj)
	}
	cfg := &kc.c.cfg
	if cfg.strip {
		stripManagedFields(u, cfg.keep)
	}
	if cfg.transform != nil {
		o, err := kobj.FromMap(u.Object)
		if err != nil {
			return nil, err
		}
		kc.runTransform(cfg.transform, o)
	}
	return newEntry(u)
}

// runTransform runs the user's Transform on o. It runs on the informer's
// goroutine, where a panic would end the program: a panic is logged,
// naming the object, and the object is kept as fn left it.
func (kc *kindCache) runTransform(fn func(*kobj.Object), o *kobj.Object) {
	defer func() {
		if v := recover(); v != nil {
			klog.ErrorS(fmt.Errorf("operator cache: Transform panicked: %v", v), "Keeping the object as the Transform left it",
				"apiVersion", kc.ref.APIVersion, "kind", kc.ref.Kind, "object", key(o.Namespace(), o.Name()))
		}
	}()
	fn(o)
}

// stripManagedFields drops the managedFields entries of every field
// manager but those starting with one of keep.
func stripManagedFields(u *unstructured.Unstructured, keep []string) {
	md, ok := u.Object["metadata"].(map[string]any)
	if !ok {
		return
	}
	list, ok := md["managedFields"].([]any)
	if !ok {
		return
	}
	n := len(list)
	kept := slices.DeleteFunc(list, func(v any) bool {
		m, _ := v.(map[string]any)
		manager, _ := m["manager"].(string)
		for _, k := range keep {
			if strings.HasPrefix(manager, k) {
				return false
			}
		}
		return true
	})
	switch {
	case len(kept) == n:
		return // nothing dropped: left as it is
	case len(kept) == 0:
		delete(md, "managedFields")
		return
	}
	md["managedFields"] = slices.Clip(kept)
}

// entryOf returns the entry an informer's handler was given, unwrapping a
// tombstone.
func entryOf(obj any) (*entry, bool) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	e, ok := obj.(*entry)
	return e, ok
}
