package kobj

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/kobj-dev/kobj/internal/jsonvalue"
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
// has no place for make an *UnknownFieldsError.
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
		if segs, why := findUnfit(rv.Elem(), 0); why != "" {
			return nil, &PathError{Path: unfitPath(segs), Err: errors.New(why)}
		}
		return nil, fmt.Errorf("%T: %w", v, err)
	}
	if hasNonFinite(m) {
		// Walked again in key order, so that the path named is the same
		// from run to run.
		segs, f := firstNonFinite(m)
		return nil, &PathError{Path: unfitPath(segs), Err: fmt.Errorf("%v has no JSON form", f)}
	}
	return m, nil
}

// hasNonFinite reports whether the content v holds a NaN or infinite float.
func hasNonFinite(v any) bool {
	switch x := v.(type) {
	case float64:
		return math.IsNaN(x) || math.IsInf(x, 0)
	case map[string]any:
		for _, e := range x {
			if hasNonFinite(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if hasNonFinite(e) {
				return true
			}
		}
	}
	return false
}

// firstNonFinite returns the path, innermost segment first, of the first
// NaN or infinite float of v in key order, and the float.
func firstNonFinite(v any) ([]string, float64) {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return []string{}, x
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			if segs, f := firstNonFinite(x[k]); segs != nil {
				return append(segs, "."+k), f
			}
		}
	case []any:
		for i, e := range x {
			if segs, f := firstNonFinite(e); segs != nil {
				return append(segs, fmt.Sprintf("[%d]", i)), f
			}
		}
	}
	return nil, 0
}

// maxTypedDepth bounds findUnfit's descent, which a cyclic value would
// otherwise make endless.
const maxTypedDepth = 100

var jsonMarshaler = reflect.TypeFor[json.Marshaler]()

// findUnfit returns the path of the first value under v, in the field
// names of its JSON form, that unstructured content cannot hold, and why;
// why is empty when there is none. typedToMap asks it only after the
// converter failed, to say where. The path is built on the way back up,
// so that a value that fits costs no allocation. Values with a JSON form of
// their own (metav1.Time, resource.Quantity) are theirs to convert.
func findUnfit(v reflect.Value, depth int) (path []string, why string) {
	if depth > maxTypedDepth || !v.IsValid() {
		return nil, ""
	}
	if v.Type().Implements(jsonMarshaler) || reflect.PointerTo(v.Type()).Implements(jsonMarshaler) {
		return nil, ""
	}
	switch v.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if v.Uint() > math.MaxInt64 {
			return nil, fmt.Sprintf("unsigned value %d is above the largest integer an object holds (%d)", v.Uint(), int64(math.MaxInt64))
		}
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Sprintf("%v has no JSON form", f)
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return findUnfit(v.Elem(), depth+1)
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil, "" // bytes are a base64 string
		}
		for i := range v.Len() {
			if p, w := findUnfit(v.Index(i), depth+1); w != "" {
				return append(p, fmt.Sprintf("[%d]", i)), w
			}
		}
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
		for _, k := range keys {
			if p, w := findUnfit(v.MapIndex(k), depth+1); w != "" {
				return append(p, "."+fmt.Sprint(k)), w
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			name, skip := jsonFieldName(t.Field(i))
			if skip {
				continue
			}
			if p, w := findUnfit(v.Field(i), depth+1); w != "" {
				if name != "" {
					p = append(p, "."+name)
				}
				return p, w
			}
		}
	}
	return nil, ""
}

// unfitPath joins findUnfit's segments, innermost first, into a path.
func unfitPath(segs []string) string {
	slices.Reverse(segs)
	return orRoot(strings.TrimPrefix(strings.Join(segs, ""), "."))
}

// jsonFieldName names a struct field as the unstructured converter does:
// its json tag's name, else the Go name; "" for an inlined field. skip is
// true for a field the conversion leaves out.
func jsonFieldName(f reflect.StructField) (name string, skip bool) {
	tag, _ := f.Tag.Lookup("json")
	name, opts, _ := strings.Cut(tag, ",")
	switch {
	case tag == "-":
		return "", true
	case hasTagOption(opts, "inline"):
		return "", false
	case name != "":
		return name, false
	case f.Anonymous:
		return "", false
	}
	return f.Name, false
}

// hasTagOption reports whether the comma-separated options of a json tag
// hold opt. It allocates nothing: findUnfit asks it of every field.
func hasTagOption(opts, opt string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == opt {
			return true
		}
	}
	return false
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
