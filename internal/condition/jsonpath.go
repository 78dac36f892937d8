package condition

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"k8s.io/client-go/util/jsonpath"
)

// JSONPath is a compiled kubectl wait --for=jsonpath=expr[=value]
// condition. Make it with CompileJSONPath.
type JSONPath struct {
	expr     string // as the caller wrote it, for messages
	value    string // the value compared with, quotes removed
	matchAny bool   // no value given: any match holds
	jp       *jsonpath.JSONPath
}

// relaxedJSONPath is kubectl's own (k8s.io/kubectl pkg/cmd/get,
// RelaxedJSONPathExpression): one expression, with or without its braces
// and its leading dot, holding no brace inside.
var relaxedJSONPath = regexp.MustCompile(`^\{\.?([^{}]+)\}$|^\.?([^{}]+)$`)

// CompileJSONPath checks and compiles expr and the optional value as
// kubectl wait --for=jsonpath= does, before anything is read:
//
//   - expr is one client-go util/jsonpath expression, its braces and
//     leading dot optional; an empty expression, unbalanced braces ("{.a"),
//     an empty one ("{}"), several ("{.a}{.b}") or one that does not parse
//     are errors.
//   - value, when given, loses the ' and " characters at both its ends
//     (kubectl's strings.Trim(value, `'"`)); a value empty after that is an
//     error, as in kubectl: leave the value out to wait for any match.
//   - More than one value is an error.
//
// The error names the expression.
func CompileJSONPath(expr string, value ...string) (*JSONPath, error) {
	if len(value) > 1 {
		return nil, fmt.Errorf("JSONPath %q takes at most one value, got %d", expr, len(value))
	}
	full, err := relax(expr)
	if err != nil {
		return nil, fmt.Errorf("JSONPath %q: %w", expr, err)
	}
	jp := jsonpath.New("wait").AllowMissingKeys(true)
	if err := jp.Parse(full); err != nil {
		return nil, fmt.Errorf("JSONPath %q: %w", expr, err)
	}
	j := &JSONPath{expr: expr, jp: jp, matchAny: len(value) == 0}
	if !j.matchAny {
		j.value = strings.Trim(value[0], `'"`)
		if j.value == "" {
			return nil, fmt.Errorf("JSONPath %q: the value %q is empty once its quotes are removed; give no value to wait for any match", expr, value[0])
		}
	}
	return j, nil
}

// relax turns the forms kubectl accepts into a full expression, {.x.y}.
func relax(expr string) (string, error) {
	if expr == "" {
		return "", errors.New("empty expression")
	}
	m := relaxedJSONPath.FindStringSubmatch(expr)
	if m == nil {
		return "", errors.New("not one expression: write 'a.b', '.a.b', '{a.b}' or '{.a.b}', with balanced braces and none inside")
	}
	spec := m[1]
	if spec == "" {
		spec = m[2]
	}
	return "{." + spec + "}", nil
}

// Evaluate applies the condition to obj, as kubectl's JSONPathWait does:
// no match (a missing key included) is unmet; a match of more than one
// value is an error. Without a value any single match holds, a map or a
// list included. With a value, the match printed with %v must equal it,
// spaces trimmed from both; a map or a list is an error.
func (j *JSONPath) Evaluate(obj map[string]any) Verdict {
	results, err := j.jp.FindResults(obj)
	if err != nil {
		return Verdict{Err: fmt.Errorf("JSONPath %q: %w", j.expr, err)}
	}
	if len(results) == 0 || len(results[0]) == 0 {
		return Verdict{Seen: "no value at " + j.expr}
	}
	if len(results) > 1 || len(results[0]) > 1 {
		return Verdict{Err: fmt.Errorf("JSONPath %q matches more than one value", j.expr)}
	}
	found := results[0][0]
	for found.Kind() == reflect.Interface && !found.IsNil() {
		found = found.Elem()
	}
	switch found.Kind() {
	case reflect.Map, reflect.Slice, reflect.Array:
		seen := fmt.Sprintf("%s is a map", j.expr)
		if found.Kind() != reflect.Map {
			seen = fmt.Sprintf("%s is a list of %d", j.expr, found.Len())
		}
		if j.matchAny {
			return Verdict{Met: true, Seen: seen}
		}
		return Verdict{Seen: seen, Err: fmt.Errorf("JSONPath %q leads to a map or a list, which cannot be compared with %q", j.expr, j.value)}
	}
	got := fmt.Sprintf("%v", found.Interface())
	seen := fmt.Sprintf("%s is %q", j.expr, got)
	if j.matchAny {
		return Verdict{Met: true, Seen: seen}
	}
	return Verdict{Met: strings.TrimSpace(got) == strings.TrimSpace(j.value), Seen: seen}
}
