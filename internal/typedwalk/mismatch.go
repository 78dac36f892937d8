package typedwalk

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/kobj-dev/kobj/internal/fieldpath"
	"k8s.io/apimachinery/pkg/runtime"
)

// MaxDepth bounds the walkers' descent, which a cyclic value would
// otherwise make endless.
const MaxDepth = 100

var jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()

// MismatchPath returns the path of the deepest part of the content v that
// does not convert into type t, by converting v's parts one by one into
// the types of the fields they fill; "$" when v itself is the part (or no
// part fails). A type with a JSON form of its own (metav1.Time) is one
// part.
func MismatchPath(v any, t reflect.Type) string {
	return mismatchPath(v, t, "", 0)
}

func mismatchPath(v any, t reflect.Type, at string, depth int) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if depth > MaxDepth || reflect.PointerTo(t).Implements(jsonUnmarshaler) {
		return orRoot(at)
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return orRoot(at)
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if ft, ok := fieldType(t, k, 0); ok && convertsTo(m[k], ft) != nil {
				return mismatchPath(m[k], ft, joinField(at, k), depth+1)
			}
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return orRoot(at)
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if convertsTo(m[k], t.Elem()) != nil {
				return mismatchPath(m[k], t.Elem(), joinField(at, k), depth+1)
			}
		}
	case reflect.Slice, reflect.Array:
		l, ok := v.([]any)
		if !ok {
			return orRoot(at)
		}
		for i, e := range l {
			if convertsTo(e, t.Elem()) != nil {
				return mismatchPath(e, t.Elem(), fmt.Sprintf("%s[%d]", at, i), depth+1)
			}
		}
	}
	return orRoot(at)
}

// fieldType returns the type of t's field that the JSON name fills,
// looking into inlined fields too.
func fieldType(t reflect.Type, name string, depth int) (reflect.Type, bool) {
	if depth > MaxDepth {
		return nil, false
	}
	for i := range t.NumField() {
		f := t.Field(i)
		fname, skip := jsonFieldName(f)
		switch {
		case skip:
		case fname == name:
			return f.Type, true
		case fname == "":
			inner := f.Type
			for inner.Kind() == reflect.Pointer {
				inner = inner.Elem()
			}
			if inner.Kind() == reflect.Struct {
				if ft, ok := fieldType(inner, name, depth+1); ok {
					return ft, true
				}
			}
		}
	}
	return nil, false
}

// convertsTo converts v into a new value of type t, as a field of a
// struct made for the purpose, since the converter takes only maps.
func convertsTo(v any, t reflect.Type) error {
	holder := reflect.StructOf([]reflect.StructField{{Name: "V", Type: t, Tag: `json:"v"`}})
	return runtime.DefaultUnstructuredConverter.FromUnstructured(map[string]any{"v": v}, reflect.New(holder).Interface())
}

func joinField(at, name string) string {
	if at == "" {
		return strings.TrimPrefix(keySeg(name), ".")
	}
	return at + keySeg(name)
}

// keySeg spells the field name k as one step of a path, ".k", or quoted
// as fieldpath.Format quotes a name Get would misread (a dot, a bracket,
// all digits): ["app.kubernetes.io/name"].
func keySeg(k string) string {
	s := fieldpath.Format([]fieldpath.Segment{fieldpath.Field(k)})
	if strings.HasPrefix(s, "[") {
		return s
	}
	return "." + s
}

func orRoot(at string) string {
	if at == "" {
		return "$"
	}
	return at
}
