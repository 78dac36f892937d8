package operator

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"k8s.io/klog/v2"
)

// Read your own writes: a controller that writes an object and reads it
// back in the same reconcile must see its write, though the informer
// learns of it a little later. expect records the resourceVersion the
// write returned; reads of that object, and lists of its kind, wait until
// the informer's store has that version or a newer one (bounded by the
// cache's consistency timeout and the read's context). No copy of the
// written object is kept: what a read returns is always the informer's.

// expectation is a write that reads wait for.
type expectation struct {
	rv   string // the written resourceVersion ("" with gone)
	gone bool   // the write was a delete: wait until the store lacks it
}

// expect records that the operator wrote the object at resourceVersion
// rv: until the informer has rv or newer, reads of the object and lists
// of its kind wait. A kind without informers needs no waiting: the first
// read lists the server's current state.
func (c *Cache) expect(apiVersion, kind, namespace, name, rv string) {
	if rv == "" {
		return
	}
	c.record(apiVersion, kind, namespace, name, expectation{rv: rv})
}

// expectGone records that the operator deleted the object: reads wait
// until the informer no longer holds it.
func (c *Cache) expectGone(apiVersion, kind, namespace, name string) {
	c.record(apiVersion, kind, namespace, name, expectation{gone: true})
}

func (c *Cache) record(apiVersion, kind, namespace, name string, x expectation) {
	kc := c.existingKind(apiVersion, kind)
	if kc == nil {
		return
	}
	if !kc.namespaced {
		namespace = ""
	}
	if _, err := kc.informerFor(namespace); err != nil {
		return // outside the cache's scope: no read can wait for it
	}
	kc.mu.Lock()
	defer kc.mu.Unlock()
	kc.expected[key(namespace, name)] = x
}

// await waits until the informers of namespace ns ("" for all) have the
// writes expected of the object named name ("" for every object), then
// forgets them. After the consistency timeout it gives up on them,
// logging it, and the read answers what the cache holds; it fails only
// when ctx ends.
func (kc *kindCache) await(ctx context.Context, ns, name string) error {
	var timer *time.Timer
	for {
		kc.mu.Lock()
		wake := kc.changed
		pending := kc.pendingLocked(ns, name, false)
		kc.mu.Unlock()
		if pending == 0 {
			return nil
		}
		if timer == nil {
			timer = time.NewTimer(kc.c.consistency)
			defer timer.Stop()
		}
		select {
		case <-wake:
		case <-timer.C:
			kc.mu.Lock()
			n := kc.pendingLocked(ns, name, true)
			kc.mu.Unlock()
			if n > 0 {
				klog.FromContext(ctx).Info("operator cache: the informer has not seen the operator's writes in time; reading what it holds",
					"apiVersion", kc.ref.APIVersion, "kind", kc.ref.Kind, "writes", n, "timeout", kc.c.consistency)
			}
			return nil
		case <-ctx.Done():
			return fmt.Errorf("operator cache: waiting for the informer of %s %s to see a write: %w", kc.ref.APIVersion, kc.ref.Kind, ctx.Err())
		}
	}
}

// pendingLocked forgets the expected writes of the object named name in
// namespace ns ("" for all; name "" for all) that the informers have, and
// all of them with drop, and returns how many remain (or were dropped).
func (kc *kindCache) pendingLocked(ns, name string, drop bool) int {
	n := 0
	for k, x := range kc.expected {
		ens, ename := splitKey(k)
		if ns != "" && ens != ns || name != "" && ename != name {
			continue
		}
		if !drop && kc.seen(ens, k, x) {
			delete(kc.expected, k)
			continue
		}
		if drop {
			delete(kc.expected, k)
		}
		n++
	}
	return n
}

// seen reports whether the informer of namespace ns has the write x to
// the object of key k.
func (kc *kindCache) seen(ns, k string, x expectation) bool {
	ki, err := kc.informerFor(ns)
	if err != nil {
		return true
	}
	e, ok := ki.get(k)
	if x.gone {
		return !ok
	}
	return ok && rvAtLeast(e.ResourceVersion, x.rv)
}

// rvAtLeast reports whether resourceVersion have is want or newer:
// numerically when both are unsigned integers, as every Kubernetes server
// makes them (though clients are told to treat them as opaque), else only
// when they are equal.
func rvAtLeast(have, want string) bool {
	h, herr := strconv.ParseUint(have, 10, 64)
	w, werr := strconv.ParseUint(want, 10, 64)
	if herr == nil && werr == nil {
		return h >= w
	}
	return have == want
}

// splitKey splits a store key into namespace and name.
func splitKey(k string) (ns, name string) {
	if ns, name, ok := strings.Cut(k, "/"); ok {
		return ns, name
	}
	return "", k
}
