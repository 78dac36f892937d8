package kobj

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/kobj-dev/kobj/internal/applyset"
	"github.com/kobj-dev/kobj/internal/setorder"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// newApplySet checks the parent given to Prune and the set's members, and
// returns the ApplySet of this run with its new kinds and namespaces; it
// sends no write (discovery, and for a custom resource parent its CRD,
// may be read). The parent must be a Secret or ConfigMap, or a custom
// resource whose CRD carries the is-parent-type label, as kubectl
// requires; a namespaced parent without a namespace takes the client's
// default namespace.
func (c *Client) newApplySet(ctx context.Context, parent *Object, tooling string, objs []*Object, ms []setMember) (*applySet, error) {
	if parent == nil {
		return nil, errors.New("Prune: the parent is nil")
	}
	if missing := missingIdentity(parent); missing != "" {
		return nil, fmt.Errorf("Prune: the parent %s has %s", parent, missing)
	}
	gv, err := schema.ParseGroupVersion(parent.APIVersion())
	if err != nil {
		return nil, fmt.Errorf("Prune: parent %s: %w", parent, err)
	}
	mapper := &restMapper{disc: c.disc}
	mapping, err := mapper.RESTMappingWithContext(ctx, schema.GroupKind{Group: gv.Group, Kind: parent.Kind()}, gv.Version)
	if err != nil {
		return nil, fmt.Errorf("Prune: parent %s: %w", parent, err)
	}
	s := &applySet{mapping: mapping.GroupVersionKind, tooling: tooling,
		namespaced: mapping.Scope.Name() == meta.RESTScopeNameNamespace,
		builtin:    gv.Group == "" && gv.Version == "v1" && (parent.Kind() == "Secret" || parent.Kind() == "ConfigMap")}
	namespace := parent.Namespace()
	switch {
	case s.namespaced && namespace == "":
		namespace = c.namespace
	case !s.namespaced && namespace != "":
		return nil, fmt.Errorf("Prune: parent %s is cluster-scoped but has a namespace", parent)
	}
	s.parent = New(parent.APIVersion(), parent.Kind()).SetName(parent.Name()).SetNamespace(namespace)
	if !s.builtin {
		if err := c.checkParentType(ctx, mapping.Resource.GroupResource()); err != nil {
			return nil, fmt.Errorf("Prune: parent %s: %w", parent, err)
		}
	}
	s.id = ApplySetID(gv.Group, parent.Kind(), namespace, parent.Name())
	s.fieldManager = applyset.ToolingName(tooling) + "-applyset"
	s.newKinds, s.newNamespaces = map[schema.GroupKind]bool{}, map[string]bool{}
	parentKey := setorder.Key{Group: gv.Group, Kind: parent.Kind(), Namespace: namespace, Name: parent.Name()}
	for i, m := range ms {
		if m.Key() == parentKey {
			return nil, fmt.Errorf("Prune: the parent %s is also a member of the set", parent)
		}
		if v, ok := objs[i].Labels()[ApplySetPartOfLabel]; ok && v != s.id {
			return nil, fmt.Errorf("%s has label %s=%s, of another ApplySet than %s (%s)", objs[i], ApplySetPartOfLabel, v, parent, s.id)
		}
		s.newKinds[schema.GroupKind{Group: m.Group, Kind: m.Kind}] = true
		if m.Namespace != "" {
			s.newNamespaces[m.Namespace] = true
		}
	}
	return s, nil
}

// checkParentType checks that the CRD of a custom resource parent marks
// it as an allowed ApplySet parent, as kubectl does.
func (c *Client) checkParentType(ctx context.Context, gr schema.GroupResource) error {
	notParent := fmt.Errorf("%s cannot be an ApplySet parent: only Secrets, ConfigMaps and custom resources whose CRD has the label %s can", gr, applyset.ParentTypeLabel)
	if gr.Group == "" {
		return notParent
	}
	crd, err := New("apiextensions.k8s.io/v1", "CustomResourceDefinition").Read(ctx, WithClient(c), Named(gr.String()))
	switch {
	case apierrors.IsNotFound(err): // not a custom resource
		return notParent
	case err != nil:
		return fmt.Errorf("reading the CRD of %s: %w", gr, err)
	}
	if _, ok := crd.Labels()[applyset.ParentTypeLabel]; !ok {
		return notParent
	}
	return nil
}

