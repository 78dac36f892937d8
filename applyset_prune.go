package kobj

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/kobj-dev/kobj/internal/applyset"
	"github.com/kobj-dev/kobj/internal/setorder"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// pruneTask is one LIST of prune candidates: a kind in a namespace ("" for
// a cluster-scoped kind).
type pruneTask struct {
	apiVersion, kind, namespace string
	found                       []*Object
	err                         error
}

// findPrunable lists, for each kind the parent recorded or this run
// applied, in each namespace the parent recorded or this run used, the
// objects labelled as members of the set, and returns those that are not
// in this run's set (keep) and not the parent. A recorded kind the server
// no longer serves holds nothing to prune.
func (c *Client) findPrunable(ctx context.Context, s *applySet, keep map[setorder.Key]bool) ([]*Object, error) {
	mapper := &restMapper{disc: c.disc}
	kinds := applyset.Union(s.oldKinds, s.newKinds)
	namespaces := slices.Sorted(func(yield func(string) bool) {
		for ns := range applyset.Union(s.oldNamespaces, s.newNamespaces) {
			if !yield(ns) {
				return
			}
		}
	})
	gks := make([]schema.GroupKind, 0, len(kinds))
	for gk := range kinds {
		gks = append(gks, gk)
	}
	sort.Slice(gks, func(i, j int) bool { return gks[i].String() < gks[j].String() })
	var tasks []*pruneTask
	for _, gk := range gks {
		mapping, err := mapper.RESTMappingWithContext(ctx, gk)
		if meta.IsNoMatchError(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("pruning %s: %w", gk, err)
		}
		apiVersion := mapping.GroupVersionKind.GroupVersion().String()
		if mapping.Scope.Name() != meta.RESTScopeNameNamespace {
			tasks = append(tasks, &pruneTask{apiVersion: apiVersion, kind: gk.Kind})
			continue
		}
		for _, ns := range namespaces {
			tasks = append(tasks, &pruneTask{apiVersion: apiVersion, kind: gk.Kind, namespace: ns})
		}
	}
	selector := ApplySetPartOfLabel + "=" + s.id
	runBounded(len(tasks), func(k int) {
		t := tasks[k]
		opts := []ReadOption{WithClient(c), LabelSelector(selector)}
		if t.namespace != "" {
			opts = append(opts, InNamespace(t.namespace))
		}
		list, err := New(t.apiVersion, t.kind+"List").Read(ctx, opts...)
		if err != nil {
			t.err = fmt.Errorf("listing %s %s in %q for pruning: %w", t.apiVersion, t.kind, t.namespace, err)
			return
		}
		t.found = list.Items()
	})
	parentGV, _ := schema.ParseGroupVersion(s.parent.APIVersion())
	parentKey := setorder.Key{Group: parentGV.Group, Kind: s.parent.Kind(), Namespace: s.parent.Namespace(), Name: s.parent.Name()}
	var prunable []*Object
	var errs []error
	for _, t := range tasks {
		if t.err != nil {
			errs = append(errs, t.err)
			continue
		}
		gv, _ := schema.ParseGroupVersion(t.apiVersion)
		for _, o := range t.found {
			k := setorder.Key{Group: gv.Group, Kind: t.kind, Namespace: o.Namespace(), Name: o.Name()}
			if keep[k] || k == parentKey || o.Labels()[ApplySetPartOfLabel] != s.id {
				continue
			}
			prunable = append(prunable, o)
		}
	}
	return prunable, errors.Join(errs...)
}

// prune deletes the objects found prunable, in the reverse of the order
// in which ApplyAll would apply them (custom resources before their CRD,
// namespaced objects before their Namespace), each only if it still has
// the UID it was listed with. With dryRun, nothing is deleted. Each gets a
// Change with Action Pruned, and Err when its deletion failed; an object
// already gone counts as pruned.
func (c *Client) prune(ctx context.Context, objs []*Object, dryRun bool) ([]Change, error) {
	ms, err := c.setMembers(ctx, objs, true)
	if err != nil {
		return nil, err
	}
	for i := range ms {
		ms[i].DependsOn = "" // what they depended on may be gone already
	}
	stages, err := orderStages(ms)
	if err != nil {
		return nil, err
	}
	slices.Reverse(stages)
	var all []Change
	for n, stage := range stages {
		changes := make([]Change, len(stage))
		runBounded(len(stage), func(k int) {
			o := objs[stage[k]]
			changes[k] = Change{Object: o, Action: Pruned}
			if dryRun {
				return
			}
			_, err := o.Delete(ctx, WithClient(c), Preconditions{UID: o.UID()})
			if err != nil && !apierrors.IsNotFound(err) {
				changes[k].Err = err
			}
		})
		all = append(all, changes...)
		if err := stageFailure("prune", n, len(stages), changes); err != nil {
			return all, err
		}
	}
	return all, nil
}
