package yamlstream

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// The reference path — what kubectl and cli-runtime do — is
// sigs.k8s.io/yaml.YAMLToJSON (go-yaml v2, then encoding/json) followed by
// apimachinery's JSON decoding into int64 and float64. unstructuredValue
// applies, in one pass and without the JSON round trip, every conversion
// that path makes to go-yaml v2's values:
//
//   - non-string map keys become strings as YAMLToJSON writes them (floats
//     with strconv's 'g' format at 32-bit precision, .inf / -.inf / .nan);
//   - an integer that fits int64 stays int64; a larger one becomes float64;
//   - a float with an integral value below 1e21 that fits int64 becomes
//     int64 (encoding/json writes it without a decimal point); NaN and
//     infinities are errors, as encoding/json refuses them;
//   - strings are coerced to valid UTF-8 byte by byte, as encoding/json does.
//
// go-yaml v2 gives timestamps to an interface{} as strings, so no time.Time
// reaches it. The differential tests hold it to the reference on the corpus
// and on generated documents, and the root's FuzzLoad on any input.

// maxDepth matches encoding/json's nesting limit, past which the reference
// path fails.
const maxDepth = 10000

var errTooDeep = errors.New("exceeded max depth")

// unstructuredValue converts a value go-yaml v2 decoded into an interface{}
// at the given nesting depth. Its slices are reused.
func unstructuredValue(v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	switch x := v.(type) {
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			key, err := mapKey(k)
			if err != nil {
				return nil, err
			}
			c, err := unstructuredValue(e, depth+1)
			if err != nil {
				return nil, err
			}
			m[key] = c
		}
		return m, nil
	case []any:
		// go-yaml made the slice for this decoding alone: convert in place.
		for i, e := range x {
			c, err := unstructuredValue(e, depth+1)
			if err != nil {
				return nil, err
			}
			x[i] = c
		}
		// v, not x: x in a new interface would be a new 24-byte box,
		// kept as long as the object.
		return v, nil
	case string:
		if utf8.ValidString(x) {
			return v, nil // as for slices: go-yaml's box, not a new one
		}
		return validUTF8(x), nil
	case nil, bool, int64:
		return x, nil
	case int:
		return int64(x), nil
	case uint64:
		if x > math.MaxInt64 {
			return float64(x), nil
		}
		return int64(x), nil
	case float64:
		return jsonFloat(x)
	default:
		return nil, fmt.Errorf("unsupported YAML value of type %T", v)
	}
}

// jsonFloat gives the value a float decodes to after a JSON round trip.
func jsonFloat(f float64) (any, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("json: unsupported value: %s", strconv.FormatFloat(f, 'g', -1, 64))
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e21 && f >= math.MinInt64 && f < math.MaxInt64 {
		return int64(f), nil
	}
	return f, nil
}

// mapKey converts a map key as YAMLToJSON does. Like it, it refuses the
// keys go-yaml gives as uint64 (integers past int64) and null keys.
func mapKey(k any) (string, error) {
	switch x := k.(type) {
	case string:
		return validUTF8(x), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		switch s := strconv.FormatFloat(x, 'g', -1, 32); s {
		case "+Inf":
			return ".inf", nil
		case "-Inf":
			return "-.inf", nil
		case "NaN":
			return ".nan", nil
		default:
			return s, nil
		}
	case bool:
		return strconv.FormatBool(x), nil
	default:
		return "", fmt.Errorf("unsupported map key of type: %T, key: %+#v", k, k)
	}
}

// validUTF8 replaces each invalid byte with U+FFFD, as encoding/json does.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = utf8.AppendRune(b, utf8.RuneError)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

// errNotAnObject reports a document whose top value is not a map.
func errNotAnObject(v any) error {
	var what string
	switch v.(type) {
	case []any:
		what = "list"
	case string:
		what = "string"
	case bool:
		what = "bool"
	case int64:
		what = "integer"
	case float64:
		what = "float"
	default:
		what = fmt.Sprintf("%T", v)
	}
	return fmt.Errorf("document is a %s, not an object", what)
}
