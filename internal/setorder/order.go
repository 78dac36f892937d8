package setorder

import (
	"fmt"
	"slices"
	"strings"
)

// Stages sorts a set into stages, each a list of indexes into ms in their
// original order: every object comes in a later stage than what it
// depends on. An object depends on the CRD in the set that defines its
// kind, on the Namespace in the set that holds it, and on what its
// DependsOnAnnotation names. CRDs and Namespaces go first, the others no
// earlier than the second stage. It fails, naming the objects, on two
// objects with the same identity, a malformed annotation, a dependency
// not in the set, and a cycle.
func Stages(ms []Member) ([][]int, error) {
	index := make(map[Key]int, len(ms))
	definer := map[string]int{}
	namespaces := map[string]int{}
	for i, m := range ms {
		k := m.Key()
		if j, dup := index[k]; dup {
			return nil, fmt.Errorf("objects %d and %d are both %s", j, i, k)
		}
		index[k] = i
		if m.Defines != "" {
			definer[m.Defines] = i
		}
		if m.Group == "" && m.Kind == "Namespace" {
			namespaces[m.Name] = i
		}
	}
	deps := make([][]int, len(ms))
	for i, m := range ms {
		if j, ok := definer[m.Group+"/"+m.Kind]; ok && j != i {
			deps[i] = append(deps[i], j)
		}
		if j, ok := namespaces[m.Namespace]; ok && m.Namespace != "" && j != i {
			deps[i] = append(deps[i], j)
		}
		refs, err := parseDependsOn(m.DependsOn)
		if err != nil {
			return nil, fmt.Errorf("%s: annotation %s: %w", m.Key(), DependsOnAnnotation, err)
		}
		for _, r := range refs {
			j, ok := index[r]
			if !ok {
				return nil, fmt.Errorf("%s depends on %s, which is not in the set", m.Key(), r)
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
func stageLevels(ms []Member, deps [][]int) ([]int, error) {
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
				names = append(names, ms[j].Key().String())
			}
			names = append(names, ms[i].Key().String())
			return fmt.Errorf("a dependency cycle: %s", strings.Join(names, " -> "))
		}
		state[i] = visiting
		path = append(path, i)
		level := 1
		if FirstStageKind(ms[i].Group, ms[i].Kind) {
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

// parseDependsOn reads a DependsOnAnnotation value: a comma-separated
// list of group/namespaces/namespace/Kind/name for a namespaced object
// and group/Kind/name for a cluster-scoped one, the group empty for the
// core group; "" names nothing.
func parseDependsOn(v string) ([]Key, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var refs []Key
	for _, ref := range strings.Split(v, ",") {
		ref = strings.TrimSpace(ref)
		parts := strings.Split(ref, "/")
		var k Key
		switch {
		case len(parts) == 3:
			k = Key{Group: parts[0], Kind: parts[1], Name: parts[2]}
		case len(parts) == 5 && parts[1] == "namespaces":
			k = Key{Group: parts[0], Namespace: parts[2], Kind: parts[3], Name: parts[4]}
		default:
			return nil, fmt.Errorf("%q is neither group/Kind/name nor group/namespaces/namespace/Kind/name", ref)
		}
		if k.Kind == "" || k.Name == "" || (len(parts) == 5 && k.Namespace == "") {
			return nil, fmt.Errorf("%q has an empty kind, name or namespace", ref)
		}
		refs = append(refs, k)
	}
	return refs, nil
}
