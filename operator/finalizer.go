package operator

import (
	"context"
	"fmt"
	"slices"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// A finalizer is written with o.Edit and RetryOnConflict: a JSON merge
// patch of metadata.finalizers that carries o's resourceVersion, so that
// the server refuses it (Conflict) if anyone changed the object since o
// was read; the object is then read again and the edit made again on
// what the server holds. Another writer's finalizer, added or removed in
// between, is never lost: the list sent is always the server's list with
// one name added or removed.

// AddFinalizer adds the finalizer name to o on the server, and reports
// whether it had to (false: o already lists it, and nothing is sent). o is
// updated from the server's answer. The write is o.Edit's: a JSON merge
// patch carrying o's resourceVersion, so that a Conflict (the object
// changed since o was read) reads o again and adds name to the server's
// list; like Edit it also sends any other change made to o since it was
// read, and on a Conflict such changes are dropped with the re-read. It
// fails before any request when name is empty, o has no resourceVersion
// (read or create it first) or o is being deleted (the server accepts no
// new finalizer then); else with the server's error, o left as it was.
func AddFinalizer(ctx context.Context, o *kobj.Object, name string) (bool, error) {
	if err := checkFinalizerArgs("AddFinalizer", o, name); err != nil {
		return false, err
	}
	if slices.Contains(o.Finalizers(), name) {
		return false, nil
	}
	if o.Unstructured().GetDeletionTimestamp() != nil {
		return false, fmt.Errorf("operator: AddFinalizer %q: %s is being deleted: no finalizer can be added", name, o)
	}
	return editFinalizers(ctx, o, func(fs []string) ([]string, bool) {
		if slices.Contains(fs, name) {
			return fs, false
		}
		return append(fs, name), true
	})
}

// RemoveFinalizer removes the finalizer name from o on the server, and
// reports whether it had to (false: o does not list it, and nothing is
// sent). o is updated from the server's answer (when it was the last
// finalizer of an object being deleted, the server deletes the object and
// answers with it as it was last). The write is AddFinalizer's: another
// writer's finalizer is never dropped. It fails before any request when
// name is empty or o has no resourceVersion; else with the server's error,
// o left as it was. An object already gone is not an error: it lists no
// finalizer any more.
func RemoveFinalizer(ctx context.Context, o *kobj.Object, name string) (bool, error) {
	if err := checkFinalizerArgs("RemoveFinalizer", o, name); err != nil {
		return false, err
	}
	if !slices.Contains(o.Finalizers(), name) {
		return false, nil
	}
	changed, err := editFinalizers(ctx, o, func(fs []string) ([]string, bool) {
		out := slices.DeleteFunc(fs, func(f string) bool { return f == name })
		return out, len(out) != len(fs)
	})
	if apierrors.IsNotFound(err) {
		return true, nil
	}
	return changed, err
}

func checkFinalizerArgs(call string, o *kobj.Object, name string) error {
	switch {
	case o == nil:
		return fmt.Errorf("operator: %s %q: nil object", call, name)
	case name == "":
		return fmt.Errorf("operator: %s on %s: empty finalizer name", call, o)
	case o.ResourceVersion() == "":
		return fmt.Errorf("operator: %s %q: %s has no resourceVersion: read or create it first", call, name, o)
	}
	return nil
}

// editFinalizers edits o's finalizers with edit (which reports whether it
// changed them) and writes them, retrying on conflicts; it reports
// whether the write that succeeded changed them.
func editFinalizers(ctx context.Context, o *kobj.Object, edit func([]string) ([]string, bool)) (bool, error) {
	var changed bool
	_, err := o.Edit(ctx, func(o *kobj.Object) error {
		fs, ch := edit(o.Finalizers())
		changed = ch
		if ch {
			o.Unstructured().SetFinalizers(fs)
		}
		return nil
	}, kobj.RetryOnConflict(), kobj.Rollback())
	if err != nil {
		return false, err
	}
	return changed, nil
}

// finalizeOrAdd runs the controller's finalizer before the reconciler
// (called when the controller has one). For an object being deleted that
// lists the finalizer, it runs the finalize function and then removes
// the finalizer, and reports handled: the reconciler does not run; a
// failing finalize keeps the finalizer (and so the object) and returns
// its error, to be retried. For a live object that lacks the finalizer,
// it adds it. Otherwise (no object, or deleting without this finalizer)
// it does nothing.
func (r *Reconcile) finalizeOrAdd(ctx context.Context) (handled bool, err error) {
	name, o := r.ctl.finalizer, r.Object
	if name == "" || o == nil {
		return false, nil
	}
	has := slices.Contains(o.Finalizers(), name)
	deleting := o.Unstructured().GetDeletionTimestamp() != nil
	switch {
	case deleting && has:
		if r.ctl.finalize != nil {
			if err := r.ctl.finalize(ctx, r); err != nil {
				return true, fmt.Errorf("operator: finalizer %q of %s: %w", name, o, err)
			}
		}
		if _, err := RemoveFinalizer(ctx, o, name); err != nil {
			return true, fmt.Errorf("operator: removing finalizer %q: %w", name, err)
		}
		r.expectWritten(o, name)
		return true, nil
	case deleting:
		return false, nil
	case !has:
		if _, err := AddFinalizer(ctx, o, name); err != nil {
			return false, fmt.Errorf("operator: adding finalizer %q: %w", name, err)
		}
		r.expectWritten(o, "")
	}
	return false, nil
}

// expectWritten tells the cache that the operator wrote o, as the server
// answered: gone soon when it is being deleted with no finalizer left but
// removed (which o may still list when the object went before the answer).
func (r *Reconcile) expectWritten(o *kobj.Object, removed string) {
	c := r.ctl.mgr.cache
	left := slices.DeleteFunc(o.Finalizers(), func(f string) bool { return f == removed })
	if o.Unstructured().GetDeletionTimestamp() != nil && len(left) == 0 {
		c.expectGone(o.APIVersion(), o.Kind(), o.Namespace(), o.Name())
		return
	}
	c.expect(o.APIVersion(), o.Kind(), o.Namespace(), o.Name(), o.ResourceVersion())
}
