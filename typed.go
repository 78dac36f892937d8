package kobj

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"
)

// Typed views: an object read as a Go API type (As, ItemsAs, Into) and Go
// API values made objects (FromTyped, FromTypedList). The conversions are
// apimachinery's unstructured converter; this file adds the checks it
// lacks: the kind a built-in type stands for, unknown fields under Strict,
// and values an object cannot hold.

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
	if err := checkKind(o.u.Object, v); err != nil {
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
		return nil, fmt.Errorf("%s: items is %s, not a list", list, typeName(items))
	}
	io := gatherInto(opts)
	out := make([]T, len(raw))
	for i, e := range raw {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("item %d: not an object but %s", i, typeName(e))
		}
		if err := checkKind(m, &out[i]); err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
		if err := mapInto(m, &out[i], io); err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
	}
	return out, nil
}

// FromTypedList converts typed API values, such as []appsv1.Deployment (or
// []*appsv1.Deployment), to objects, each as FromTyped converts it. It
// fails as FromTyped fails, naming the item's index.
func FromTypedList[T any](items []T) ([]*Object, error) {
	out := make([]*Object, len(items))
	pointers := reflect.TypeFor[T]().Kind() == reflect.Pointer
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
// has no place for make an *UnknownFieldsError.
func mapInto(m map[string]any, v any, io intoOptions) error {
	err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(m, v, io.strict)
	if err == nil {
		return nil
	}
	if strictErr, ok := runtime.AsStrictDecodingError(err); ok {
		var paths []string
		for _, e := range strictErr.Errors() {
			msg := e.Error()
			if p, ok := strings.CutPrefix(msg, `unknown field "`); ok {
				msg = strings.TrimSuffix(p, `"`)
			}
			paths = append(paths, msg)
		}
		slices.Sort(paths)
		return &UnknownFieldsError{Paths: paths}
	}
	if path := mismatchPath(m, reflect.TypeOf(v), "", 0); path != "$" {
		return &PathError{Path: path, Err: err}
	}
	return err
}

// checkKind fails when client-go's scheme knows v's type and m's apiVersion
// and kind are not the type's. Content without a kind (the items of a list
// as the server sends them) passes.
func checkKind(m map[string]any, v any) error {
	ro, ok := v.(runtime.Object)
	if !ok {
		return nil
	}
	kind, _ := m["kind"].(string)
	apiVersion, _ := m["apiVersion"].(string)
	if kind == "" {
		return nil
	}
	gvks, _, err := scheme.Scheme.ObjectKinds(ro)
	if err != nil || len(gvks) == 0 {
		return nil // a type of the caller's own: nothing to check against
	}
	for _, gvk := range gvks {
		if gvk.Kind == kind && gvk.GroupVersion().String() == apiVersion {
			return nil
		}
	}
	want, wantKind := gvks[0].ToAPIVersionAndKind()
	return fmt.Errorf("the object is %s %s, and %T holds %s %s", apiVersion, kind, v, want, wantKind)
}

// typedToMap converts the typed value v (a non-nil pointer) to unstructured
// content, after making sure it holds nothing that content cannot: the
// converter would fail on a large unsigned number without saying where,
// and keep a NaN that no JSON can carry.
func typedToMap(v any) (map[string]any, error) {
	rv := reflect.ValueOf(v)
	if v == nil || rv.Kind() != reflect.Pointer || rv.IsNil() {
		return nil, fmt.Errorf("need a non-nil pointer to a struct, got %T", v)
	}
	if path, why := findUnfit(rv.Elem(), "", 0); why != "" {
		return nil, &PathError{Path: path, Err: errors.New(why)}
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(v)
	if err != nil {
		return nil, fmt.Errorf("%T: %w", v, err)
	}
	return m, nil
}

// maxTypedDepth bounds findUnfit's descent, which a cyclic value would
// otherwise make endless.
const maxTypedDepth = 100

var jsonMarshaler = reflect.TypeFor[json.Marshaler]()

// findUnfit returns the path of the first value under v, in the field
// names of its JSON form, that unstructured content cannot hold, and why;
// why is empty when there is none. Values with a JSON form of their own
// (metav1.Time, resource.Quantity) are theirs to convert.
func findUnfit(v reflect.Value, at string, depth int) (path, why string) {
	if depth > maxTypedDepth || !v.IsValid() {
		return "", ""
	}
	if v.Type().Implements(jsonMarshaler) || reflect.PointerTo(v.Type()).Implements(jsonMarshaler) {
		return "", ""
	}
	switch v.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if v.Uint() > math.MaxInt64 {
			return orRoot(at), fmt.Sprintf("unsigned value %d is above the largest integer an object holds (%d)", v.Uint(), int64(math.MaxInt64))
		}
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			return orRoot(at), fmt.Sprintf("%v has no JSON form", f)
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return findUnfit(v.Elem(), at, depth+1)
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return "", "" // bytes are a base64 string
		}
		for i := range v.Len() {
			if p, w := findUnfit(v.Index(i), fmt.Sprintf("%s[%d]", at, i), depth+1); w != "" {
				return p, w
			}
		}
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
		for _, k := range keys {
			if p, w := findUnfit(v.MapIndex(k), joinField(at, fmt.Sprint(k)), depth+1); w != "" {
				return p, w
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			name, skip := jsonFieldName(t.Field(i))
			if skip {
				continue
			}
			field := at
			if name != "" {
				field = joinField(at, name)
			}
			if p, w := findUnfit(v.Field(i), field, depth+1); w != "" {
				return p, w
			}
		}
	}
	return "", ""
}

// jsonFieldName names a struct field as the unstructured converter does:
// its json tag's name, else the Go name; "" for an inlined field. skip is
// true for a field the conversion leaves out.
func jsonFieldName(f reflect.StructField) (name string, skip bool) {
	tag, _ := f.Tag.Lookup("json")
	parts := strings.Split(tag, ",")
	switch {
	case parts[0] == "-" && len(parts) == 1:
		return "", true
	case slices.Contains(parts[1:], "inline"):
		return "", false
	case parts[0] != "":
		return parts[0], false
	case f.Anonymous:
		return "", false
	}
	return f.Name, false
}

func joinField(at, name string) string {
	if at == "" {
		return name
	}
	return at + "." + name
}

func orRoot(at string) string {
	if at == "" {
		return "$"
	}
	return at
}

// typeOf names v's type for errors: *v1.Deployment.
func typeOf(v any) string { return fmt.Sprintf("%T", v) }
