package kobj

import "github.com/kobj-dev/kobj/internal/jsonvalue"

// jsonValue converts v into the types that unstructured objects hold (see
// jsonvalue.Normalize); an *Object among the values stands for its content,
// shared. at names where v sits, for the error.
func jsonValue(v any, at string) (any, error) {
	return jsonvalue.Normalize(v, at, objectContent)
}

// objectContent is the Object case of jsonValue.
func objectContent(v any) (any, bool) {
	o, ok := v.(*Object)
	if !ok {
		return nil, false
	}
	if o == nil {
		return nil, true
	}
	return o.u.Object, true
}
