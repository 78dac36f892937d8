package operator

import (
	"context"
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/labels"
)

type namespacesLabeledOption string

// NamespacesLabeled limits the cache to the objects of the namespaces
// whose labels match selector ("team=a", "env in (dev,test)"), a set that
// changes while the operator runs: the cache watches Namespaces with that
// selector, starts a kind's informer for a namespace that gains the label
// or is created with it, and stops it for a namespace that loses it or
// goes. Controllers follow: the objects of a namespace that joined are
// reconciled (as Resynced), those of a namespace that left are not
// reconciled again, and reads of it fail as for any namespace outside the
// cache's scope. Cluster-scoped kinds are not limited, and Scope
// overrides it for one kind. It needs the right to list and watch
// Namespaces. NewCache fails on an invalid selector, or with Namespaces,
// its fixed-set sibling.
func NamespacesLabeled(selector string) CacheOption { return namespacesLabeledOption(selector) }

func (o namespacesLabeledOption) applyToCache(cfg *cacheConfig) error {
	if _, err := labels.Parse(string(o)); err != nil {
		return fmt.Errorf("NamespacesLabeled(%q): %w", string(o), err)
	}
	if string(o) == "" {
		return fmt.Errorf("NamespacesLabeled(%q): an empty selector selects every namespace; leave the option out", string(o))
	}
	if len(cfg.namespaces) > 0 {
		return fmt.Errorf("NamespacesLabeled(%q): Namespaces is given too; give one or the other", string(o))
	}
	if cfg.nsLabeled != nil {
		return fmt.Errorf("NamespacesLabeled(%q): given twice (NamespacesLabeled(%q) before)", string(o), *cfg.nsLabeled)
	}
	s := string(o)
	cfg.nsLabeled = &s
	return nil
}

// namespaceWatch follows the namespaces NamespacesLabeled selects: an
// informer over Namespaces with the selector, of the cache's own (not in
// its kinds: a user's reads of Namespaces see them all).
type namespaceWatch struct {
	c      *Cache
	kc     *kindCache
	remove func()
}

// namespaces starts following the selected namespaces, once, and waits
// until the set is known (bounded by ctx).
func (c *Cache) namespaces(ctx context.Context) error {
	c.mu.Lock()
	nw := c.nw
	c.mu.Unlock()
	if nw == nil {
		ref := kindRef{"v1", "Namespace"}
		gvr, _, err := c.resolve(ctx, ref)
		if err != nil {
			return err
		}
		c.mu.Lock()
		if c.stopped {
			c.mu.Unlock()
			return errStopped
		}
		if nw = c.nw; nw == nil {
			kc, err := c.newKindCacheScoped(ref, gvr, false, kindScope{labelSelector: *c.cfg.nsLabeled}, false)
			if err != nil {
				c.mu.Unlock()
				return err
			}
			nw = &namespaceWatch{c: c, kc: kc}
			changed := func() { nw.changed() }
			nw.remove, err = kc.addHandler(handlerFuncs(handler{
				add:    func(*entry, bool) { changed() },
				update: func(*entry, *entry) { changed() },
				del:    func(*entry) { changed() },
			}))
			if err != nil {
				c.mu.Unlock()
				return err
			}
			c.nw = nw
			kc.start()
		}
		c.mu.Unlock()
	}
	if _, err := nw.kc.waitSynced(ctx, ""); err != nil {
		return fmt.Errorf("operator cache: NamespacesLabeled(%q): %w", *c.cfg.nsLabeled, err)
	}
	return nil
}

// current returns the namespaces selected now, sorted.
func (nw *namespaceWatch) current() []string {
	var out []string
	for _, ki := range nw.kc.all() {
		out = append(out, ki.inf.GetStore().ListKeys()...)
	}
	sort.Strings(out)
	return out
}

// changed has every kind that follows the set follow it.
func (nw *namespaceWatch) changed() {
	set := map[string]bool{}
	for _, ns := range nw.current() {
		set[ns] = true
	}
	c := nw.c
	c.mu.Lock()
	var kinds []*kindCache
	for _, kc := range c.kinds {
		if kc.dynamic {
			kinds = append(kinds, kc)
		}
	}
	c.mu.Unlock()
	for _, kc := range kinds {
		kc.follow(set)
	}
}

// stop stops following the namespaces.
func (nw *namespaceWatch) stop() {
	if nw.remove != nil {
		nw.remove()
	}
	nw.kc.stop()
}

// holds reports whether the kind's informers hold namespace ns.
func (kc *kindCache) holds(ns string) bool {
	kc.imu.RLock()
	defer kc.imu.RUnlock()
	_, all := kc.informers[""]
	_, ok := kc.informers[ns]
	return all || ok
}

// followsNamespaces reports whether a new kindCache of ref, namespaced,
// would follow the NamespacesLabeled set.
func (c *Cache) followsNamespaces(ref kindRef, namespaced bool) bool {
	s := c.cfg.scopes[ref]
	return c.cfg.nsLabeled != nil && namespaced && len(s.namespaces) == 0 && !s.allNamespaces
}
