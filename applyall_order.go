package kobj

import "github.com/kobj-dev/kobj/internal/setorder"

// DependsOnAnnotation is the annotation by which an object names the
// objects of its set that must be applied before it (and deleted after
// it), in the format of kpt and cli-utils: a comma-separated list of
// group/namespaces/namespace/Kind/name for a namespaced object and
// group/Kind/name for a cluster-scoped one, the group empty for the core
// group ("/namespaces/shop/ConfigMap/settings").
const DependsOnAnnotation = "config.kubernetes.io/depends-on"

// setMember is what ApplyAll, DeleteAll and pruning know of one object of
// a set: its identity and what orders it (see setorder.Member).
type setMember struct {
	group, kind string
	namespace   string // effective: metadata.namespace, else the default for a namespaced kind
	name        string
	dependsOn   string // the DependsOnAnnotation, as written
	defines     string // for a CRD: the "group/Kind" it defines
}

func (m setMember) record() setorder.Member {
	return setorder.Member{Group: m.group, Kind: m.kind, Namespace: m.namespace, Name: m.name,
		DependsOn: m.dependsOn, Defines: m.defines}
}

func (m setMember) key() setorder.Key { return m.record().Key() }

// orderStages sorts a set into stages of indexes into ms (see
// setorder.Stages).
func orderStages(ms []setMember) ([][]int, error) {
	records := make([]setorder.Member, len(ms))
	for i, m := range ms {
		records[i] = m.record()
	}
	return setorder.Stages(records)
}
