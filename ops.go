package kobj

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"slices"
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
// operation, naming what runs it: Watch for a watch, CallStream for a
// followed log or a proxy, Object.Exec and Object.PortForward for exec and
// port-forward. A server error is an *apierrors.StatusError, returned
// with the Response.
func (c *Client) Call(ctx context.Context, op string, args Args, opts ...CallOption) (_ *Response, err error) {
	defer wrapCall(&err, "Call "+op)
	co, err := gather(opts, CallOption.applyToCall)
	if err != nil {
		return nil, err
	}
	if co.client != nil {
		c = co.client
	}
	call, err := c.prepare(ctx, op, args, co, nil, false)
	if err != nil {
		return nil, err
	}
	return call.send(ctx)
}

// Call runs an operation on o's own kind (or one of its subresources, such
// as status or scale) as Client.Call does, with o supplying what args leave
// out: the body, when the operation takes a body of o's kind (a patch
// sends o's changes since it was last read, as Update does); name and
// namespace, from o's metadata (an error if args disagree); and the
// group-version that picks among operations sharing a short name. An
// operation on another kind is an error naming that kind, before any
// request: use Client.Call for it. The object's client is used, unless
// WithClient is given. Call never changes o; the result is in the Response.
func (o *Object) Call(ctx context.Context, op string, args Args, opts ...CallOption) (_ *Response, err error) {
	defer wrapCall(&err, callName("Call "+op+" on", o))
	co, err := gather(opts, CallOption.applyToCall)
	if err != nil {
		return nil, err
	}
	if o == nil {
		return nil, fmt.Errorf("nil object")
	}
	c, err := clientFor(co, o)
	if err != nil {
		return nil, err
	}
	call, err := c.prepare(ctx, op, args, co, o, false)
	if err != nil {
		return nil, err
	}
	return call.send(ctx)
}

// CallAsync starts Call and returns its Response at once, as a future: Get,
// Wait and Done tell when it is filled. Canceling ctx ends the request.
// args, and the values in it, are copied before CallAsync returns: the
// caller may change or reuse them at once. The Client bounds the requests
// in flight (MaxInFlight), so any number of futures can be started.
func (c *Client) CallAsync(ctx context.Context, op string, args Args, opts ...CallOption) *Response {
	args, err := snapshotArgs(args)
	if err != nil {
		return failed(&callError{call: "Call " + op, err: err})
	}
	return async(ctx, func(ctx context.Context) (*Response, error) { return c.Call(ctx, op, args, opts...) })
}

// CallAsync starts o.Call and returns its Response at once, as a future.
// o and args are copied before CallAsync returns: the caller may change o
// or reuse args at once; the call sees them as they were.
func (o *Object) CallAsync(ctx context.Context, op string, args Args, opts ...CallOption) *Response {
	args, err := snapshotArgs(args)
	if err != nil {
		return failed(&callError{call: "Call " + op, err: err})
	}
	snap := o.DeepCopy()
	return async(ctx, func(ctx context.Context) (*Response, error) { return snap.Call(ctx, op, args, opts...) })
}

// snapshotArgs copies args so that an async call sees them as they were
// when it started: scalars as they are, an *Object as a deep copy, a body
// of any other type as its JSON now, other values through their JSON form.
func snapshotArgs(args Args) (Args, error) {
	if args == nil {
		return nil, nil
	}
	out := make(Args, len(args))
	for k, v := range args {
		switch x := v.(type) {
		case nil, string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
			out[k] = v
		case *Object:
			out[k] = x.DeepCopy()
		case []byte:
			out[k] = slices.Clone(x)
		case fmt.Stringer:
			out[k] = x.String()
		default:
			b, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Errorf("argument %q: %w", k, err)
			}
			if k == BodyArg {
				out[k] = b
				continue
			}
			var c any
			if err := utiljson.Unmarshal(b, &c); err != nil {
				return nil, fmt.Errorf("argument %q: %w", k, err)
			}
			out[k] = reflectScalar(v, c)
		}
	}
	return out, nil
}

