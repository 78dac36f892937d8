package kobj

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kobj-dev/kobj/internal/fieldpath"
	"github.com/kobj-dev/kobj/internal/jsonvalue"
	"github.com/kobj-dev/kobj/internal/typedwalk"
)

// Typed views: an object read as a Go API type (As, ItemsAs, Into) and Go
// API values made objects (FromTyped, FromTypedList). The conversions are
// apimachinery's unstructured converter; internal/typedwalk has the checks
// it lacks (the kind a built-in type stands for, unknown fields under
// Strict, values an object cannot hold, where a value does not fit), and
// this file turns their findings into kobj's errors.

// As returns the object as a new *T, such as *appsv1.Deployment, filled as
// Into fills it. When client-go's scheme knows T, the object's apiVersion
// and kind must be T's. It fails on a nil object, a kind that is not T's,
// a value that does not fit T, or (with [Strict]) a field T has no place
// for, as an *UnknownFieldsError.
func As[T any](o *Object, opts ...IntoOption) (_ *T, err error) {
	v := new(T)
	defer wrapCall(&err, "As "+typeOf(v))
	if o == nil {
		return nil, errors.New("nil object")
	}
	if err := typedwalk.CheckKind(o.u.Object, v); err != nil {
		return nil, err
	}
	if err := mapInto(o.u.Object, v, gatherInto(opts)); err != nil {
		return nil, err
	}
	return v, nil
}

// ItemsAs returns the items of a list object (a PodList read with Read, a
// list a Call returned) as Ts, such as corev1.Pod, each filled as As fills
// it. A list read page by page (Limit) holds every page's items, so they
// are all here. It fails when list is not a list, an item is not an object
// or not of T's kind, or an item fails as As fails; the error names the
// item's index.
func ItemsAs[T any](list *Object, opts ...IntoOption) (_ []T, err error) {
	defer wrapCall(&err, "ItemsAs "+typeOf(new(T)))
	if list == nil {
		return nil, errors.New("nil object")
	}
	items := list.u.Object["items"]
	// A list the server sent empty may carry "items": null, or none.
	if !list.IsList() && !(items == nil && strings.HasSuffix(list.Kind(), "List")) {
		return nil, fmt.Errorf("%s is not a list (As reads one object)", list)
	}
	raw, ok := items.([]any)
	if !ok && items != nil {
		return nil, fmt.Errorf("%s: items is %s, not a list", list, fieldpath.TypeName(items))
	}
	io := gatherInto(opts)
	out := make([]T, len(raw))
	for i, e := range raw {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("item %d: not an object but %s", i, fieldpath.TypeName(e))
		}
		if err := typedwalk.CheckKind(m, &out[i]); err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
		if err := mapInto(m, &out[i], io); err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
	}
	return out, nil
}

// FromTypedList converts typed API values, such as []appsv1.Deployment (or
// []*appsv1.Deployment, or []runtime.Object holding such pointers), to
// objects, each as FromTyped converts it. It fails as FromTyped fails,
// naming the item's index.
func FromTypedList[T any](items []T) ([]*Object, error) {
	out := make([]*Object, len(items))
	kind := reflect.TypeFor[T]().Kind()
	pointers := kind == reflect.Pointer || kind == reflect.Interface // the item is what FromTyped takes
	for i := range items {
		v := any(&items[i])
		if pointers {
			v = any(items[i])
		}
		o, err := FromTyped(v)
		if err != nil {
			var ce *callError
			if errors.As(err, &ce) {
				err = ce.err
			}
			return nil, errorf("FromTypedList", "item %d: %w", i, err)
		}
		out[i] = o
	}
	return out, nil
}

// mapInto fills v from the unstructured content m; under strict, fields v
// has no place for make an *UnknownFieldsError, and a part of m that does
// not fit v's type is a *PathError naming where.
func mapInto(m map[string]any, v any, io intoOptions) error {
	if v == nil {
		return errors.New("need a non-nil pointer to a struct, got nil")
	}
	// The converter hands the maps and lists under an untyped field (any,
	// map[string]any) over as they are: without a copy, changing the
	// typed value would change the object.
	err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(jsonvalue.Copy(m).(map[string]any), v, io.strict)
	if err == nil {
		return nil
	}
	if paths, ok := typedwalk.UnknownFields(err); ok {
		return &UnknownFieldsError{Paths: paths}
	}
	if path := typedwalk.MismatchPath(m, reflect.TypeOf(v)); path != "$" {
		return &PathError{Path: path, Err: err}
	}
	return err
}

// typedToMap converts the typed value v (a non-nil pointer) to unstructured
// content, failing on what content cannot hold, with a *PathError: the
// converter fails on a large unsigned number without saying where, and
// keeps a NaN that no JSON can carry.
func typedToMap(v any) (map[string]any, error) {
	rv := reflect.ValueOf(v)
	// The converter panics on a pointer to anything but a struct or a map.
	if v == nil || rv.Kind() != reflect.Pointer || rv.IsNil() ||
		rv.Elem().Kind() != reflect.Struct && rv.Elem().Kind() != reflect.Map {
		return nil, fmt.Errorf("need a non-nil pointer to a struct, got %T", v)
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(v)
	if err != nil {
		if path, why := typedwalk.Unfit(rv.Elem()); why != "" {
			return nil, &PathError{Path: path, Err: errors.New(why)}
		}
		return nil, fmt.Errorf("%T: %w", v, err)
	}
	if path, f, ok := typedwalk.NonFinite(m); ok {
		return nil, &PathError{Path: path, Err: fmt.Errorf("%v has no JSON form", f)}
	}
	return m, nil
}

// typeOf names v's type for errors: *v1.Deployment.
func typeOf(v any) string { return fmt.Sprintf("%T", v) }
