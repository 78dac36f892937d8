package operator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
)

// Kinds that come and go. A custom resource kind is served while its
// CustomResourceDefinition serves the version and is Established. The
// cache learns it from an informer over CustomResourceDefinitions (one of
// its own kinds, started only when a kind is awaited or has gone), and
// from a list that answers 404 (the CRD went while nobody watched CRDs).
// A kind seen going has its informers stopped (remove): client-go's
// reflector would otherwise relist it and log the 404 for ever.

const (
	crdAPIVersion = "apiextensions.k8s.io/v1"
	crdKind       = "CustomResourceDefinition"
)

// couldBeCustom reports whether a kind the server does not serve may be
// served later by a CustomResourceDefinition: its group has a dot (the
// API server refuses a CRD whose group has none), which rules out the
// core group and the built-in dotless ones (apps, batch, policy...).
func couldBeCustom(ref kindRef) bool { return strings.Contains(ref.group(), ".") }

// awaitable reports whether err, from resolving ref, means that ref may
// yet be served: the server does not know the kind, and a CRD could
// serve it.
func awaitable(ref kindRef, err error) bool { return meta.IsNoMatchError(err) && couldBeCustom(ref) }

// crdServes is what one CRD serves, from its JSON.
type crdServes struct {
	group, kind string
	versions    []string // the served versions
	established bool
}

// kinds returns the kinds of every version the CRD names.
func (s crdServes) kinds() []kindRef {
	out := make([]kindRef, len(s.versions))
	for i, v := range s.versions {
		out[i] = kindRef{schema.GroupVersion{Group: s.group, Version: v}.String(), s.kind}
	}
	return out
}

// parseCRD reads what a CRD's entry serves.
func parseCRD(e *entry) (crdServes, error) {
	var crd struct {
		Spec struct {
			Group    string
			Names    struct{ Kind string }
			Versions []struct {
				Name   string
				Served bool
			}
		}
		Status struct {
			Conditions []struct{ Type, Status string }
		}
	}
	if err := json.Unmarshal(e.raw, &crd); err != nil {
		return crdServes{}, fmt.Errorf("operator cache: CustomResourceDefinition %s: %w", e.Name, err)
	}
	s := crdServes{group: crd.Spec.Group, kind: crd.Spec.Names.Kind}
	for _, v := range crd.Spec.Versions {
		if v.Served {
			s.versions = append(s.versions, v.Name)
		}
	}
	for _, c := range crd.Status.Conditions {
		if c.Type == "Established" {
			s.established = c.Status == "True"
		}
	}
	return s, nil
}

// kindWatch follows which custom resource kinds are served, and tells the
// cache's kind listeners (the controllers) of every change, from one
// goroutine, retrying with backoff a listener that fails.
type kindWatch struct {
	c      *Cache
	queue  workqueue.TypedRateLimitingInterface[kindRef]
	kc     *kindCache // the CRDs' informers
	remove func()     // the CRD handler
	done   chan struct{}

	mu   sync.Mutex
	crds map[string]crdServes // by CRD name, as last seen
	gone map[kindRef]bool     // kinds seen going, until a CRD serves them again
}

// kindListener is told that ref may have come or gone; an error retries.
type kindListener func(ref kindRef) error

// onKindChange registers fn, to be told of kinds that come and go once
// watchKinds has started; remove unregisters it.
func (c *Cache) onKindChange(fn kindListener) (remove func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.listeners == nil {
		c.listeners = map[int]kindListener{}
	}
	id := c.nextListener
	c.nextListener++
	c.listeners[id] = fn
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.listeners, id)
	}
}

// watchKinds starts following CustomResourceDefinitions, once. It fails
// when the cache cannot watch them (a stopped cache, or no CRD API).
func (c *Cache) watchKinds() error {
	c.kwMu.Lock()
	defer c.kwMu.Unlock()
	if kw := c.kindWatchOf(); kw != nil {
		return nil
	}
	kw := &kindWatch{c: c, done: make(chan struct{}), crds: map[string]crdServes{}, gone: map[kindRef]bool{},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[kindRef](),
			workqueue.TypedRateLimitingQueueConfig[kindRef]{Name: "kobj-operator-kinds"})}
	kc, err := c.kind(c.ctx, crdAPIVersion, crdKind)
	if err == nil {
		kw.kc = kc
		kw.remove, err = c.subscribe(crdAPIVersion, crdKind, handler{
			add:    func(e *entry, _ bool) { kw.seen(nil, e) },
			update: func(old, new *entry) { kw.seen(old, new) },
			del:    func(last *entry) { kw.seen(last, nil) },
		})
	}
	if err == nil {
		c.mu.Lock()
		if c.stopped {
			err = errStopped
		} else {
			c.kw = kw // Stop stops it from now on
		}
		c.mu.Unlock()
	}
	if err != nil {
		if kw.remove != nil {
			kw.remove()
		}
		kw.queue.ShutDown()
		if errors.Is(err, errStopped) {
			return err
		}
		return fmt.Errorf("operator cache: watching CustomResourceDefinitions: %w", err)
	}
	go kw.run()
	return nil
}

// kindWatchOf returns the cache's kind watch, or nil.
func (c *Cache) kindWatchOf() *kindWatch {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.kw
}

// stop ends the kind watch's goroutine and waits for it.
func (kw *kindWatch) stop() {
	if kw.remove != nil {
		kw.remove()
	}
	kw.queue.ShutDown()
	<-kw.done
}