// reflectScalar keeps a named scalar type (type Mode string) as its plain
// value, which is what the parameter checks expect; other values keep the
// JSON copy.
func reflectScalar(orig, copied any) any {
	rv := reflect.ValueOf(orig)
	switch rv.Kind() {
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return rv.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return rv.Uint()
	}
	return copied
}

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
	op, err := c.ops.resolve(ctx, name, apiVersion)
	if err != nil {
		return nil, err
	}
	if !stream {
		if err := notForCall(op, args); err != nil {
			return nil, err
		}
	}
	values := map[string]string{}  // the first value of each argument
	lists := map[string][]string{} // every value, for query parameters
	for k, v := range args {
		if k == BodyArg {
			continue
		}
		p := op.param(k)
		if p == nil {
			return nil, fmt.Errorf("unknown parameter %q%s; its parameters are %s", k, closest(k, op.paramNames()), strings.Join(op.paramNames(), ", "))
		}
		vs, err := paramValues(op, p, v)
		if err != nil {
			return nil, fmt.Errorf("parameter %q: %w", k, err)
		}
		if len(vs) > 0 {
			values[k], lists[k] = vs[0], vs
		}
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
	path := op.Path
	q := url.Values{}
	for _, p := range op.Params {
		v, ok := values[p.Name]
		if !ok {
			if p.Required {
				return nil, fmt.Errorf("missing required %s parameter %q", p.In, p.Name)
			}
			continue
		}
		if p.In == "path" {
			if err := validSegment(p.Name, v); err != nil {
				return nil, err
			}
			path = strings.Replace(path, "{"+p.Name+"}", url.PathEscape(v), 1)
		} else if vs, ok := lists[p.Name]; ok && vs[0] == v {
			q[p.Name] = vs
		} else {
			q.Set(p.Name, v)
		}
	}
	req := &request{method: op.Method, path: path, template: op.Path, query: q,
		resource: schema.GroupResource{Group: op.Group, Resource: resourceOf(op.Path)}, name: values["name"],
		idempotent: op.Method == "GET"}
	var bodyFrom *Object
	if own {
		bodyFrom = o
	}
	body, err := requestBody(op, args, bodyFrom, co)
	if err != nil {
		return nil, err
	}
	req.body, req.contentType = body.data, body.contentType
	return &preparedCall{c: c, op: op, req: req}, nil
}

// notForCall fails for the operations whose answer is a stream, which
// Call would read whole: it names what runs them instead.
func notForCall(op *Operation, args Args) error {
	const useWatch = "use Watch on the object or its list kind (kobj.New(apiVersion, \"FooList\").Watch), which also resumes after disconnects and 410 Gone, or CallStream for the raw event stream"
	if op.Streaming && strings.HasPrefix(op.Action, "watch") {
		return fmt.Errorf("%s is a watch, which Call cannot return: %s", op.ID, useWatch)
	}
	if err := needsUpgrade(op); err != nil {
		return err
	}
	if op.Streaming {
		return fmt.Errorf("%s streams its answer (%s), which Call would read whole: use CallStream", op.ID, op.Action)
	}
	if v, ok := args["watch"]; ok && v == true {
		return fmt.Errorf("watch=true streams events, which Call cannot return: %s", useWatch)
	}
	if v, ok := args["follow"]; ok && v == true {
		return fmt.Errorf("follow=true streams its answer, which Call would read whole: use CallStream, or Object.Logs for a pod's log")
	}
	return nil
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
	if op.Group == info.Group && resourceOf(op.Path) == info.Resource && op.GroupVersion != "" {
		return nil
	}
	what := op.Kind
	if what == "" {
		what = "no kind"
	}
	if r := resourceOf(op.Path); r != "" {
		what = fmt.Sprintf("%s (%s)", r, what)
	}
	return fmt.Errorf("%s acts on %s, not on %s %s: an object calls only the operations of its own kind; use Client.Call", op.ID, what, o.APIVersion(), o.Kind())
}

// resourceOf returns the resource an operation's path template is about:
// the segment before {name}, else the last segment that is not a
// placeholder; "" for paths outside resources (/version, /apis).
func resourceOf(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i := len(segs) - 1; i > 0; i-- {
		if segs[i] == "{name}" {
			return segs[i-1]
		}
	}
	if len(segs) < 3 || (segs[0] != "api" && segs[0] != "apis") {
		return ""
	}
	last := segs[len(segs)-1]
	if strings.HasPrefix(last, "{") || (segs[0] == "api" && len(segs) == 2) || (segs[0] == "apis" && len(segs) == 3) {
		return ""
	}
	return last
}
