package setorder

// DependsOnAnnotation is the annotation by which an object names the
// objects of its set that must come before it, in the format of kpt and
// cli-utils (see [ParseDependsOn]).
const DependsOnAnnotation = "config.kubernetes.io/depends-on"

// Member is what the ordering of a set needs to know of one object.
type Member struct {
	Group, Kind string
	Namespace   string // effective: metadata.namespace, else the default for a namespaced kind
	Name        string
	DependsOn   string // the DependsOnAnnotation, as written
	Defines     string // for a CRD: the "group/Kind" it defines
}

// Key identifies an object within a set, across versions of its kind, as
// cli-utils does.
type Key struct{ Group, Kind, Namespace, Name string }

// Key returns m's identity within its set.
func (m Member) Key() Key { return Key{m.Group, m.Kind, m.Namespace, m.Name} }

// String returns k in the DependsOnAnnotation's format:
// group/namespaces/namespace/Kind/name, or group/Kind/name for a
// cluster-scoped object.
func (k Key) String() string {
	if k.Namespace == "" {
		return k.Group + "/" + k.Kind + "/" + k.Name
	}
	return k.Group + "/namespaces/" + k.Namespace + "/" + k.Kind + "/" + k.Name
}

// FirstStageKind reports whether objects of the kind go in the first
// stage: those that other objects need to exist before they can be
// applied at all (a CRD for its custom resources, a Namespace for what it
// holds).
func FirstStageKind(group, kind string) bool {
	return (group == "apiextensions.k8s.io" && kind == "CustomResourceDefinition") ||
		(group == "" && kind == "Namespace")
}
