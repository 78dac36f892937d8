package kobj

import (
	"fmt"
	"slices"
	"strings"
)

// DependsOnAnnotation is the annotation by which an object names the
// objects of its set that must be applied before it (and deleted after
// it), in the format of kpt and cli-utils: a comma-separated list of
// group/namespaces/namespace/Kind/name for a namespaced object and
// group/Kind/name for a cluster-scoped one, the group empty for the core
// group ("/namespaces/shop/ConfigMap/settings").
const DependsOnAnnotation = "config.kubernetes.io/depends-on"

// setMember is what the ordering of a set needs to know of one object.
type setMember struct {
	group, kind string
	namespace   string // effective: metadata.namespace, else the default for a namespaced kind
	name        string
	dependsOn   string // the DependsOnAnnotation, as written
	defines     string // for a CRD: the "group/Kind" it defines
}

// memberKey identifies an object within a set, across versions of its
// kind, as cli-utils does.
type memberKey struct{ group, kind, namespace, name string }

func (m setMember) key() memberKey { return memberKey{m.group, m.kind, m.namespace, m.name} }

func (k memberKey) String() string {
	if k.namespace == "" {
		return k.group + "/" + k.kind + "/" + k.name
	}
	return k.group + "/namespaces/" + k.namespace + "/" + k.kind + "/" + k.name
}

// firstStageKind reports whether objects of the kind go in the first
// stage: those that other objects need to exist before they can be
// applied at all (a CRD for its custom resources, a Namespace for what it
// holds).
func firstStageKind(group, kind string) bool {
	return (group == "apiextensions.k8s.io" && kind == "CustomResourceDefinition") ||
		(group == "" && kind == "Namespace")
}

// orderStages sorts a set into stages, each a list of indexes into ms in
// their original order: every object comes in a later stage than what it
// depends on. An object depends on the CRD in the set that defines its
// kind, on the Namespace in the set that holds it, and on what its
// DependsOnAnnotation names. CRDs and Namespaces go first, the others no
// earlier than the second stage. It fails, naming the objects, on two
// objects with the same identity, a malformed annotation, a dependency not
// in the set, and a cycle.
func orderStages(ms []setMember) ([][]int, error) {
	index := make(map[memberKey]int, len(ms))
	definer := map[string]int{}
	namespaces := map[string]int{}
	for i, m := range ms {
		k := m.key()
		if j, dup := index[k]; dup {
			return nil, fmt.Errorf("objects %d and %d are both %s", j, i, k)
		}
		index[k] = i
		if m.defines != "" {
			definer[m.defines] = i
		}
		if m.group == "" && m.kind == "Namespace" {
			namespaces[m.name] = i
		}
	}
	deps := make([][]int, len(ms))
	for i, m := range ms {
		if j, ok := definer[m.group+"/"+m.kind]; ok && j != i {
			deps[i] = append(deps[i], j)
		}
		if j, ok := namespaces[m.namespace]; ok && m.namespace != "" && j != i {
			deps[i] = append(deps[i], j)
		}
		refs, err := parseDependsOn(m.dependsOn)
		if err != nil {
			return nil, fmt.Errorf("%s: annotation %s: %w", m.key(), DependsOnAnnotation, err)
		}
		for _, r := range refs {
			j, ok := index[r]
			if !ok {
				return nil, fmt.Errorf("%s depends on %s, which is not in the set", m.key(), r)
			}
			deps[i] = append(deps[i], j)
		}
	}
	levels, err := stageLevels(ms, deps)
	if err != nil {
		return nil, err
	}
	var stages [][]int
	for l := 0; len(levels) > 0 && l <= slices.Max(levels); l++ {
		var stage []int
		for i, li := range levels {
			if li == l {
				stage = append(stage, i)
			}
		}
		if stage != nil { // levels may skip a number: stages are not empty
			stages = append(stages, stage)
		}
	}
	return stages, nil
}

// stageLevels returns each object's level: at least 0 for a first-stage
// kind and 1 for the others, and one more than the highest level of what
// it depends on. It fails on a cycle, which it names.
func stageLevels(ms []setMember, deps [][]int) ([]int, error) {
	const (
		unvisited = iota
		visiting
		done
	)
	state := make([]int, len(ms))
	levels := make([]int, len(ms))
	var path []int
	var visit func(i int) error
	visit = func(i int) error {
		switch state[i] {
		case done:
			return nil
		case visiting:
			start := slices.Index(path, i)
			names := make([]string, 0, len(path)-start+1)
			for _, j := range path[start:] {
				names = append(names, ms[j].key().String())
			}
			names = append(names, ms[i].key().String())
			return fmt.Errorf("a dependency cycle: %s", strings.Join(names, " -> "))
		}
		state[i] = visiting
		path = append(path, i)
		level := 1
		if firstStageKind(ms[i].group, ms[i].kind) {
			level = 0
		}
		for _, j := range deps[i] {
			if err := visit(j); err != nil {
				return err
			}
			level = max(level, levels[j]+1)
		}
		path = path[:len(path)-1]
		state[i], levels[i] = done, level
		return nil
	}
	for i := range ms {
		if err := visit(i); err != nil {
			return nil, err
		}
	}
	return levels, nil
}

// parseDependsOn reads a DependsOnAnnotation value; "" names nothing.
func parseDependsOn(v string) ([]memberKey, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var refs []memberKey
	for _, ref := range strings.Split(v, ",") {
		ref = strings.TrimSpace(ref)
		parts := strings.Split(ref, "/")
		var k memberKey
		switch {
		case len(parts) == 3:
			k = memberKey{group: parts[0], kind: parts[1], name: parts[2]}
		case len(parts) == 5 && parts[1] == "namespaces":
			k = memberKey{group: parts[0], namespace: parts[2], kind: parts[3], name: parts[4]}
		default:
			return nil, fmt.Errorf("%q is neither group/Kind/name nor group/namespaces/namespace/Kind/name", ref)
		}
		if k.kind == "" || k.name == "" || (len(parts) == 5 && k.namespace == "") {
			return nil, fmt.Errorf("%q has an empty kind, name or namespace", ref)
		}
		refs = append(refs, k)
	}
	return refs, nil
}
