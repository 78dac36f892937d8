package operator

import (
	"fmt"

	"github.com/kobj-dev/kobj"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// pending is what the controller remembers of a queued key until a
// worker takes it: why it was queued, and the entry seen before the first
// change of the object itself since the last reconcile (nil for a new
// object, a resync, or only OwnedChanged). It is dropped when taken, so
// memory is held only for keys waiting in the queue or the backlog.
type pending struct {
	reason Reason
	old    *entry
	own    bool // an event of the object itself was merged in
}

// client is the Client objects are bound to.
func (c *controller) client() *kobj.Client {
	if c.mgr == nil {
		return nil
	}
	return c.mgr.client
}

// requestOf returns the request of an object of the For kind.
func (c *controller) requestOf(e *entry) Request {
	return Request{APIVersion: c.forKind.APIVersion, Kind: c.forKind.Kind, Namespace: e.Namespace, Name: e.Name}
}

// forHandler maps the For kind's events to the object's own key.
func (c *controller) forHandler() handler {
	return handler{
		add: func(e *entry, initial bool) {
			if initial {
				c.enqueue(c.requestOf(e), Resynced, nil)
			} else {
				c.enqueue(c.requestOf(e), Created, nil)
			}
		},
		update: func(old, new *entry) {
			if !c.passes(old, new) {
				return
			}
			if old.ResourceVersion == new.ResourceVersion {
				c.enqueue(c.requestOf(new), Resynced, nil)
				return
			}
			c.enqueue(c.requestOf(new), Changed, old)
		},
		del: func(last *entry) { c.enqueue(c.requestOf(last), Deleted, last) },
	}
}

// ownsHandler maps an owned kind's events to the owner named by the
// object's controller ownerReference, when that owner is of the For kind.
func (c *controller) ownsHandler() handler {
	return handler{
		add: func(e *entry, _ bool) { c.enqueueOwner(e) },
		update: func(old, new *entry) {
			a, aok := c.ownerRequest(old)
			b, bok := c.ownerRequest(new)
			if aok && (!bok || a != b) {
				c.enqueue(a, OwnedChanged, nil)
			}
			if bok {
				c.enqueue(b, OwnedChanged, nil)
			}
		},
		del: func(last *entry) { c.enqueueOwner(last) },
	}
}

func (c *controller) enqueueOwner(e *entry) {
	if req, ok := c.ownerRequest(e); ok {
		c.enqueue(req, OwnedChanged, nil)
	}
}

// ownerRequest returns the request of e's controller, if it is of the For
// kind (in any version, as the garbage collector matches owners).
func (c *controller) ownerRequest(e *entry) (Request, bool) {
	ref, ok := e.controllerOf()
	if !ok || ref.Kind != c.forKind.Kind {
		return Request{}, false
	}
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil || gv.Group != c.forKind.group() {
		return Request{}, false
	}
	req := Request{APIVersion: c.forKind.APIVersion, Kind: c.forKind.Kind, Name: ref.Name}
	if c.forNamespaced {
		req.Namespace = e.Namespace
	}
	return req, true
}

// watchHandler maps a watched kind's events through the user's function.
func (c *controller) watchHandler(w watchSpec) handler {
	return handler{
		add: func(e *entry, _ bool) { c.enqueueMapped(w, e) },
		update: func(old, new *entry) {
			c.enqueueMapped(w, old)
			c.enqueueMapped(w, new)
		},
		del: func(last *entry) { c.enqueueMapped(w, last) },
	}
}

// enqueueMapped queues the requests w's function returns for e. A panic
// of the function is logged: it runs on the cache's event goroutine,
// which must go on.
func (c *controller) enqueueMapped(w watchSpec, e *entry) {
	o, err := e.object(c.client())
	if err != nil {
		c.logger.Error(err, "Decoding a watched object", "kind", w.kind.String(), "object", key(e.Namespace, e.Name))
		return
	}
	var reqs []Request
	func() {
		defer func() {
			if v := recover(); v != nil {
				c.logger.Error(fmt.Errorf("%w: %v", errPanic, v), "Recovered a panic in a Watches function", "kind", w.kind.String())
			}
		}()
		reqs = w.to(o)
	}()
	for _, req := range reqs {
		if req.APIVersion == "" && req.Kind == "" {
			req.APIVersion, req.Kind = c.forKind.APIVersion, c.forKind.Kind
		}
		if !sameKind(kindRef{req.APIVersion, req.Kind}, c.forKind) {
			c.logger.Error(nil, "Dropped a request for another kind from a Watches function", "kind", w.kind.String(), "request", req.String())
			continue
		}
		// One key per object, whatever version the function wrote.
		req.APIVersion = c.forKind.APIVersion
		c.enqueue(req, OwnedChanged, nil)
	}
}

// passes reports whether an update of the For kind passes the predicates.
// A panic of a PredicateFunc is logged and lets the update through.
func (c *controller) passes(old, new *entry) (ok bool) {
	if len(c.predicates) == 0 {
		return true
	}
	defer func() {
		if v := recover(); v != nil {
			c.logger.Error(fmt.Errorf("%w: %v", errPanic, v), "Recovered a panic in a predicate")
			ok = true
		}
	}()
	ch := &change{client: c.client(), old: old, new: new}
	for _, p := range c.predicates {
		if !p.fn(ch) {
			return false
		}
	}
	return true
}

// enqueue notes why req is queued, merging with what is noted already,
// and queues it. old is the entry before an event of the object itself
// (Changed, Deleted), else nil.
//
// Merging: OwnedChanged never replaces a reason of the object itself;
// Created (the reconciler has not seen the object) stays Created through
// later changes and clears Old; a Resynced after Deleted is an object
// come back, also without Old; otherwise the latest reason wins and Old
// stays the entry before the first change, so that Diff covers every
// change merged into the request (the first one that had an entry
// before it).
//
// A Resynced request for a key with nothing live queued goes to the
// backlog (controller_backlog.go); any other request goes to the queue
// at once and takes its key out of the backlog, its note merged as above.
func (c *controller) enqueue(req Request, reason Reason, old *entry) {
	c.mu.Lock()
	p, queued := c.pending[req]
	switch {
	case reason == OwnedChanged:
		if !queued {
			p = pending{reason: OwnedChanged}
		}
	case !queued || !p.own:
		p = pending{reason: reason, old: old, own: true}
	case reason == Created, reason == Resynced && p.reason == Deleted:
		p = pending{reason: reason, own: true}
	case p.reason == Created && reason != Deleted, reason == Resynced:
		// still new to the reconciler; or a relist that says less than
		// the change already noted
	default:
		p.reason = reason
		if p.old == nil {
			p.old = old
		}
	}
	c.pending[req] = p
	if reason == Resynced {
		if _, backlogged := c.backlogged[req]; backlogged || !queued {
			// Nothing live is queued for req: it waits in the backlog.
			c.backlogLocked(req)
			c.mu.Unlock()
			return
		}
	} else {
		c.unbacklogLocked(req)
	}
	c.mu.Unlock()
	c.queue.Add(req)
}

// take returns and forgets what is noted for req; a key queued with
// nothing noted is a retry or a RequeueAfter.
func (c *controller) take(req Request) pending {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.pending[req]
	if !ok {
		return pending{reason: Requeued}
	}
	delete(c.pending, req)
	return p
}
