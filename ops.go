package kobj

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"

	utiljson "k8s.io/apimachinery/pkg/util/json"

	"github.com/kobj-dev/kobj/internal/opindex"
)

// Args are the arguments of an operation called by name, keyed by the
// operation's own parameter names ("namespace", "name", "labelSelector",
// "dryRun", ...). The request body, if any, goes under "body": an *Object,
// a map, a []byte of JSON, or any value with a JSON form.
type Args map[string]any

// BodyArg is the key of Args that holds the request body.
const BodyArg = opindex.BodyArg

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
	co, c, err := begin(o, opts, CallOption.applyToCall)
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

// CallStream runs a streaming operation named op (a followed pod log, a
// proxy to a pod, service or node, a raw watch) with args, as Call does,
// and returns the open answer: the caller reads Body and must Close it;
// ending ctx ends the request too. The request shares the client's
// transport and credentials but takes no MaxInFlight slot and is not cut
// by rest.Config.Timeout; its body is never read into memory by kobj.
//
// Arguments are checked as Call checks them, before any request. exec,
// attach and port-forward need an upgraded connection that CallStream
// does not make: it fails naming [Object.Exec] or [Object.PortForward]. A
// status outside 2xx is an *apierrors.StatusError (no StreamResponse).
func (c *Client) CallStream(ctx context.Context, op string, args Args, opts ...CallOption) (_ *StreamResponse, err error) {
	defer wrapCall(&err, "CallStream "+op)
	co, err := gather(opts, CallOption.applyToCall)
	if err != nil {
		return nil, err
	}
	if co.client != nil {
		c = co.client
	}
	call, err := c.prepare(ctx, op, args, co, nil, true)
	if err != nil {
		return nil, err
	}
	if err := opindex.NeedsUpgrade(call.op); err != nil {
		return nil, err
	}
	return c.stream(ctx, call.req)
}
