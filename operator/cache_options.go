package operator

import (
	"fmt"
	"strings"

	"github.com/kobj-dev/kobj"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
)

// CacheOption configures a Cache made by NewCache: which namespaces and
// objects it holds, and what it keeps of each.
type CacheOption interface{ applyToCache(*cacheConfig) error }

// cacheConfig is what the options of NewCache set.
type cacheConfig struct {
	namespaces []string              // Namespaces: nil for all
	nsLabeled  *string               // NamespacesLabeled's selector
	scopes     map[kindRef]kindScope // Scope, by kind
	metadata   map[kindRef]bool      // MetadataOnly
	strip      bool                  // StripManagedFields
	keep       []string              // the field managers StripManagedFields keeps (prefixes)
	transform  func(o *kobj.Object)  // Transform
}

// kindScope is the part of a kind's objects that its informers hold.
type kindScope struct {
	namespaces                   []string // nil: all namespaces (or cluster-scoped)
	allNamespaces                bool     // AllNamespaces was given: overrides Namespaces
	labelSelector, fieldSelector string
}

// keptManagerPrefix is the prefix of the field managers whose
// managedFields entries StripManagedFields keeps when given none: the
// operator's controllers write as "kobj-operator-<kind>".
const keptManagerPrefix = "kobj-operator-"

type namespacesOption []string

// Namespaces limits the cache to the objects of these namespaces (and to
// cluster-scoped objects, which have none): one informer per namespace and
// kind, where the default is one informer per kind over every namespace.
// Scope overrides it for one kind. NewCache fails on an empty or invalid
// namespace name.
func Namespaces(namespaces ...string) CacheOption { return namespacesOption(namespaces) }

func (o namespacesOption) applyToCache(cfg *cacheConfig) error {
	if len(o) == 0 {
		return fmt.Errorf("Namespaces(): no namespace given")
	}
	if cfg.nsLabeled != nil {
		return fmt.Errorf("Namespaces(%q): NamespacesLabeled(%q) is given too; give one or the other", []string(o), *cfg.nsLabeled)
	}
	for _, ns := range o {
		if err := validNamespace(ns); err != nil {
			return fmt.Errorf("Namespaces(%q): %w", ns, err)
		}
	}
	cfg.namespaces = append([]string(nil), o...)
	return nil
}

type scopeOption struct {
	ref       kindRef
	selectors []kobj.ReadOption
}

// Scope limits what the cache holds of one kind: kobj.LabelSelector and
// kobj.FieldSelector filter its objects on the server, kobj.InNamespace
// (once or more) names its namespaces and kobj.AllNamespaces() spans them
// all, in place of Namespaces. Objects outside the scope are not in the
// cache: Get answers NotFound for them, and a namespace outside it is an
// error. NewCache fails on another option, an invalid selector or
// namespace, or a kind scoped twice.
func Scope(apiVersion, kind string, selectors ...kobj.ReadOption) CacheOption {
	return scopeOption{ref: kindRef{apiVersion, kind}, selectors: selectors}
}

func (o scopeOption) applyToCache(cfg *cacheConfig) error {
	where := fmt.Sprintf("Scope(%q, %q)", o.ref.APIVersion, o.ref.Kind)
	if err := validKind(o.ref); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	if _, dup := cfg.scopes[o.ref]; dup {
		return fmt.Errorf("%s: the kind is scoped twice", where)
	}
	var s kindScope
	for _, opt := range o.selectors {
		switch v := opt.(type) {
		case kobj.InNamespace:
			if err := validNamespace(string(v)); err != nil {
				return fmt.Errorf("%s: InNamespace(%q): %w", where, string(v), err)
			}
			s.namespaces = append(s.namespaces, string(v))
		case kobj.LabelSelector:
			if _, err := labels.Parse(string(v)); err != nil {
				return fmt.Errorf("%s: LabelSelector(%q): %w", where, string(v), err)
			}
			s.labelSelector = joinSelector(s.labelSelector, string(v))
		case kobj.FieldSelector:
			if _, err := fields.ParseSelector(string(v)); err != nil {
				return fmt.Errorf("%s: FieldSelector(%q): %w", where, string(v), err)
			}
			s.fieldSelector = joinSelector(s.fieldSelector, string(v))
		default:
			if isAllNamespaces(opt) {
				s.allNamespaces = true
				continue
			}
			return fmt.Errorf("%s: %T is not a scope; use kobj.InNamespace, kobj.AllNamespaces, kobj.LabelSelector or kobj.FieldSelector", where, opt)
		}
	}
	if s.allNamespaces && len(s.namespaces) > 0 {
		return fmt.Errorf("%s: both AllNamespaces and InNamespace", where)
	}
	if cfg.scopes == nil {
		cfg.scopes = map[kindRef]kindScope{}
	}
	cfg.scopes[o.ref] = s
	return nil
}

