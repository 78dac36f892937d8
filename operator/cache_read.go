package operator

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
)

// Get returns the object of kind in namespace (for a namespaced kind, ""
// is the client's default namespace) named name, from memory: the first
// read of a kind starts its informer and waits for it to sync (bounded by
// ctx), later reads send no request. The object is a new value, the
// caller's to change; Update on it sends only what the caller changed.
//
// A read of an object the operator just wrote waits, bounded, for the
// informer to have that write. Get fails with an apierrors NotFound
// *StatusError (apierrors.IsNotFound) when the cache does not hold the
// object, and with an error naming the kind when the server does not know
// it, the namespace is outside the cache's scope, or the informer cannot
// list it (a *StatusError of the server's, such as Forbidden).
func (c *Cache) Get(ctx context.Context, apiVersion, kind, namespace, name string) (*kobj.Object, error) {
	kc, e, found, err := c.lookup(ctx, apiVersion, kind, namespace, name)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, apierrors.NewNotFound(schema.GroupResource{Group: kc.gvr.Group, Resource: kc.gvr.Resource}, name)
	}
	o, err := e.object(c.client)
	if err != nil {
		return nil, fmt.Errorf("operator cache: %s %s %s: %w", apiVersion, kind, key(e.Namespace, e.Name), err)
	}
	return o, nil
}

// entry returns the cached entry of an object (see Get), and whether the
// cache has it.
func (c *Cache) entry(ctx context.Context, apiVersion, kind, namespace, name string) (*entry, bool, error) {
	_, e, found, err := c.lookup(ctx, apiVersion, kind, namespace, name)
	return e, found, err
}

// lookup is entry, with the kind's informers.
func (c *Cache) lookup(ctx context.Context, apiVersion, kind, namespace, name string) (*kindCache, *entry, bool, error) {
	if name == "" {
		return nil, nil, false, fmt.Errorf("operator cache: Get %s %s: no name", apiVersion, kind)
	}
	kc, err := c.kind(ctx, apiVersion, kind)
	if err != nil {
		return nil, nil, false, err
	}
	namespace, err = kc.objectNamespace(namespace)
	if err != nil {
		return nil, nil, false, err
	}
	infs, err := kc.waitSynced(ctx, namespace)
	if err != nil {
		return nil, nil, false, err
	}
	if err := kc.await(ctx, namespace, name); err != nil {
		return nil, nil, false, err
	}
	e, ok := infs[0].get(key(namespace, name))
	return kc, e, ok, nil
}

// objectNamespace returns the namespace a read of one object looks in.
func (kc *kindCache) objectNamespace(ns string) (string, error) {
	switch {
	case !kc.namespaced && ns != "":
		return "", fmt.Errorf("operator cache: %s %s is cluster-scoped: namespace %q given", kc.ref.APIVersion, kc.ref.Kind, ns)
	case kc.namespaced && ns == "":
		return kc.c.client.Namespace(), nil
	}
	return ns, nil
}

// List returns the cached objects of the list kind listKind (PodList;
// Pod is accepted too) that opts select, sorted by namespace and name,
// from memory (the first read of a kind starts its informer, as Get).
// Without kobj.InNamespace it spans every namespace the cache holds
// (kobj.AllNamespaces() says so explicitly): a cache lists its scope,
// where Object.Read lists the client's default namespace.
//
// Options: kobj.InNamespace, kobj.AllNamespaces(), kobj.LabelSelector
// (labels, as the server evaluates them), kobj.FieldSelector (=, == and !=
// on any path kobj reads, such as spec.nodeName or
// metadata.annotations["a/b"]; a missing field reads as "") and Indexed.
// An equality on a path with an Index is answered from the index, others
// by reading each object. The objects are new values, the caller's to
// change.
//
// A list of a kind the operator just wrote waits, bounded, for the
// informer to have the writes. List fails, before reading, on another
// option, an invalid selector or path, and as Get does.
func (c *Cache) List(ctx context.Context, apiVersion, listKind string, opts ...kobj.ReadOption) ([]*kobj.Object, error) {
	kind := strings.TrimSuffix(listKind, "List")
	q, err := parseQuery(opts)
	if err != nil {
		return nil, fmt.Errorf("operator cache: List %s %s: %w", apiVersion, listKind, err)
	}
	kc, err := c.kind(ctx, apiVersion, kind)
	if err != nil {
		return nil, err
	}
	es, err := kc.list(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]*kobj.Object, len(es))
	for i, e := range es {
		if out[i], err = e.object(c.client); err != nil {
			return nil, fmt.Errorf("operator cache: %s %s %s: %w", apiVersion, kind, key(e.Namespace, e.Name), err)
		}
	}
	return out, nil
}

// entries returns the cached entries of kind in namespace ("" for all)
// whose labels sel matches (nil: all), sorted by namespace and name.
func (c *Cache) entries(ctx context.Context, apiVersion, kind, namespace string, sel labels.Selector) ([]*entry, error) {
	kc, err := c.kind(ctx, apiVersion, kind)
	if err != nil {
		return nil, err
	}
	return kc.list(ctx, query{namespace: namespace, labels: sel})
}

// list returns the entries q selects, sorted by namespace and name.
func (kc *kindCache) list(ctx context.Context, q query) ([]*entry, error) {
	if !kc.namespaced && q.namespace != "" {
		return nil, fmt.Errorf("operator cache: %s %s is cluster-scoped: namespace %q given", kc.ref.APIVersion, kc.ref.Kind, q.namespace)
	}
	infs, err := kc.waitSynced(ctx, q.namespace)
	if err != nil {
		return nil, err
	}
	if err := kc.await(ctx, q.namespace, ""); err != nil {
		return nil, err
	}
	kc.mu.Lock()
	indexed := q.indexedTerm(kc.indexed)
	kc.mu.Unlock()
	var out []*entry
	for _, ki := range infs {
		candidates, err := ki.candidates(q, indexed)
		if err != nil {
			return nil, err
		}
		for _, obj := range candidates {
			e, ok := obj.(*entry)
			if ok && q.matches(e, indexed) {
				out = append(out, e)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// candidates returns the objects of the informer that q may select: those
// of the indexed term's value, or of q's namespace, or all.
func (ki *kindInformer) candidates(q query, indexed int) ([]any, error) {
	ix := ki.inf.GetIndexer()
	switch {
	case indexed >= 0:
		t := q.fields[indexed]
		return ix.ByIndex(indexName(t.path), t.value)
	case q.namespace != "" && ki.namespace == "":
		return ix.ByIndex(cache.NamespaceIndex, q.namespace)
	}
	return ix.List(), nil
}
