package applyset

import (
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The keys of an ApplySet's parent that only this package reads or
// writes; the others are kobj's exported constants.
const (
	// GroupResourcesAnnotation is the group-resource list that kubectl
	// before 1.27 wrote instead of the group-kinds; read, never written.
	GroupResourcesAnnotation = "applyset.kubernetes.io/contains-group-resources"
	// ParentTypeLabel marks a CRD whose custom resources may be ApplySet
	// parents.
	ParentTypeLabel = "applyset.kubernetes.io/is-parent-type"
)

// GroupKinds formats a set of group-kinds as the group-kinds annotation:
// sorted "Kind.group" strings ("Kind" for the core group) joined by
// commas.
func GroupKinds(gks map[schema.GroupKind]bool) string {
	var out []string
	for gk := range gks {
		out = append(out, gk.String())
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

// ParseGroupKinds reads a group-kinds annotation into a set; an empty one
// is an empty set.
func ParseGroupKinds(annotation string) map[schema.GroupKind]bool {
	out := map[schema.GroupKind]bool{}
	for _, gk := range ParseList(annotation) {
		out[schema.ParseGroupKind(gk)] = true
	}
	return out
}

// Namespaces formats a set of namespaces, less the parent's own and "",
// as the additional-namespaces annotation: sorted, joined by commas.
func Namespaces(namespaces map[string]bool, parentNamespace string) string {
	var out []string
	for ns := range namespaces {
		if ns != parentNamespace && ns != "" {
			out = append(out, ns)
		}
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

// ParseList splits a comma-separated annotation; an empty one is an
// empty list.
func ParseList(annotation string) []string {
	if annotation == "" {
		return nil
	}
	return strings.Split(annotation, ",")
}

// Union returns a new set holding the members of a and of b.
func Union[K comparable](a, b map[K]bool) map[K]bool {
	out := make(map[K]bool, len(a)+len(b))
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}
