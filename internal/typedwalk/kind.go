package typedwalk

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"
)

// CheckKind fails when client-go's scheme knows v's type and the content
// m's apiVersion and kind are not the type's, naming both. Content without
// a kind (the items of a list as the server sends them) passes, and so
// does a type of the caller's own, which the scheme does not know.
func CheckKind(m map[string]any, v any) error {
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

// UnknownFields returns the paths, sorted, of the fields a strict
// conversion (the converter's FromUnstructuredWithValidation) found no
// place for, when err is its strict decoding error; ok is false for any
// other error.
func UnknownFields(err error) (paths []string, ok bool) {
	strictErr, ok := runtime.AsStrictDecodingError(err)
	if !ok {
		return nil, false
	}
	for _, e := range strictErr.Errors() {
		msg := e.Error()
		if p, ok := strings.CutPrefix(msg, `unknown field "`); ok {
			msg = strings.TrimSuffix(p, `"`)
		}
		paths = append(paths, msg)
	}
	slices.Sort(paths)
	return paths, true
}
