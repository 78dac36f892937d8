package operator

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// controllerKinds is whether a controller runs: it does (its handlers
// are subscribed to the cache) only while every kind it names (For, Owns,
// Watches) is served. Otherwise it waits, paused: a custom resource
// kind whose CRD is not installed yet, or was deleted. A partial
// controller would be worse: without its For kind it has nothing to
// reconcile, and without an Owns kind r.Apply fails for every object.
type controllerKinds struct {
	paused atomic.Bool // a kind is not served: workers drop the keys they take

	mu       sync.Mutex
	active   bool      // subscribed
	stopped  bool      // the manager is stopping: never subscribe again
	waiting  []kindRef // the kinds not served, in the builder's order
	problem  error     // why a resume was refused (an Owns kind's scope), until the kinds change
	subs     []func()  // the handler subscriptions while active
	listener func()    // unregisters from the cache's kind changes
}

// kindRefs returns every kind c names, once each, For first.
func (c *controller) kindRefs() []kindRef {
	refs := []kindRef{c.forKind}
	add := func(k kindRef) {
		if !slices.Contains(refs, k) {
			refs = append(refs, k)
		}
	}
	for _, k := range c.owns {
		add(k)
	}
	for _, w := range c.watches {
		add(w.kind)
	}
	return refs
}

// subscribe registers the controller's handlers with the cache, which
// starts the informers they need; when a kind is not served yet (a custom
// resource whose CRD is not installed), it logs that it waits and follows
// the CRDs instead. It fails, as Run's first step, when a kind cannot be
// watched at all.
func (c *controller) subscribe(cache *Cache) error {
	refs := c.kindRefs()
	if slices.ContainsFunc(refs, couldBeCustom) {
		c.kinds.listener = cache.onKindChange(func(ref kindRef) error {
			if !slices.Contains(refs, ref) {
				return nil
			}
			return c.recheck(cache, false)
		})
	}
	c.removes = append(c.removes, c.unsubscribe)
	return c.recheck(cache, true)
}

// unsubscribe stops the controller following its kinds, for good.
func (c *controller) unsubscribe() {
	c.kinds.mu.Lock()
	defer c.kinds.mu.Unlock()
	c.kinds.stopped = true
	if c.kinds.listener != nil {
		c.kinds.listener()
		c.kinds.listener = nil
	}
	for _, remove := range c.kinds.subs {
		remove()
	}
	c.kinds.subs = nil
}

// recheck asks which of the controller's kinds are served and starts or
// pauses it accordingly. first is Run's call, whose errors fail Run;
// later ones (from the cache's kind watch) are retried with backoff.
func (c *controller) recheck(cache *Cache, first bool) error {
	c.kinds.mu.Lock()
	defer c.kinds.mu.Unlock()
	if c.kinds.stopped {
		return nil
	}
	var missing []kindRef
	for _, k := range c.kindRefs() {
		ok, err := cache.kindServed(cache.ctx, k)
		if err != nil {
			return fmt.Errorf("controller %s: watching %s: %w", c.name, k, err)
		}
		if !ok {
			missing = append(missing, k)
		}
	}
	before := c.kinds.waiting
	c.kinds.waiting = missing
	if len(missing) > 0 {
		c.kinds.problem = nil
		if c.kinds.active {
			c.pause()
			c.logger.Info("The CRD of a kind is gone: controller paused until it is back", "kinds", kindList(missing))
		} else if first || !slices.Equal(before, missing) {
			c.logger.Info("waiting for the CRD of " + kindList(missing))
		}
		c.kinds.paused.Store(true)
		if err := cache.watchKinds(); err != nil {
			return fmt.Errorf("controller %s: %w", c.name, err)
		}
		return nil
	}
	if c.kinds.active {
		return nil
	}
	if err := c.activate(cache); err != nil {
		if first || !errors.Is(err, errScope) {
			return err
		}
		if c.kinds.problem == nil || c.kinds.problem.Error() != err.Error() {
			c.logger.Error(err, "Cannot start the controller; waiting for its kinds to change")
		}
		c.kinds.problem = err
		c.kinds.paused.Store(true)
		return nil
	}
	c.kinds.problem = nil
	if !first {
		c.logger.Info("Every kind is served: controller started")
	}
	return nil
}

// errScope marks an Owns kind that cannot be owned by the For kind.
var errScope = errors.New("scope")