// seen records a CRD event (old nil: added; new nil: deleted) and queues
// the kinds it names for a check.
func (kw *kindWatch) seen(old, new *entry) {
	var refs []kindRef
	kw.mu.Lock()
	if old != nil {
		if s, err := parseCRD(old); err == nil {
			refs = append(refs, s.kinds()...)
		}
		if new == nil {
			for _, r := range kw.crds[old.Name].kinds() {
				kw.gone[r] = true
			}
			refs = append(refs, kw.crds[old.Name].kinds()...)
			delete(kw.crds, old.Name)
		}
	}
	if new != nil {
		s, err := parseCRD(new)
		if err != nil {
			kw.mu.Unlock()
			klog.FromContext(kw.c.ctx).Error(err, "Reading a CustomResourceDefinition")
			return
		}
		if prev, ok := kw.crds[new.Name]; ok {
			refs = append(refs, prev.kinds()...)
		}
		kw.crds[new.Name] = s
		refs = append(refs, s.kinds()...)
		if s.established {
			for _, r := range s.kinds() {
				delete(kw.gone, r)
			}
		}
	}
	kw.mu.Unlock()
	for _, r := range refs {
		kw.queue.Add(r)
	}
}

// went records that a list of ref answered 404: its CRD went while the
// cache did not watch CRDs, or moments before the CRD informer says so.
func (kw *kindWatch) went(ref kindRef) {
	kw.mu.Lock()
	kw.gone[ref] = true
	kw.mu.Unlock()
	kw.queue.AddRateLimited(ref) // a CRD still there (a lagging server) is tried again, with backoff
}

// served reports whether ref is served, as far as the CRDs tell: known
// false when no CRD name ref's group and kind.
func (kw *kindWatch) served(ref kindRef) (served, known bool) {
	kw.mu.Lock()
	defer kw.mu.Unlock()
	gv, _ := schema.ParseGroupVersion(ref.APIVersion)
	for _, s := range kw.crds {
		if s.group == gv.Group && s.kind == ref.Kind {
			for _, v := range s.versions {
				if v == gv.Version {
					return s.established, true
				}
			}
			return false, true
		}
	}
	if kw.gone[ref] {
		return false, true
	}
	return false, false
}

// run checks each queued kind once the CRDs have synced: a kind no longer
// served loses its informers, and every listener is told.
func (kw *kindWatch) run() {
	defer close(kw.done)
	if _, err := kw.kc.waitSynced(kw.c.ctx, ""); err != nil && !errors.Is(err, errStopped) {
		klog.FromContext(kw.c.ctx).Error(err, "Watching CustomResourceDefinitions: kinds that come and go are not followed")
	}
	for {
		ref, shutdown := kw.queue.Get()
		if shutdown {
			return
		}
		kw.process(ref)
		kw.queue.Done(ref)
	}
}

func (kw *kindWatch) process(ref kindRef) {
	if served, known := kw.served(ref); known && !served {
		kw.c.remove(ref.APIVersion, ref.Kind)
	}
	kw.c.mu.Lock()
	listeners := make([]kindListener, 0, len(kw.c.listeners))
	for _, fn := range kw.c.listeners {
		listeners = append(listeners, fn)
	}
	kw.c.mu.Unlock()
	var errs []error
	for _, fn := range listeners {
		if err := fn(ref); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 && kw.c.ctx.Err() == nil {
		klog.FromContext(kw.c.ctx).V(1).Info("Kind not ready yet; trying again", "kind", ref.String(), "err", errors.Join(errs...))
		kw.queue.AddRateLimited(ref)
		return
	}
	kw.queue.Forget(ref)
}

// kindServed reports whether the server serves ref now: from the CRDs
// when the cache watches them and one names ref (or ref was seen going),
// else from discovery. A kind discovery does not know is not served when
// a CRD could serve it, and an error otherwise.
func (c *Cache) kindServed(ctx context.Context, ref kindRef) (bool, error) {
	if kw := c.kindWatchOf(); kw != nil {
		if served, known := kw.served(ref); known {
			return served, nil
		}
	}
	if err := validKind(ref); err != nil {
		return false, fmt.Errorf("operator cache: %q %q: %w", ref.APIVersion, ref.Kind, err)
	}
	_, _, err := c.resolve(ctx, ref)
	switch {
	case err == nil:
		return true, nil
	case awaitable(ref, err):
		return false, nil
	}
	return false, err
}

// goneError is the error of a kind whose CRD is gone: a no-match error.
func goneError(ref kindRef) error {
	gv, _ := schema.ParseGroupVersion(ref.APIVersion)
	return fmt.Errorf("operator cache: %s %s: its CustomResourceDefinition is gone: %w", ref.APIVersion, ref.Kind,
		&meta.NoKindMatchError{GroupKind: schema.GroupKind{Group: gv.Group, Kind: ref.Kind}, SearchedVersions: []string{gv.Version}})
}

// isGone reports whether ref was seen going and no CRD serves it again.
func (c *Cache) isGone(ref kindRef) bool {
	kw := c.kindWatchOf()
	if kw == nil {
		return false
	}
	served, known := kw.served(ref)
	return known && !served && kw.goneKind(ref)
}

func (kw *kindWatch) goneKind(ref kindRef) bool {
	kw.mu.Lock()
	defer kw.mu.Unlock()
	return kw.gone[ref]
}

// kindWent is told by an informer whose list answered 404: the kind's
// CRD is gone. It stops that kind's informers (through the kind watch,
// started here if it was not) instead of letting the reflector retry.
func (c *Cache) kindWent(ref kindRef) {
	if err := c.watchKinds(); err != nil {
		// The informer has stopped itself; reads of the kind fail.
		if !errors.Is(err, errStopped) {
			klog.FromContext(c.ctx).Error(err, "A kind is gone; its return will not be noticed", "kind", ref.String())
		}
		return
	}
	if kw := c.kindWatchOf(); kw != nil {
		kw.went(ref)
	}
}
