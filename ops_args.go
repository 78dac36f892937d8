package kobj

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"

	"github.com/kobj-dev/kobj/internal/opindex"
)

// Preparing an operation called by name: what an object supplies, and the
// request; internal/opindex checks and places the arguments.

// preparedCall is an operation with its arguments checked, ready to send.
type preparedCall struct {
	c   *Client
	op  *Operation
	req *request
}

// prepare resolves op and checks and places every argument.
// stream is true for CallStream and the streaming verbs, which take the
// streaming operations that Call refuses.
func (c *Client) prepare(ctx context.Context, name string, args Args, co *callOptions, o *Object, stream bool) (*preparedCall, error) {
	apiVersion := ""
	if o != nil {
		apiVersion = o.APIVersion()
	}
	op, err := c.ops.Resolve(ctx, name, apiVersion)
	if err != nil {
		return nil, err
	}
	if !stream {
		if err := opindex.NotForCall(op, args); err != nil {
			return nil, err
		}
	}
	values := map[string]string{}  // the first value of each argument
	lists := map[string][]string{} // every value, for query parameters
	if err := opindex.Values(op, args, values, lists); err != nil {
		return nil, err
	}
	own := false
	if o != nil {
		if err := c.ownOperation(ctx, op, o); err != nil {
			return nil, err
		}
		own = true
		if err := fillFromObject(c, op, values, o); err != nil {
			return nil, err
		}
	}
	path, q, err := opindex.Place(op, values, lists, validSegment)
	if err != nil {
		return nil, err
	}
	req := &request{Method: op.Method, Path: path, Template: op.Path, Query: q,
		Resource: schema.GroupResource{Group: op.Group, Resource: opindex.ResourceOf(op.Path)}, Name: values["name"],
		Idempotent: op.Method == "GET"}
	var bodyFrom *Object
	if own {
		bodyFrom = o
	}
	body, err := requestBody(op, args, bodyFrom, co)
	if err != nil {
		return nil, err
	}
	req.Body, req.ContentType = body.data, body.contentType
	return &preparedCall{c: c, op: op, req: req}, nil
}

// ownOperation checks that op acts on o's own resource (or a subresource of
// it), the only operations whose name, namespace and body o may supply. A
// list object owns the operations on its items' collection.
func (c *Client) ownOperation(ctx context.Context, op *Operation, o *Object) error {
	kind := o.Kind()
	if list, err := c.isListKind(ctx, o.APIVersion(), kind); err == nil && list {
		kind = strings.TrimSuffix(kind, "List")
	}
	info, err := c.disc.lookup(ctx, o.APIVersion(), kind)
	if err != nil {
		return err
	}
	resource := opindex.ResourceOf(op.Path)
	if op.Group == info.Group && resource == info.Resource && op.GroupVersion != "" {
		return nil
	}
	what := op.Kind
	if what == "" {
		what = "no kind"
	}
	if resource != "" {
		what = fmt.Sprintf("%s (%s)", resource, what)
	}
	return fmt.Errorf("%s acts on %s, not on %s %s: an object calls only the operations of its own kind; use Client.Call", op.ID, what, o.APIVersion(), o.Kind())
}

// fillFromObject takes name and namespace from o's metadata where the
// operation has those path parameters, as CRUD does (agree): args that
// disagree with metadata are an error, and a missing namespace is the
// client's default.
func fillFromObject(c *Client, op *Operation, values map[string]string, o *Object) error {
	for _, f := range []struct{ param, meta string }{{"name", o.Name()}, {"namespace", o.Namespace()}} {
		if p := opindex.Param(op, f.param); p == nil || p.In != "path" {
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
	ct, err := opindex.ContentType(op, co.patchType, data)
	if err != nil {
		return encodedBody{}, err
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
