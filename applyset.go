package kobj

import (
	"fmt"

	"github.com/kobj-dev/kobj/internal/applyset"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The label and annotation keys of an ApplySet (KEP-3659), as kubectl
// writes them.
const (
	// ApplySetIDLabel marks an ApplySet's parent object; its value is the
	// set's id (see [ApplySetID]).
	ApplySetIDLabel = "applyset.kubernetes.io/id"
	// ApplySetPartOfLabel marks a member of an ApplySet; its value is the
	// set's id.
	ApplySetPartOfLabel = "applyset.kubernetes.io/part-of"
	// ApplySetToolingAnnotation names, on the parent, the tool that manages
	// the set, as "<name>/<version>".
	ApplySetToolingAnnotation = "applyset.kubernetes.io/tooling"
	// ApplySetGroupKindsAnnotation lists, on the parent, the kinds of the
	// set's members: sorted, comma-separated "Kind.group" ("Kind" for the
	// core group).
	ApplySetGroupKindsAnnotation = "applyset.kubernetes.io/contains-group-kinds"
	// ApplySetNamespacesAnnotation lists, on the parent, the namespaces of
	// the set's members other than the parent's own: sorted,
	// comma-separated.
	ApplySetNamespacesAnnotation = "applyset.kubernetes.io/additional-namespaces"
)

// modulePath is kobj's module, looked up in the build information for
// the version kobj writes in its tooling annotation.
const modulePath = "github.com/kobj-dev/kobj"

// ApplySetID returns the id of the ApplySet whose parent is the object of
// that kind, group ("" for the core group), namespace ("" when
// cluster-scoped) and name: "applyset-" followed by the unpadded
// URL-safe base64 of the SHA-256 of "name.namespace.kind.group", followed
// by "-v1", as kubectl computes it. It does not fail.
func ApplySetID(group, kind, namespace, name string) string {
	return applyset.ID(group, kind, namespace, name)
}

// DefaultApplySetTooling returns the tooling annotation kobj writes on the
// ApplySets it manages: "kobj/" followed by the version of the kobj
// module the program was built with ("v0.0.0" when the build does not
// record one, as in kobj's own tests). It does not fail.
func DefaultApplySetTooling() string { return applyset.Tooling("kobj", modulePath) }

// checkTooling checks a tooling annotation given to [ApplySetTooling].
func checkTooling(tooling string) error {
	if err := applyset.CheckTooling(tooling); err != nil {
		return fmt.Errorf("ApplySetTooling(%q): %w", tooling, err)
	}
	return nil
}

// applySet is an ApplySet as one ApplyAll run sees it.
type applySet struct {
	parent       *Object // the parent's identity: apiVersion, kind, namespace, name
	mapping      schema.GroupVersionKind
	namespaced   bool
	builtin      bool   // a Secret or ConfigMap: created when missing
	id           string // ApplySetID of the parent
	tooling      string // the tooling annotation to write
	fieldManager string // the parent's field manager: "<tool name>-applyset", as kubectl

	// Recorded on the parent when the run started (its namespace included
	// for a namespaced parent).
	oldKinds      map[schema.GroupKind]bool
	oldNamespaces map[string]bool
	// Of the members of this run.
	newKinds      map[schema.GroupKind]bool
	newNamespaces map[string]bool
}

// parentAnnotations returns the parent's annotations for the superset of
// the old and new members (before applying) or for the new members alone
// (after pruning).
func (s *applySet) parentAnnotations(superset bool) map[string]string {
	kinds, namespaces := s.newKinds, s.newNamespaces
	if superset {
		kinds, namespaces = applyset.Union(s.oldKinds, s.newKinds), applyset.Union(s.oldNamespaces, s.newNamespaces)
	}
	return map[string]string{
		ApplySetToolingAnnotation:    s.tooling,
		ApplySetGroupKindsAnnotation: applyset.GroupKinds(kinds),
		// kubectl writes it empty when there is no other namespace.
		ApplySetNamespacesAnnotation: applyset.Namespaces(namespaces, s.parent.Namespace()),
	}
}

// parentPatch returns the object to apply to the parent: its identity,
// the id label and the annotations, nothing else, as kubectl sends.
func (s *applySet) parentPatch(superset bool) *Object {
	p := New(s.parent.APIVersion(), s.parent.Kind()).SetName(s.parent.Name()).SetNamespace(s.parent.Namespace())
	p.SetLabels(map[string]string{ApplySetIDLabel: s.id})
	p.SetAnnotations(s.parentAnnotations(superset))
	return p
}
