package kobj

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	utiljson "k8s.io/apimachinery/pkg/util/json"

	"github.com/kobj-dev/kobj/internal/suggest"
)

// Checking and placing the arguments of an operation called by name.

// param returns the parameter called name, or nil.
func (op *Operation) param(name string) *Parameter {
	for i := range op.Params {
		if op.Params[i].Name == name {
			return &op.Params[i]
		}
	}
	return nil
}

func (op *Operation) paramNames() []string {
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

// fillFromObject takes name and namespace from o's metadata where the
// operation has those path parameters, as CRUD does (agree): args that
// disagree with metadata are an error, and a missing namespace is the
// client's default.
func fillFromObject(c *Client, op *Operation, values map[string]string, o *Object) error {
	for _, f := range []struct{ param, meta string }{{"name", o.Name()}, {"namespace", o.Namespace()}} {
		if p := op.param(f.param); p == nil || p.In != "path" {
			continue
		}
		v, err := agree(f.param, "in args", values[f.param], f.meta)
		if err != nil {
			return err
		}
		if v == "" && f.param == "namespace" {
			v = c.namespace
		}
		if v != "" {
			values[f.param] = v
		}
	}
	return nil
}

type encodedBody struct {
	data        []byte
	contentType string
}

// requestBody encodes the body: args' "body", else o when the operation
// takes a body of o's kind (or any body, for a patch).
func requestBody(op *Operation, args Args, o *Object, co *callOptions) (encodedBody, error) {
	v, given := args[BodyArg]
	if op.Body == nil {
		if given {
			return encodedBody{}, fmt.Errorf("%s takes no body", op.ID)
		}
		return encodedBody{}, nil
	}
	if !given && o != nil && (op.Body.Kind == o.Kind() || op.Action == "patch") {
		v, given = o, true
	}
	if !given || v == nil {
		if op.Body.Required {
			return encodedBody{}, fmt.Errorf("missing the required body (a %s)", orAny(op.Body.Kind))
		}
		return encodedBody{}, nil
	}
	var data []byte
	switch b := v.(type) {
	case *Object:
		var err error
		if op.Action == "patch" && (co.patchType == "" || co.patchType == MergePatch) {
			data, _, err = b.mergePatch() // what Update sends: the change since the last read
		} else {
			data, err = b.JSON()
		}
		if err != nil {
			return encodedBody{}, err
		}
	case []byte:
		data = b
	case string:
		data = []byte(b)
	default:
		var err error
		if data, err = json.Marshal(v); err != nil {
			return encodedBody{}, fmt.Errorf("body: %w", err)
		}
	}
	ct := "application/json"
	if op.Action == "patch" {
		pt := co.patchType
		if pt == "" {
			pt = MergePatch
		}
		if !slices.Contains(op.Body.ContentTypes, string(pt)) {
			return encodedBody{}, fmt.Errorf("patch type %s is not accepted; the server accepts %s", pt, strings.Join(op.Body.ContentTypes, ", "))
		}
		ct = string(pt)
		if pt == ApplyPatch {
			return encodedBody{data, ct}, nil // YAML or JSON; the server parses it
		}
	} else if co.patchType != "" {
		return encodedBody{}, fmt.Errorf("PatchAs given, but this is not a patch operation")
	}
	if !json.Valid(data) {
		return encodedBody{}, fmt.Errorf("the body is not valid JSON")
	}
	if pt := PatchType(ct); pt == JSONPatch && !strings.HasPrefix(strings.TrimSpace(string(data)), "[") {
		return encodedBody{}, fmt.Errorf("a JSON patch body must be a list of operations")
	}
	return encodedBody{data, ct}, nil
}

func orAny(kind string) string {
	if kind == "" {
		return "JSON document"
	}
	return kind
}

// send makes the request and fills the Response; a body that is a
// Kubernetes object becomes Response.Object.
func (p *preparedCall) send(ctx context.Context) (*Response, error) {
	resp, err := p.c.do(ctx, p.req)
	if resp != nil {
		resp.Object = objectOf(resp.Body, p.c)
		resp.err = err
	}
	return resp, err
}

// objectOf decodes body as an object when it is a Kubernetes object: a
// JSON object with apiVersion, kind and metadata. Discovery documents such
// as APIGroupList carry a kind but no metadata, and are not.
func objectOf(body []byte, c *Client) *Object {
	if len(body) == 0 || body[0] != '{' {
		return nil
	}
	var m map[string]any
	if utiljson.Unmarshal(body, &m) != nil || checkTypeMeta(m) != nil {
		return nil
	}
	if _, ok := m["metadata"].(map[string]any); !ok {
		return nil
	}
	return fromServer(m, body, c)
}
