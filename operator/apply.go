package operator

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/internal/ssa"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Apply makes children the objects the reconciled object (the parent)
// controls, as the reconciler renders them now, and returns what it did,
// child by child and then one Pruned change per child it deleted.
//
// Each child gets a controller ownerReference to the parent (so that the
// garbage collector deletes it with the parent, and a change to it
// reconciles the parent when the controller Owns its kind), and the
// parent's namespace when it has none and its kind is namespaced. It is
// then server-side applied with the controller's field manager, with
// Force (a controller's intent wins over a field another manager set),
// unless the cached copy shows it converged: an apply that would change
// nothing on the server (the same check as ApplyAll's) is not sent, and
// the child is reported Unchanged. A converged reconcile therefore sends
// no write at all. After a write, reads of that kind from the manager's
// cache wait until the cache holds the new version.
//
// Every child given ends up holding the object as the server holds it
// (its status included, so that child.Readiness() tells whether it is
// ready): a child sent is updated in place with the server's answer, as
// Object.Apply does; an Unchanged child's content is replaced in place by
// the cached copy (Change.Object is the child given, in both cases). The
// Unchanged child is not given a server copy, though: a later Update or
// Apply of that same Object sends it whole, as one never read. Render
// children afresh in each reconcile rather than keep them.
//
// Children of the kinds the controller Owns that the parent controls (a
// controller ownerReference with the parent's UID) and that this call did
// not render are deleted (pruned), each with a UID precondition so that a
// new object of the same name is never touched. Call Apply once per
// reconcile, with every child: a child rendered by an earlier call of the
// same reconcile and not by this one is pruned too. Nothing is pruned
// when an apply failed.
//
// Before any write it fails, applying nothing, when the reconcile has no
// object (it is gone), a child is nil or has no name, a child is
// cluster-scoped under a namespaced parent or in another namespace than
// the parent (Kubernetes has no such owner references), a child already
// has another controller, or two children are the same object. A failed
// apply is recorded in its Change's Err and the others still go; the
// error returned then joins the failures. The ChangeSet is never nil.
func (r *Reconcile) Apply(ctx context.Context, children ...*kobj.Object) (*kobj.ChangeSet, error) {
	cs := &kobj.ChangeSet{}
	if r == nil || r.ctl == nil {
		return cs, errors.New("operator: Apply: not a controller's reconcile")
	}
	parent := r.Object
	if parent == nil {
		return cs, fmt.Errorf("operator: Apply for %s: the object is gone; nothing to own children", r.Request)
	}
	rendered, err := r.prepareChildren(children)
	if err != nil {
		return cs, fmt.Errorf("operator: Apply for %s: %w", r.Request, err)
	}
	var failed []error
	for _, child := range children {
		ch := r.applyChild(ctx, child)
		if ch.Err != nil {
			failed = append(failed, fmt.Errorf("%s: %w", child, ch.Err))
		}
		cs.Changes = append(cs.Changes, ch)
	}
	if len(failed) > 0 {
		return cs, fmt.Errorf("operator: Apply for %s: %w", r.Request, errors.Join(failed...))
	}
	pruned, err := r.prune(ctx, rendered)
	cs.Changes = append(cs.Changes, pruned...)
	if err != nil {
		return cs, fmt.Errorf("operator: Apply for %s: pruning: %w", r.Request, err)
	}
	return cs, nil
}

// childKey names a child for prune: apiVersions of one group name the
// same object.
type childKey struct {
	group, kind, namespace, name string
}

func keyOf(apiVersion, kind, namespace, name string) childKey {
	gv, _ := schema.ParseGroupVersion(apiVersion)
	return childKey{gv.Group, kind, namespace, name}
}

// prepareChildren checks every child, then sets its namespace and owner
// reference; it returns the set rendered. A refusal leaves every child
// as it was.
func (r *Reconcile) prepareChildren(children []*kobj.Object) (map[childKey]bool, error) {
	parent := r.Object
	rendered := make(map[childKey]bool, len(children))
	namespaces := make([]string, len(children))
	for i, child := range children {
		if child == nil {
			return nil, fmt.Errorf("child %d is nil", i)
		}
		if child.Name() == "" {
			return nil, fmt.Errorf("child %d (%s %s) has no metadata.name", i, child.APIVersion(), child.Kind())
		}
		ns, err := r.childNamespace(child)
		if err != nil {
			return nil, err
		}
		namespaces[i] = ns
		k := keyOf(child.APIVersion(), child.Kind(), ns, child.Name())
		if rendered[k] {
			return nil, fmt.Errorf("child %s is given twice", child)
		}
		rendered[k] = true
		if err := child.DeepCopy().SetNamespace(ns).AddOwnerReference(parent, true); err != nil {
			return nil, err
		}
	}
	for i, child := range children {
		_ = child.SetNamespace(namespaces[i]).AddOwnerReference(parent, true) // checked on a copy above
	}
	return rendered, nil
}

