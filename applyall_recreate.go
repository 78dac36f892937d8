package kobj

import (
	"context"
	"reflect"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// isImmutableError reports whether the server refused a write because it
// changes an immutable field: a 422 Invalid whose message says so (the
// test flux's ssa package uses).
func isImmutableError(err error) bool {
	return apierrors.IsInvalid(err) && strings.Contains(strings.ToLower(err.Error()), "immutable")
}

// recreate deletes the object that o names (the one on the server, by its
// UID, in the background), waits until it is gone, and applies o again,
// which creates it anew.
func (c *Client) recreate(ctx context.Context, o *Object, m setMember, opts []ApplyOption) error {
	live, err := New(o.APIVersion(), o.Kind()).SetName(m.Name).SetNamespace(m.Namespace).SetClient(c).Read(ctx)
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return err
	default:
		_, err = live.Delete(ctx, WithClient(c), Preconditions{UID: live.UID()},
			PropagationPolicy(metav1.DeletePropagationBackground))
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		if _, err := live.Wait(ctx, Gone()); err != nil {
			return err
		}
	}
	_, err = o.Apply(ctx, opts...)
	return err
}

// sameLiveContent reports whether a dry-run apply's answer equals the
// object as it was before, but for the fields a write changes by itself:
// managedFields (their timestamps), resourceVersion and generation.
func sameLiveContent(before, answer *Object) bool {
	if before == nil || answer == nil {
		return false
	}
	strip := func(o *Object) map[string]any {
		m := o.DeepCopy().u.Object
		if md, ok := m["metadata"].(map[string]any); ok {
			delete(md, "managedFields")
			delete(md, "resourceVersion")
			delete(md, "generation")
		}
		return m
	}
	return reflect.DeepEqual(strip(before), strip(answer))
}
