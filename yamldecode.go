package kobj

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	goyaml "go.yaml.in/yaml/v2"
)

// This file decodes one YAML document straight into the values that
// client-go's unstructured objects hold. The reference path — what kubectl
// and cli-runtime do — is sigs.k8s.io/yaml.YAMLToJSON (go-yaml v2, then
// encoding/json) followed by apimachinery's JSON decoding into int64 and
// float64. kobj parses with the same go-yaml v2 and then applies, in one pass
// and without the JSON round trip, every conversion that path makes:
//
//   - non-string map keys become strings as YAMLToJSON writes them (floats
//     with strconv's 'g' format at 32-bit precision, .inf / -.inf / .nan);
//   - an integer that fits int64 stays int64; a larger one becomes float64;
//   - a float with an integral value below 1e21 that fits int64 becomes
//     int64 (encoding/json writes it without a decimal point); NaN and
//     infinities are errors, as encoding/json refuses them;
//   - strings are coerced to valid UTF-8 byte by byte, as encoding/json does;
//   - timestamps become RFC 3339 strings.
//
// The differential test in yamldecode_test.go holds it to that, on the whole
// corpus and under fuzzing.

// maxDepth matches encoding/json's nesting limit, past which the reference
// path fails.
const maxDepth = 10000

// decodeYAMLDocument parses one document. A null or empty document yields a
// nil map and no error; a document that is not a map is an error.
func decodeYAMLDocument(doc []byte) (map[string]any, error) {
	if m, ok := fastDecode(doc); ok {
		return m, nil
	}
	return goyamlDecode(doc)
}

// goyamlDecode parses one document with go-yaml v2: every document the fast
// path does not take, and the yardstick of the fast path's tests.
func goyamlDecode(doc []byte) (map[string]any, error) {
	if err := checkAliasExpansion(doc); err != nil {
		return nil, err
	}
	var raw any
	if err := goyaml.Unmarshal(doc, &raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, nil
	}
	v, err := fromYAML(raw, 0)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("document is a %s, not an object", typeName(v))
	}
	return m, nil
}

var errTooDeep = errors.New("exceeded max depth")

func fromYAML(v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	switch x := v.(type) {
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			key, err := yamlKey(k)
			if err != nil {
				return nil, err
			}
			c, err := fromYAML(e, depth+1)
			if err != nil {
				return nil, err
			}
			m[key] = c
		}
		return m, nil
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			c, err := fromYAML(e, depth+1)
			if err != nil {
				return nil, err
			}
			l[i] = c
		}
		return l, nil
	case string:
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
	case time.Time:
		return x.Format(time.RFC3339Nano), nil
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

// yamlKey converts a map key as YAMLToJSON does.
func yamlKey(k any) (string, error) {
	switch x := k.(type) {
	case string:
		return validUTF8(x), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
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