// readParent reads the parent and records the kinds and namespaces it
// lists. A missing parent is an empty set (a custom resource parent must
// exist). A parent managed by another tool, or without the set's id
// label, is an error, as in kubectl: a tool does not take over another
// tool's set.
func (c *Client) readParent(ctx context.Context, s *applySet) error {
	s.oldKinds, s.oldNamespaces = map[schema.GroupKind]bool{}, map[string]bool{}
	if s.namespaced {
		s.oldNamespaces[s.parent.Namespace()] = true
	}
	live, err := New(s.parent.APIVersion(), s.parent.Kind()).SetName(s.parent.Name()).SetNamespace(s.parent.Namespace()).
		Read(ctx, WithClient(c))
	switch {
	case apierrors.IsNotFound(err) && s.builtin:
		return nil
	case apierrors.IsNotFound(err):
		return fmt.Errorf("ApplySet parent %s does not exist: a custom resource parent is not created automatically", s.parent)
	case err != nil:
		return fmt.Errorf("reading ApplySet parent %s: %w", s.parent, err)
	}
	annotations := live.Annotations()
	tooling, ok := annotations[ApplySetToolingAnnotation]
	if !ok {
		return fmt.Errorf("ApplySet parent %s exists without the annotation %s", s.parent, ApplySetToolingAnnotation)
	}
	if got, want := applyset.ToolingName(tooling), applyset.ToolingName(s.tooling); got != want {
		return fmt.Errorf("%w: ApplySet parent %s is managed by %q, not %q (see ApplySetTooling)", ErrForeignApplySet, s.parent, got, want)
	}
	if id, ok := live.Labels()[ApplySetIDLabel]; !ok || id != s.id {
		return fmt.Errorf("ApplySet parent %s has label %s=%q, want %q", s.parent, ApplySetIDLabel, id, s.id)
	}
	if err := c.parseKinds(ctx, s, annotations); err != nil {
		return fmt.Errorf("ApplySet parent %s: %w", s.parent, err)
	}
	for _, ns := range applyset.ParseList(annotations[ApplySetNamespacesAnnotation]) {
		s.oldNamespaces[ns] = true
	}
	return nil
}

// parseKinds reads the group-kinds annotation into s.oldKinds, or, from a
// parent written by kubectl before 1.27, the group-resources one.
func (c *Client) parseKinds(ctx context.Context, s *applySet, annotations map[string]string) error {
	if gks, ok := annotations[ApplySetGroupKindsAnnotation]; ok {
		maps.Copy(s.oldKinds, applyset.ParseGroupKinds(gks))
		return nil
	}
	grs, ok := annotations[applyset.GroupResourcesAnnotation]
	if !ok {
		return fmt.Errorf("no annotation %s", ApplySetGroupKindsAnnotation)
	}
	mapper := &restMapper{disc: c.disc}
	for _, gr := range applyset.ParseList(grs) {
		gvk, err := mapper.KindForWithContext(ctx, schema.ParseGroupResource(gr).WithVersion(""))
		if err != nil {
			return fmt.Errorf("%s lists %s: %w", applyset.GroupResourcesAnnotation, gr, err)
		}
		s.oldKinds[gvk.GroupKind()] = true
	}
	return nil
}

// updateParent applies the parent's id label and annotations, for the
// superset of the old and new members or for the new ones alone, under
// the field manager "<tool name>-applyset". On a conflict it retries with
// Force, as kubectl does.
func (c *Client) updateParent(ctx context.Context, s *applySet, superset bool) error {
	opts := []ApplyOption{WithClient(c), FieldManager(s.fieldManager)}
	_, err := s.parentPatch(superset).Apply(ctx, opts...)
	if apierrors.IsConflict(err) {
		_, err = s.parentPatch(superset).Apply(ctx, append(opts, Force())...)
	}
	if err != nil {
		return fmt.Errorf("updating ApplySet parent %s: %w", s.parent, err)
	}
	return nil
}

// beginApplySet checks the Prune parent and the members, reads the
// parent, and (but in a dry run) applies it with the superset of its old
// and new kinds and namespaces, so that a run interrupted later leaks no
// object.
func (c *Client) beginApplySet(ctx context.Context, so *setOptions, objs []*Object, ms []setMember) (*applySet, error) {
	s, err := c.newApplySet(ctx, so.parent, so.tooling, objs, ms)
	if err != nil {
		return nil, err
	}
	if err := c.readParent(ctx, s); err != nil {
		return nil, err
	}
	if !so.dryRun {
		if err := c.updateParent(ctx, s, true); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// label returns the objects to apply: objs with the part-of label set in
// place, or, in a dry run, labelled copies, so that a dry run leaves the
// caller's objects as they were.
func (s *applySet) label(objs []*Object, dryRun bool) []*Object {
	out := make([]*Object, len(objs))
	for i, o := range objs {
		if dryRun {
			o = o.DeepCopy()
		}
		out[i] = o.SetLabel(ApplySetPartOfLabel, s.id)
	}
	return out
}

// finishApplySet prunes the objects of the set that this run did not
// apply and (but in a dry run) trims the parent to this run's kinds and
// namespaces. When pruning fails, the parent keeps the superset, so that
// the next run prunes what this one could not.
func (c *Client) finishApplySet(ctx context.Context, s *applySet, ms []setMember, dryRun bool) ([]Change, error) {
	keep := make(map[setorder.Key]bool, len(ms))
	for _, m := range ms {
		keep[m.Key()] = true
	}
	prunable, err := c.findPrunable(ctx, s, keep)
	if err != nil {
		return nil, err
	}
	changes, err := c.prune(ctx, prunable, dryRun)
	if err != nil || dryRun {
		return changes, err
	}
	return changes, c.updateParent(ctx, s, false)
}
