package discoveryindex

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kobj-dev/kobj/internal/suggest"
)

// Resource describes one kind the server serves. It is shared by every
// caller of an Index and must not be modified.
type Resource struct {
	Group, Version string
	Kind           string // e.g. "Deployment"
	Resource       string // plural, e.g. "deployments"
	Namespaced     bool
	Verbs          []string // as the server lists them
	Subresources   []Subresource
}

// Subresource describes a subresource such as status or scale.
type Subresource struct {
	Name, Kind string
	Verbs      []string
}

// APIVersion returns "group/version", or "version" for the core group.
func (r *Resource) APIVersion() string {
	if r.Group == "" {
		return r.Version
	}
	return r.Group + "/" + r.Version
}

// Has reports whether the server lists verb for the resource.
func (r *Resource) Has(verb string) bool { return slices.Contains(r.Verbs, verb) }

type kindKey struct{ apiVersion, kind string }

// Index answers questions about one Answer. It is never modified once
// built, and safe for concurrent use.
type Index struct {
	answer *Answer
	byKind map[kindKey]*Resource
	all    []*Resource     // server order: core first, then /apis
	served map[string]bool // group-versions with a resource list

	mapperOnce sync.Once
	mapper     meta.RESTMapper
}

// New indexes a. The Index keeps a, which must not be modified afterwards.
func New(a *Answer) *Index {
	ix := &Index{answer: a, byKind: map[kindKey]*Resource{}, served: map[string]bool{}}
	for i := range a.Resources {
		list := &a.Resources[i]
		gv, err := schema.ParseGroupVersion(list.GroupVersion)
		if err != nil {
			continue
		}
		ix.served[list.GroupVersion] = true
		parents := map[string]*Resource{}
		for _, r := range list.APIResources {
			if strings.Contains(r.Name, "/") || r.Kind == "" {
				continue
			}
			res := &Resource{Group: gv.Group, Version: gv.Version, Kind: r.Kind, Resource: r.Name,
				Namespaced: r.Namespaced, Verbs: r.Verbs}
			parents[r.Name] = res
			key := kindKey{list.GroupVersion, r.Kind}
			if _, dup := ix.byKind[key]; !dup { // the first resource of a kind is its main one
				ix.byKind[key] = res
			}
			ix.all = append(ix.all, res)
		}
		// Subresources are listed as "pods/status" entries, in any order.
		for _, r := range list.APIResources {
			if parent, sub, ok := strings.Cut(r.Name, "/"); ok && parents[parent] != nil {
				p := parents[parent]
				p.Subresources = append(p.Subresources, Subresource{Name: sub, Kind: r.Kind, Verbs: r.Verbs})
			}
		}
	}
	return ix
}

// Kind returns the resource of kind in apiVersion, or nil.
func (ix *Index) Kind(apiVersion, kind string) *Resource {
	return ix.byKind[kindKey{apiVersion, kind}]
}

// All returns every resource of every served group-version, in server
// order. The slice is shared: callers must not modify it.
func (ix *Index) All() []*Resource { return ix.all }

// Serves reports whether the server describes apiVersion.
func (ix *Index) Serves(apiVersion string) bool { return ix.served[apiVersion] }

// Failed returns why the server could not describe apiVersion, and whether
// it failed.
func (ix *Index) Failed(apiVersion string) (why string, failed bool) {
	why, failed = ix.answer.Failed[apiVersion]
	return why, failed
}

// Complete reports whether the server described every group-version it
// lists: only such an answer is worth sharing with other processes.
func (ix *Index) Complete() bool { return len(ix.answer.Failed) == 0 }

// Answer returns the answer the index was built from; it must not be
// modified.
func (ix *Index) Answer() *Answer { return ix.answer }

// Suggestions returns hints for a human about kind, which apiVersion does
// not serve: why the server could not describe apiVersion, where else kind
// is served, and up to three kinds of apiVersion that are near in spelling.
func (ix *Index) Suggestions(apiVersion, kind string) []string {
	var hints, elsewhere, near []string
	if why, failed := ix.Failed(apiVersion); failed {
		hints = append(hints, fmt.Sprintf("the server could not describe %s: %s", apiVersion, why))
	}
	for _, r := range ix.all {
		switch gv := r.APIVersion(); {
		case r.Kind == kind && gv != apiVersion && !slices.Contains(elsewhere, gv):
			elsewhere = append(elsewhere, gv)
		case gv == apiVersion:
			near = append(near, r.Kind)
		}
	}
	if len(elsewhere) > 0 {
		hints = append(hints, fmt.Sprintf("%s is served in %s", kind, strings.Join(elsewhere, ", ")))
	}
	if near = suggest.Closest(kind, near, -1, 3); len(near) > 0 {
		hints = append(hints, fmt.Sprintf("did you mean %s?", strings.Join(near, " or ")))
	}
	return hints
}