type transformOption func(o *kobj.Object)

// Transform has fn change each object before the cache keeps it, to drop
// what the operator never reads (a large data field, status) and keep
// less memory. fn sees every kind (o.Kind() says which) as the server
// sent it, after StripManagedFields; it edits o in place and must not
// change its apiVersion, kind, namespace or name. It cannot fail: an
// edit it cannot make, it skips (an error would leave the cache without
// the object, or with one fn was meant to change). Objects the cache
// returns are what fn left, and Update of one sends only what the caller
// changed afterwards. A panic in fn is recovered and logged (it runs on
// an informer's goroutine, where it would end the program), and the
// object is kept as fn left it. One Transform per Cache: NewCache fails on a second
// one, or a nil fn.
//
// fn takes a *kobj.Object rather than client-go's *unstructured.Unstructured
// so that it reads and writes with kobj's paths (o.Remove("data"),
// o.Set(...)); the Object wraps the informer's own decoded map, not a copy.
func Transform(fn func(o *kobj.Object)) CacheOption { return transformOption(fn) }

func (o transformOption) applyToCache(cfg *cacheConfig) error {
	if o == nil {
		return fmt.Errorf("Transform(nil)")
	}
	if cfg.transform != nil {
		return fmt.Errorf("Transform: given twice; combine the functions")
	}
	cfg.transform = o
	return nil
}

type stripOption []string

// StripManagedFields drops metadata.managedFields from every cached
// object, except the entries of the field managers keep names (a name, or
// a prefix: an entry is kept when its manager starts with one of them);
// with none, the managers of the operator's controllers
// ("kobj-operator-" and the kind). Those entries are what server-side apply's unchanged check
// (r.Apply) compares with, so they must stay. managedFields are often a
// quarter of an object's bytes. NewCache fails on an empty name.
func StripManagedFields(keep ...string) CacheOption { return stripOption(keep) }

func (o stripOption) applyToCache(cfg *cacheConfig) error {
	for _, k := range o {
		if k == "" {
			return fmt.Errorf("StripManagedFields: an empty field manager name")
		}
	}
	cfg.strip = true
	cfg.keep = append([]string(nil), o...)
	if len(o) == 0 {
		cfg.keep = []string{keptManagerPrefix}
	}
	return nil
}

type metadataOnlyOption kindRef

// MetadataOnly makes the cache hold only the metadata of one kind's
// objects (name, labels, annotations, ownerReferences, finalizers...), as
// the server sends it in metadata-only lists and watches: for kinds the
// operator only maps to requests or counts, such as Secrets or Pods.
// Objects of that kind read from the cache have apiVersion, kind and
// metadata, nothing else.
//
// It uses client-go's metadata client, which asks the server for
// PartialObjectMetadata as protobuf: the server strips the rest, and
// nothing but metadata is decoded.
func MetadataOnly(apiVersion, kind string) CacheOption {
	return metadataOnlyOption{apiVersion, kind}
}

func (o metadataOnlyOption) applyToCache(cfg *cacheConfig) error {
	ref := kindRef(o)
	if err := validKind(ref); err != nil {
		return fmt.Errorf("MetadataOnly(%q, %q): %w", ref.APIVersion, ref.Kind, err)
	}
	if cfg.metadata == nil {
		cfg.metadata = map[kindRef]bool{}
	}
	cfg.metadata[ref] = true
	return nil
}

// joinSelector joins two selectors with a comma (both must hold).
func joinSelector(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "," + b
}

// isAllNamespaces reports whether opt is kobj.AllNamespaces(), whose type
// is not exported: its value is comparable.
func isAllNamespaces(opt kobj.ReadOption) bool {
	return opt == kobj.ReadOption(kobj.AllNamespaces())
}

// validNamespace refuses a name that cannot be a namespace's.
func validNamespace(ns string) error {
	if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
		return fmt.Errorf("not a namespace name: %s", strings.Join(errs, "; "))
	}
	return nil
}

// validKind refuses an empty apiVersion or kind.
func validKind(ref kindRef) error {
	if ref.APIVersion == "" || ref.Kind == "" {
		return fmt.Errorf("empty apiVersion or kind")
	}
	if strings.Count(ref.APIVersion, "/") > 1 {
		return fmt.Errorf("apiVersion %q is not group/version", ref.APIVersion)
	}
	return nil
}
