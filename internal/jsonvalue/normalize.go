package jsonvalue

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"

	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// Normalize converts v into the types that unstructured objects hold:
// map[string]any, []any, string, bool, int64, float64 and nil. Go integers
// become int64 (an unsigned one past int64's range a float64), floats
// float64; typed maps, slices and structs go through their JSON form. Maps
// and lists of the JSON shape are converted in place. at names where v sits,
// for the error, which also names the offending element's path.
//
// own, when not nil, is asked first about every value that is not of the
// JSON shape: it returns the value's JSON form and true when it knows the
// type (kobj's Object, whose map is stored shared), false to let Normalize go
// on.
func Normalize(v any, at string, own func(any) (any, bool)) (any, error) {
	switch x := v.(type) {
	case nil, string, bool, int64:
		return x, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%s: %v cannot be represented in JSON", at, x)
		}
		return x, nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint:
		return Normalize(uint64(x), at, own)
	case uint64:
		if x > math.MaxInt64 {
			return float64(x), nil
		}
		return int64(x), nil
	case float32:
		return Normalize(float64(x), at, own)
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, nil
		}
		f, err := x.Float64()
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not a number", at, x)
		}
		return f, nil
	case map[string]any:
		for k, e := range x {
			c, err := Normalize(e, at+"."+k, own)
			if err != nil {
				return nil, err
			}
			x[k] = c
		}
		return x, nil
	case []any:
		for i, e := range x {
			c, err := Normalize(e, fmt.Sprintf("%s[%d]", at, i), own)
			if err != nil {
				return nil, err
			}
			x[i] = c
		}
		return x, nil
	case map[string]string:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = e
		}
		return m, nil
	case []string:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = e
		}
		return l, nil
	}
	if own != nil {
		if j, ok := own(v); ok {
			return j, nil
		}
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%s: a %T cannot be stored in an object: %w", at, v, err)
	}
	var out any
	if err := utiljson.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("%s: a %T cannot be stored in an object: %w", at, v, err)
	}
	return out, nil
}
