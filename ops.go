package kobj

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// Args are the arguments of an operation called by name, keyed by the
// operation's own parameter names ("namespace", "name", "labelSelector",
// "dryRun", ...). The request body, if any, goes under "body": an *Object,
// a map, a []byte of JSON, or any value with a JSON form.
type Args map[string]any

// BodyArg is the key of Args that holds the request body.
const BodyArg = "body"

// Call runs the API operation named op — a full operationId such as
// "listCoreV1NamespacedPod" or Hikaru's short form "listNamespacedPod" —
// with args, and returns the server's answer. A short name that several
// group-versions share is an error that lists them; use the full name.
//
// Before any request, Call fails on an unknown operation (naming the
// closest ones), an unknown parameter (listing the valid ones), a missing
// required parameter or body, a value of the wrong type, and a streaming
// operation (watch, follow, exec, attach, port-forward, proxy), which kobj
// does not support yet. A server error is an *apierrors.StatusError,
// returned with the Response. Options: WithClient, PatchAs.
func (c *Client) Call(ctx context.Context, op string, args Args, opts ...Option) (*Response, error) {
	co, err := gather("Call", opts, "PatchAs")
	if err != nil {
		return nil, err
	}
	if co.client != nil {
		c = co.client
	}
	call, err := c.prepare(ctx, op, args, co, nil)
	if err != nil {
		return nil, err
	}
	return call.send(ctx)
}

// Call runs an operation as Client.Call does, with o supplying what args
// leave out: the body, when the operation takes a body of o's kind; name
// and namespace, from o's metadata (an error if args disagree); and the
// group-version that picks among operations sharing a short name. The
// object's client is used, unless WithClient is given. Call never changes
// o; the result is in the Response.
func (o *Object) Call(ctx context.Context, op string, args Args, opts ...Option) (*Response, error) {
	co, err := gather("Call", opts, "PatchAs")
	if err != nil {
		return nil, err
	}
	c, err := clientFor(co, o)
	if err != nil {
		return nil, fmt.Errorf("kobj: Call %s: %w", op, err)
	}
	call, err := c.prepare(ctx, op, args, co, o)
	if err != nil {
		return nil, err
	}
	return call.send(ctx)
}

// CallAsync starts Call and returns its Response at once, as a future: Get,
// Wait and Done tell when it is filled. Canceling ctx ends the request.
// The Client bounds the requests in flight (MaxInFlight), so any number of
// futures can be started.
func (c *Client) CallAsync(ctx context.Context, op string, args Args, opts ...Option) *Response {
	return async(ctx, func(ctx context.Context) (*Response, error) { return c.Call(ctx, op, args, opts...) })
}

// CallAsync starts o.Call and returns its Response at once, as a future.
// o must not be changed until the future is done.
func (o *Object) CallAsync(ctx context.Context, op string, args Args, opts ...Option) *Response {
	return async(ctx, func(ctx context.Context) (*Response, error) { return o.Call(ctx, op, args, opts...) })
}

// preparedCall is an operation with its arguments checked, ready to send.
type preparedCall struct {
	c   *Client
	op  *Operation
	req *request
}

// prepare resolves op and checks and places every argument.
func (c *Client) prepare(ctx context.Context, name string, args Args, co *callOptions, o *Object) (*preparedCall, error) {
	apiVersion := ""
	if o != nil {
		apiVersion = o.APIVersion()
	}
	op, err := c.ops.resolve(ctx, name, apiVersion)
	if err != nil {
		return nil, err
	}
	fail := func(format string, a ...any) error {
		return fmt.Errorf("kobj: %s: %s", op.ID, fmt.Sprintf(format, a...))
	}
	if op.Streaming {
		return nil, fail("streaming operations (%s) are not supported yet", op.Action)
	}
	for _, flag := range []string{"watch", "follow"} {
		if v, ok := args[flag]; ok && v == true {
			return nil, fail("%s=true streams its answer, which is not supported yet", flag)
		}
	}
	values := map[string]string{}
	for k, v := range args {
		if k == BodyArg {
			continue
		}
		p := op.param(k)
		if p == nil {
			return nil, fail("unknown parameter %q%s; its parameters are %s", k, closest(k, op.paramNames()), strings.Join(op.paramNames(), ", "))
		}
		s, err := paramString(p, v)
		if err != nil {
			return nil, fail("parameter %q: %v", k, err)
		}
		values[k] = s
	}
	if o != nil {
		if err := fillFromObject(c, op, values, o); err != nil {
			return nil, err
		}
	}
	path := op.Path
	q := url.Values{}
	for _, p := range op.Params {
		v, ok := values[p.Name]
		if !ok {
			if p.Required {
				return nil, fail("missing required %s parameter %q", p.In, p.Name)
			}
			continue
		}
		if p.In == "path" {
			path = strings.Replace(path, "{"+p.Name+"}", url.PathEscape(v), 1)
		} else {
			q.Set(p.Name, v)
		}
	}
	req := &request{method: op.Method, path: path, query: q,
		resource: schema.GroupResource{Group: op.Group, Resource: op.Kind}, name: values["name"]}
	body, err := requestBody(op, args, o, co)
	if err != nil {
		return nil, fail("%v", err)
	}
	req.body, req.contentType = body.data, body.contentType
	return &preparedCall{c: c, op: op, req: req}, nil
}

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

// closest suggests the name nearest to s, as "; did you mean x?".
func closest(s string, names []string) string {
	best, bestD := "", len(s)/2+2
	for _, n := range names {
		if d := nameDistance(s, n); d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
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
		v, err := agree(op.ID, f.param, "in args", values[f.param], f.meta)
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
			return encodedBody{}, fmt.Errorf("takes no body")
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
			data, err = b.mergePatch() // what Update sends: the change since the last read
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
	o := wrap(m)
	o.client, o.served = c, body
	return o
}
