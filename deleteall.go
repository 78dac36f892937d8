package kobj

import (
	"context"
	"errors"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// DeleteAll deletes a set of objects in the reverse of the order in which
// ApplyAll applies it: the stages last to first (the objects of one stage
// concurrently, at most 8 at a time), so that custom resources go before
// their CRD and namespaced objects before their Namespace. An object
// already absent counts as deleted, and so does one whose kind the server
// no longer knows (its CRD went first). The options are Delete's
// [PropagationPolicy] and [GracePeriod], and [WaitForDeletion].
//
// Without WaitForDeletion, DeleteAll returns once the server accepted each
// deletion; objects with finalizers may still exist. Note that a
// Namespace's deletion ends only when the namespace controller has emptied
// it, which a bare API server (envtest) never does.
//
// It fails before any write (discovery may be read) on the set errors of
// ApplyAll but an unknown kind: a nil or unnamed object, two objects with
// the same identity, a malformed DependsOnAnnotation, a dependency not in
// the set, a cycle. When objects
// fail, the others of their stage are still deleted, later stages are
// not, and the error wraps each failure; a wait that does not end before
// ctx does is such a failure.
func (c *Client) DeleteAll(ctx context.Context, objs []*Object, opts ...DeleteAllOption) (err error) {
	defer wrapCall(&err, "DeleteAll")
	so := &setOptions{}
	for _, o := range opts {
		if o != nil {
			o.applyToDeleteAll(so)
		}
	}
	delOpts := append([]DeleteOption{WithClient(c)}, so.del...)
	if _, err := gather(delOpts, DeleteOption.applyToDelete); err != nil {
		return err
	}
	ms, err := c.setMembers(ctx, objs, true)
	if err != nil {
		return err
	}
	stages, err := orderStages(ms)
	if err != nil {
		return err
	}
	slices.Reverse(stages)
	for n, stage := range stages {
		changes := make([]Change, len(stage))
		runBounded(len(stage), func(k int) {
			i := stage[k]
			changes[k] = Change{Object: objs[i], Err: c.deleteMember(ctx, objs[i], ms[i], delOpts, so.waitForDeletion)}
		})
		if err := stageFailure("delete", n, len(stages), changes); err != nil {
			return err
		}
	}
	return nil
}

// deleteMember deletes one object of a set and, when wait is set, waits
// until it is gone. Absent already is no error.
func (c *Client) deleteMember(ctx context.Context, o *Object, m setMember, opts []DeleteOption, wait bool) error {
	target := New(o.APIVersion(), o.Kind()).SetName(m.Name).SetNamespace(m.Namespace)
	_, err := target.Delete(ctx, opts...)
	var unknown *UnknownKindError
	switch {
	case apierrors.IsNotFound(err), errors.As(err, &unknown):
		return nil
	case err != nil:
		return err
	case !wait:
		return nil
	}
	_, err = target.SetClient(c).Wait(ctx, Gone())
	return err
}
