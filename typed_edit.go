package kobj

import (
	"context"
	"fmt"

	"github.com/kobj-dev/kobj/internal/jsonvalue"
	"github.com/kobj-dev/kobj/internal/typedwalk"
)

// EditAs edits o through its typed view: it runs fn on o as a *T (as As
// makes it), lays what fn changed onto o's own content, and Updates o as
// Edit does, sending only those changes as a JSON merge patch with o's
// resourceVersion. It returns what Edit returns.
//
// What fn changed is the difference between T's view of o before and
// after fn, not T's whole view: fields T does not model (a custom
// resource's extra fields, fields newer than the Go type) and fields fn
// left alone (an annotation another writer set) are kept, and the zero
// values a Go struct cannot leave out (status: {}, creationTimestamp:
// null) are not written. A field fn cleared is removed from o. A list fn
// changed is replaced whole, by T's view of it, so fields T does not
// model inside that list's items are not kept.
//
// EditAs is built on Edit and takes its options: with [RetryOnConflict], a
// Conflict makes it read o again and run fn again on a fresh *T; with
// [Rollback], a failed update restores o. If fn fails or panics, nothing
// more is sent and o holds what it held when fn was called (after a
// Conflict, the fresh read), with or without Rollback; a panic goes on.
// The error is fn's own (as is, for errors.Is), a conversion's (o is not
// T's kind, or does not fit T), or the update's.
func EditAs[T any](ctx context.Context, o *Object, fn func(*T) error, opts ...EditOption) (_ *Object, err error) {
	var fnErr, viewErr error
	defer func() {
		if err != nil && err == viewErr {
			wrapCall(&err, callName("EditAs "+typeOf(new(T)), o))
		}
	}()
	if o == nil {
		return nil, errorf("EditAs "+typeOf(new(T)), "nil object")
	}
	if fn == nil {
		return o, errorf(callName("EditAs "+typeOf(new(T)), o), "nil edit function")
	}
	edit := func(o *Object) error {
		v := new(T)
		delta, err := typedEdit(o.u.Object, v, func() error { fnErr = fn(v); return fnErr })
		if err != nil {
			if err != fnErr {
				viewErr = err
			}
			return err
		}
		layDelta(o.u.Object, delta)
		return nil
	}
	return o.Edit(ctx, edit, opts...)
}

// typedEdit fills v from m, runs fn, and returns the merge patch from v's
// unstructured image before fn to its image after. m is not changed.
func typedEdit(m map[string]any, v any, fn func() error) (map[string]any, error) {
	if err := typedwalk.CheckKind(m, v); err != nil {
		return nil, err
	}
	if err := mapInto(m, v, intoOptions{}); err != nil {
		return nil, err
	}
	before, err := typedToMap(v)
	if err != nil {
		return nil, err
	}
	if err := fn(); err != nil {
		return nil, err
	}
	after, err := typedToMap(v)
	if err != nil {
		return nil, fmt.Errorf("after the edit: %w", err)
	}
	return jsonvalue.MergePatch(before, after), nil
}

// layDelta applies the merge patch delta (RFC 7386) to dst in place: a null
// removes a field, a map merges into the map there (or into a new one),
// anything else, a list included, replaces what is there. The nulls of a
// value laid in whole are left out: a Go struct's zero values, not data.
func layDelta(dst, delta map[string]any) {
	for k, dv := range delta {
		switch d := dv.(type) {
		case nil:
			delete(dst, k)
		case map[string]any:
			sub, ok := dst[k].(map[string]any)
			if !ok {
				sub = map[string]any{}
				dst[k] = sub
			}
			layDelta(sub, d)
		default:
			dst[k] = withoutNulls(dv)
		}
	}
}

// withoutNulls returns v with the null fields of its maps, at any depth,
// left out. v is fresh from the converter and changed in place.
func withoutNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if e == nil {
				delete(x, k)
				continue
			}
			x[k] = withoutNulls(e)
		}
	case []any:
		for i, e := range x {
			x[i] = withoutNulls(e)
		}
	}
	return v
}