// childNamespace returns the namespace child is to have under the parent,
// or why it cannot be the parent's child.
func (r *Reconcile) childNamespace(child *kobj.Object) (string, error) {
	namespaced, err := r.ctl.mgr.cache.namespaced(child.APIVersion(), child.Kind())
	if err != nil {
		return "", fmt.Errorf("child %s: %w", child, err)
	}
	pns, ns := r.Object.Namespace(), child.Namespace()
	switch {
	case !namespaced && pns != "":
		return "", fmt.Errorf("child %s is cluster-scoped and the parent is namespaced (%s): a cluster-scoped object cannot have a namespaced owner", child, pns)
	case !namespaced && ns != "":
		return "", fmt.Errorf("child %s: %s is cluster-scoped but the child has namespace %q", child, child.Kind(), ns)
	case !namespaced:
		return "", nil
	case ns == "" && pns == "":
		return "", fmt.Errorf("child %s is namespaced but has no namespace, and the parent is cluster-scoped: set one", child)
	case ns == "":
		return pns, nil
	case pns != "" && ns != pns:
		return "", fmt.Errorf("child %s is in namespace %q, the parent in %q: owners must be in their children's namespace", child, ns, pns)
	}
	return ns, nil
}

// applyChild applies one child unless the cache shows it converged.
func (r *Reconcile) applyChild(ctx context.Context, child *kobj.Object) kobj.Change {
	ch := kobj.Change{Object: child}
	mgr, manager := r.ctl.mgr, r.ctl.fieldManager
	e, found, err := mgr.cache.entry(ctx, child.APIVersion(), child.Kind(), child.Namespace(), child.Name())
	if err != nil {
		ch.Err = err
		return ch
	}
	if found {
		if live, ok := appliesNothing(child, e, manager); ok {
			// What the apply would have answered: the object as the
			// server holds it, in place, as Apply updates a child it sends.
			m := child.Map()
			clear(m)
			maps.Copy(m, live)
			ch.Action = kobj.Unchanged
			return ch
		}
	}
	if _, err := child.Apply(ctx, kobj.WithClient(mgr.client), kobj.FieldManager(manager), kobj.Force()); err != nil {
		ch.Err = err
		return ch
	}
	mgr.cache.expect(child.APIVersion(), child.Kind(), child.Namespace(), child.Name(), child.ResourceVersion())
	switch {
	case !found:
		ch.Action = kobj.Created
	case child.ResourceVersion() == e.ResourceVersion:
		ch.Action = kobj.Unchanged
	default:
		ch.Action = kobj.Configured
	}
	return ch
}

// appliesNothing reports whether applying child, as Object.Apply would
// send it, to the cached e would change nothing, and returns e's content
// (a new map) when so. The child is taken as never read from the server
// (as a reconciler renders it): one that was read is sent by Apply with
// less, so the check can only miss a skip, never skip a change.
func appliesNothing(child *kobj.Object, e *entry, manager string) (map[string]any, bool) {
	live, err := e.decode()
	if err != nil {
		return nil, false
	}
	body, err := ssa.Body(child.Map(), nil, manager, false, child.Name(), child.Namespace())
	if err != nil || !ssa.AppliesNothing(body, live, manager) {
		return nil, false
	}
	return live, true
}

// prune deletes the children of the controller's Owns kinds that the
// parent controls and rendered does not hold.
func (r *Reconcile) prune(ctx context.Context, rendered map[childKey]bool) ([]kobj.Change, error) {
	mgr, parent := r.ctl.mgr, r.Object
	var changes []kobj.Change
	var errs []error
	for _, k := range r.ctl.owns {
		// A namespaced parent's children are in its namespace; a
		// cluster-scoped parent's may be anywhere.
		entries, err := mgr.cache.entries(ctx, k.APIVersion, k.Kind, parent.Namespace(), labels.Everything())
		if err != nil {
			errs = append(errs, fmt.Errorf("listing %s %s: %w", k.APIVersion, k.Kind, err))
			continue
		}
		for _, e := range entries {
			ref, ok := e.controllerOf()
			if !ok || ref.UID != parent.UID() || e.DeletionTimestamp != nil ||
				rendered[keyOf(e.APIVersion, e.Kind, e.Namespace, e.Name)] {
				continue
			}
			ch, err := r.pruneOne(ctx, e)
			if err != nil {
				errs = append(errs, err)
			}
			if ch.Object != nil {
				changes = append(changes, ch)
			}
		}
	}
	return changes, errors.Join(errs...)
}

// pruneOne deletes one child the cache holds, if it is still that object.
func (r *Reconcile) pruneOne(ctx context.Context, e *entry) (kobj.Change, error) {
	mgr := r.ctl.mgr
	o, err := e.object(mgr.client)
	if err != nil {
		return kobj.Change{}, err
	}
	ch := kobj.Change{Object: o, Action: kobj.Pruned}
	_, err = kobj.New(e.APIVersion, e.Kind).SetNamespace(e.Namespace).SetName(e.Name).
		Delete(ctx, kobj.WithClient(mgr.client), kobj.Preconditions{UID: e.UID})
	switch {
	case err == nil, apierrors.IsNotFound(err):
		mgr.cache.expectGone(e.APIVersion, e.Kind, e.Namespace, e.Name)
		return ch, nil
	case apierrors.IsConflict(err):
		// Another object under the name now: not this parent's child.
		return kobj.Change{}, nil
	default:
		ch.Err = err
		return ch, fmt.Errorf("deleting %s: %w", o, err)
	}
}
