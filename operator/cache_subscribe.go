package operator

import (
	"fmt"

	"k8s.io/client-go/tools/cache"
)

// handler is what a controller is told of a kind's objects. Its functions
// run on the informer's goroutine for this handler, one call at a time,
// and must not block for long; nil functions are skipped.
type handler struct {
	add    func(e *entry, initial bool) // initial: from a (re)list
	update func(old, new *entry)
	del    func(last *entry) // last known state (DeletedFinalStateUnknown unwrapped)
}

// subscribe has h told of every object of the kind, starting the kind's
// informers if needed: first one add per object the informers already
// hold (initial), then each change. remove stops telling h. It fails, with
// nothing started, for a kind the server does not know (the RESTMapper's
// error, naming the kind) or a scope that does not fit the kind.
func (c *Cache) subscribe(apiVersion, kind string, h handler) (remove func(), err error) {
	kc, err := c.kind(c.ctx, apiVersion, kind)
	if err != nil {
		return nil, err
	}
	remove, err = kc.addHandler(handlerFuncs(h))
	if err != nil {
		return nil, fmt.Errorf("operator cache: subscribing to %s %s: %w", apiVersion, kind, err)
	}
	return remove, nil
}

// handlerFuncs adapts h to client-go's handler interface, unwrapping
// entries from tombstones.
func handlerFuncs(h handler) cache.ResourceEventHandler {
	return cache.ResourceEventHandlerDetailedFuncs{
		AddFunc: func(obj any, initial bool) {
			if e, ok := entryOf(obj); ok && h.add != nil {
				h.add(e, initial)
			}
		},
		UpdateFunc: func(oldObj, newObj any) {
			o, ok1 := entryOf(oldObj)
			n, ok2 := entryOf(newObj)
			if ok1 && ok2 && h.update != nil {
				h.update(o, n)
			}
		},
		DeleteFunc: func(obj any) {
			if e, ok := entryOf(obj); ok && h.del != nil {
				h.del(e)
			}
		},
	}
}
