package opindex

import (
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/kobj-dev/kobj/internal/suggest"
)

// Checking and placing the arguments of an operation called by name.

// BodyArg is the key of the arguments that holds the request body.
const BodyArg = "body"

// Param returns op's parameter called name, or nil.
func Param(op *Operation, name string) *Parameter {
	for i := range op.Params {
		if op.Params[i].Name == name {
			return &op.Params[i]
		}
	}
	return nil
}

// ParamNames returns the names op takes: its parameters', then BodyArg
// when it takes a body.
func ParamNames(op *Operation) []string {
	names := make([]string, 0, len(op.Params)+1)
	for _, p := range op.Params {
		names = append(names, p.Name)
	}
	if op.Body != nil {
		names = append(names, BodyArg)
	}
	return names
}

// closest suggests the name nearest to s, as " (did you mean x?)".
func closest(s string, names []string) string {
	near := suggest.Closest(s, names, -1, 1)
	if len(near) == 0 {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", near[0])
}

// Values checks every argument but the body against op's parameters and
// formats it for the URL into the caller's maps: values gets the first
// value of each, lists every value, for the query parameters the server
// takes repeated. (The caller makes the maps so that they can stay on its
// stack: a call allocates no more than before the move.) It fails on an
// unknown parameter, naming the closest and the valid ones, and on a value
// of the wrong type.
func Values(op *Operation, args map[string]any, values map[string]string, lists map[string][]string) error {
	for k, v := range args {
		if k == BodyArg {
			continue
		}
		p := Param(op, k)
		if p == nil {
			names := ParamNames(op)
			return fmt.Errorf("unknown parameter %q%s; its parameters are %s", k, closest(k, names), strings.Join(names, ", "))
		}
		vs, err := paramValues(op, p, v)
		if err != nil {
			return fmt.Errorf("parameter %q: %w", k, err)
		}
		if len(vs) > 0 {
			values[k], lists[k] = vs[0], vs
		}
	}
	return nil
}

// Place puts values (and lists, as Values returned them) in op's path
// template and query. validSegment checks the value of a path parameter
// (field is the parameter's name) as one segment of a URL path. It fails
// on a missing required parameter or a path value that cannot be sent.
func Place(op *Operation, values map[string]string, lists map[string][]string, validSegment func(field, value string) error) (string, url.Values, error) {
	path := op.Path
	q := url.Values{}
	for _, p := range op.Params {
		v, ok := values[p.Name]
		if ok && p.In != "path" && strings.Contains(op.Path, "{"+p.Name+"}") {
			continue // a proxy's path, which its query names as well: in the path only
		}
		if !ok {
			if p.Required {
				return "", nil, fmt.Errorf("missing required %s parameter %q", p.In, p.Name)
			}
			continue
		}
		if p.In == "path" {
			escaped, err := pathValue(op, &p, v, validSegment)
			if err != nil {
				return "", nil, err
			}
			path = strings.Replace(path, "{"+p.Name+"}", escaped, 1)
		} else if vs, ok := lists[p.Name]; ok && vs[0] == v {
			q[p.Name] = vs
		} else {
			q.Set(p.Name, v)
		}
	}
	return path, q, nil
}

// pathValue checks and escapes the value of a path parameter: one
// segment, except the trailing {path} of a proxy operation, which is a
// path below the proxied address (metrics, api/v1/x), each of its
// segments checked and escaped.
func pathValue(op *Operation, p *Parameter, v string, validSegment func(field, value string) error) (string, error) {
	if p.Name != "path" || !strings.HasSuffix(op.Path, "/{path}") {
		if err := validSegment(p.Name, v); err != nil {
			return "", err
		}
		return url.PathEscape(v), nil
	}
	segs := strings.Split(strings.TrimPrefix(v, "/"), "/")
	for i, seg := range segs {
		if seg == "." || seg == ".." {
			return "", fmt.Errorf("invalid path %q: it may not contain %q", v, seg)
		}
		segs[i] = url.PathEscape(seg)
	}
	return strings.Join(segs, "/"), nil
}

// paramValues checks v against the parameter's type and formats it for
// the URL: one value, or, for a parameter the server takes repeated, the
// values of a slice. The OpenAPI documents type exec's command as one
// string and port-forward's ports as one integer, yet the server takes
// argv and several ports as repeated query parameters.
func paramValues(op *Operation, p *Parameter, v any) ([]string, error) {
	rv := reflect.ValueOf(v)
	if !repeatable(op, p) || (rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array) {
		s, err := paramString(p, v)
		if err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
	if rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8 {
		return nil, fmt.Errorf("want a list of %ss, got %T", p.Type, v)
	}
	out := make([]string, 0, rv.Len())
	for i := range rv.Len() {
		s, err := paramString(p, rv.Index(i).Interface())
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// repeatable says whether the server takes p repeated: exec's command
// (argv) and port-forward's ports.
func repeatable(op *Operation, p *Parameter) bool {
	if op.Action != "connect" || p.In != "query" {
		return false
	}
	return p.Name == "command" && strings.HasSuffix(op.Path, "/exec") ||
		p.Name == "ports" && strings.HasSuffix(op.Path, "/portforward")
}

// paramString checks v against the parameter's type and formats it for the URL.
func paramString(p *Parameter, v any) (string, error) {
	rv := reflect.ValueOf(v)
	switch p.Type {
	case "boolean":
		if b, ok := v.(bool); ok {
			return strconv.FormatBool(b), nil
		}
		return "", fmt.Errorf("want a bool, got %T %v", v, v)
	case "integer":
		switch rv.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return strconv.FormatInt(rv.Int(), 10), nil
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			return strconv.FormatUint(rv.Uint(), 10), nil
		}
		return "", fmt.Errorf("want an integer, got %T %v", v, v)
	default:
		if s, ok := v.(string); ok {
			return s, nil
		}
		if s, ok := v.(fmt.Stringer); ok {
			return s.String(), nil
		}
		return "", fmt.Errorf("want a string, got %T %v", v, v)
	}
}
