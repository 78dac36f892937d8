package kobj

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/kobj-dev/kobj/internal/jsonvalue"
	goyaml "go.yaml.in/yaml/v2"
)

// JSON returns the object as compact JSON. It fails only when a value was
// put in the object's map directly with a type that has no JSON form.
func (o *Object) JSON() ([]byte, error) {
	b, err := json.Marshal(o.u.Object)
	if err != nil {
		return nil, errorf(callName("JSON of", o), "%w", err)
	}
	return b, nil
}

// YAML returns the object as a YAML document with sorted keys, as kubectl
// prints it. Loading the result gives an Equal object. It fails as JSON does.
func (o *Object) YAML() ([]byte, error) {
	v, err := toYAMLValue(o.u.Object)
	if err != nil {
		return nil, errorf(callName("YAML of", o), "%w", err)
	}
	y, err := goyaml.Marshal(v)
	if err != nil {
		return nil, errorf(callName("YAML of", o), "%w", err)
	}
	return y, nil
}

// toYAMLValue orders map keys for go-yaml's encoder. It fails on values
// that JSON cannot hold, so that YAML and JSON agree on what is savable.
func toYAMLValue(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		ms := make(goyaml.MapSlice, 0, len(x))
		for _, k := range jsonvalue.SortedKeys(x) {
			e, err := toYAMLValue(x[k])
			if err != nil {
				return nil, err
			}
			ms = append(ms, goyaml.MapItem{Key: k, Value: e})
		}
		return ms, nil
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			c, err := toYAMLValue(e)
			if err != nil {
				return nil, err
			}
			l[i] = c
		}
		return l, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%v cannot be saved", x)
		}
		return x, nil
	case nil, string, bool, int64:
		return x, nil
	default:
		return jsonValue(v, "value")
	}
}