// activate checks the scopes of the kinds (Manager.Add could not when a
// kind was not served yet) and subscribes the handlers.
func (c *controller) activate(cache *Cache) error {
	forNamespaced, err := cache.namespaced(c.forKind.APIVersion, c.forKind.Kind)
	if err != nil {
		return fmt.Errorf("controller %s: watching %s: %w", c.name, c.forKind, err)
	}
	for _, k := range c.owns {
		ns, err := cache.namespaced(k.APIVersion, k.Kind)
		if err != nil {
			return fmt.Errorf("controller %s: watching %s: %w", c.name, k, err)
		}
		if forNamespaced && !ns {
			return fmt.Errorf("controller %s: Owns(%q, %q): %s is cluster-scoped and %s is namespaced (%w: the garbage collector would delete it)",
				c.name, k.APIVersion, k.Kind, k.Kind, c.forKind.Kind, errScope)
		}
	}
	// Written only when it changes: handlers of a subscription just
	// removed may still be reading it.
	if c.forNamespaced != forNamespaced {
		c.forNamespaced = forNamespaced
	}
	var subs []func()
	sub := func(k kindRef, h handler) error {
		remove, err := cache.subscribe(k.APIVersion, k.Kind, h)
		if err != nil {
			return fmt.Errorf("controller %s: watching %s: %w", c.name, k, err)
		}
		subs = append(subs, remove)
		return nil
	}
	err = sub(c.forKind, c.forHandler())
	for _, k := range c.owns {
		if err == nil {
			err = sub(k, c.ownsHandler())
		}
	}
	for _, w := range c.watches {
		if err == nil {
			err = sub(w.kind, c.watchHandler(w))
		}
	}
	if err != nil {
		for _, remove := range subs {
			remove()
		}
		return err
	}
	c.kinds.subs = subs
	c.kinds.active = true
	c.kinds.paused.Store(false)
	return nil
}

// pause removes the handlers and forgets what was noted for queued keys
// and the backlog;
// workers drop the keys still queued.
func (c *controller) pause() {
	c.kinds.paused.Store(true)
	for _, remove := range c.kinds.subs {
		remove()
	}
	c.kinds.subs = nil
	c.kinds.active = false
	c.mu.Lock()
	clear(c.pending)
	c.clearBacklogLocked()
	c.mu.Unlock()
}

// drops reports whether a worker drops req instead of reconciling it:
// while a kind is gone, or when req's namespace left the cache's
// NamespacesLabeled set.
func (c *controller) drops(req Request) bool {
	if c.kinds.paused.Load() {
		return true
	}
	if req.Namespace == "" || c.mgr == nil || c.mgr.cache == nil || c.mgr.cache.cfg.nsLabeled == nil {
		return false
	}
	kc := c.mgr.cache.existingKind(c.forKind.APIVersion, c.forKind.Kind)
	return kc != nil && kc.dynamic && !kc.holds(req.Namespace)
}

// ready returns nil when every kind of c is served and synced, else what
// c waits for.
func (c *controller) ready(cache *Cache) error {
	c.kinds.mu.Lock()
	defer c.kinds.mu.Unlock()
	switch {
	case c.kinds.problem != nil:
		return c.kinds.problem
	case len(c.kinds.waiting) > 0:
		return fmt.Errorf("controller %s: waiting for the CRD of %s", c.name, kindList(c.kinds.waiting))
	case !c.kinds.active:
		return fmt.Errorf("controller %s: not started", c.name)
	}
	for _, k := range c.kindRefs() {
		if kc := cache.existingKind(k.APIVersion, k.Kind); kc == nil || !kc.synced() {
			return fmt.Errorf("controller %s: waiting for %s to sync", c.name, k)
		}
	}
	return nil
}

// kindsReady returns nil when every controller's kinds are served and
// their informers synced; else an error naming what is awaited, such as
// "controller website.example.com: waiting for the CRD of example.com/v1
// Website". The readiness probe fails while it does.
func (m *Manager) kindsReady() error {
	m.mu.Lock()
	ctls := m.controllers
	m.mu.Unlock()
	var errs []error
	for _, c := range ctls {
		if err := c.ready(m.cache); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// kindList names kinds: "example.com/v1 Website, example.com/v1 Page".
func kindList(refs []kindRef) string {
	s := make([]string, len(refs))
	for i, k := range refs {
		s[i] = k.String()
	}
	return strings.Join(s, ", ")
}
