package kobj

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"

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

	// applySetGroupResourcesAnnotation is the group-resource list that
	// kubectl before 1.27 wrote instead of the group-kinds; read, never
	// written.
	applySetGroupResourcesAnnotation = "applyset.kubernetes.io/contains-group-resources"
	// applySetParentTypeLabel marks a CRD whose custom resources may be
	// ApplySet parents.
	applySetParentTypeLabel = "applyset.kubernetes.io/is-parent-type"
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
	sum := sha256.Sum256([]byte(strings.Join([]string{name, namespace, kind, group}, ".")))
	return "applyset-" + base64.RawURLEncoding.EncodeToString(sum[:]) + "-v1"
}

// DefaultApplySetTooling returns the tooling annotation kobj writes on the
// ApplySets it manages: "kobj/" followed by the version of the kobj
// module the program was built with ("v0.0.0" when the build does not
// record one, as in kobj's own tests). It does not fail.
func DefaultApplySetTooling() string {
	version := "v0.0.0"
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, m := range append([]*debug.Module{&info.Main}, info.Deps...) {
			if m.Path != modulePath {
				continue
			}
			if m.Replace != nil && m.Replace.Version != "" {
				m = m.Replace
			}
			if strings.HasPrefix(m.Version, "v") {
				version = m.Version
			}
		}
	}
	return "kobj/" + version
}

// toolingName returns the tool's name of a tooling annotation: all but
// its last "/"-separated part, as kubectl reads it ("kubectl" of
// "kubectl/v1.37.2").
func toolingName(tooling string) string {
	parts := strings.Split(tooling, "/")
	if len(parts) >= 2 {
		return strings.Join(parts[:len(parts)-1], "/")
	}
	return tooling
}

// groupKindsAnnotation formats a set of group-kinds as the group-kinds
// annotation: sorted "Kind.group" strings joined by commas.
func groupKindsAnnotation(gks map[schema.GroupKind]bool) string {
	var out []string
	for gk := range gks {
		out = append(out, gk.String())
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

// namespacesAnnotation formats a set of namespaces, less the parent's own,
// as the additional-namespaces annotation: sorted, joined by commas.
func namespacesAnnotation(namespaces map[string]bool, parentNamespace string) string {
	var out []string
	for ns := range namespaces {
		if ns != parentNamespace && ns != "" {
			out = append(out, ns)
		}
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

// parseList splits a comma-separated annotation; an empty one is an empty
// set.
func parseList(annotation string) []string {
	if annotation == "" {
		return nil
	}
	return strings.Split(annotation, ",")
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
		kinds, namespaces = unionSet(s.oldKinds, s.newKinds), unionSet(s.oldNamespaces, s.newNamespaces)
	}
	return map[string]string{
		ApplySetToolingAnnotation:    s.tooling,
		ApplySetGroupKindsAnnotation: groupKindsAnnotation(kinds),
		// kubectl writes it empty when there is no other namespace.
		ApplySetNamespacesAnnotation: namespacesAnnotation(namespaces, s.parent.Namespace()),
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

func unionSet[K comparable](a, b map[K]bool) map[K]bool {
	out := make(map[K]bool, len(a)+len(b))
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// checkTooling checks a tooling annotation given by the caller: a tool's
// name and a version, separated by a slash.
func checkTooling(tooling string) error {
	name := toolingName(tooling)
	if name == tooling || name == "" || strings.HasSuffix(tooling, "/") {
		return fmt.Errorf("ApplySetTooling(%q): want <tool name>/<version>, as kubectl/v1.37.2", tooling)
	}
	return nil
}
