package typedwalk

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
)

var jsonMarshaler = reflect.TypeFor[json.Marshaler]()

// Unfit returns the path of the first value under v, in the field names
// of its JSON form, that unstructured content cannot hold (an unsigned
// number above the largest int64, a NaN or infinite float), and why; why
// is empty when there is none. Values with a JSON form of their own
// (metav1.Time, resource.Quantity) are theirs to convert. A value that
// fits costs no allocation: the path is built on the way back up.
func Unfit(v reflect.Value) (path, why string) {
	segs, why := findUnfit(v, 0)
	if why == "" {
		return "", ""
	}
	slices.Reverse(segs)
	return orRoot(strings.TrimPrefix(strings.Join(segs, ""), ".")), why
}

// findUnfit returns Unfit's path as segments, innermost first.
func findUnfit(v reflect.Value, depth int) (path []string, why string) {
	if depth > MaxDepth || !v.IsValid() {
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
				return append(p, keySeg(fmt.Sprint(k))), w
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
					p = append(p, keySeg(name))
				}
				return p, w
			}
		}
	}
	return nil, ""
}

// NonFinite returns the path of the first NaN or infinite float in the
// content v, in key order (so that the path named is the same from run to
// run), and the float; ok is false when there is none. Content without
// one is walked once, and allocates nothing.
func NonFinite(v any) (path string, f float64, ok bool) {
	if !hasNonFinite(v) {
		return "", 0, false
	}
	segs, f := firstNonFinite(v)
	slices.Reverse(segs)
	return orRoot(strings.TrimPrefix(strings.Join(segs, ""), ".")), f, true
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
				return append(segs, keySeg(k)), f
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
