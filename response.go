package kobj

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// Response is the server's answer to one call: its status code, headers,
// raw body, and the body as an Object when it is a Kubernetes object (JSON
// with apiVersion, kind and metadata; nil otherwise, as for a pod's log,
// /version or the API discovery lists, whose body Decode reads).
//
// A blocking call returns it filled. An async call (CallAsync) returns it at
// once as a future: its fields may be read only after Done is closed, or
// after Get or Wait returned.
type Response struct {
	Code   int
	Header http.Header
	Object *Object
	Body   []byte

	done chan struct{} // closed when the fields are filled
	err  error
}

// closedChan is what Done returns for a response filled when made.
var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// async runs call in a goroutine of its own and returns its future. The
// goroutine ends when the call does: when the server answers, or when ctx
// is canceled.
func async(ctx context.Context, call func(context.Context) (*Response, error)) *Response {
	f := &Response{done: make(chan struct{})}
	go func() {
		defer close(f.done)
		r, err := call(ctx)
		if r != nil {
			f.Code, f.Header, f.Object, f.Body = r.Code, r.Header, r.Object, r.Body
		}
		f.err = err
	}()
	return f
}

// failed returns a future that is already filled with err.
func failed(err error) *Response {
	return &Response{done: closedChan, err: err}
}

// Done returns a channel that is closed when the response is filled.
func (r *Response) Done() <-chan struct{} {
	if r.done == nil {
		return closedChan
	}
	return r.done
}

// Get blocks until the response is filled and returns the object (nil when
// the body is not a Kubernetes object), the status code, the headers and
// the call's error. A filled response always gives its result, however
// often it is asked and whatever ctx says. If ctx ends before the response
// is filled, Get returns ctx's error; the call goes on, ended only by the
// context it was started with.
func (r *Response) Get(ctx context.Context) (*Object, int, http.Header, error) {
	select {
	case <-r.Done():
		return r.Object, r.Code, r.Header, r.err
	default:
	}
	select {
	case <-r.Done():
		return r.Object, r.Code, r.Header, r.err
	case <-ctx.Done():
		return nil, 0, nil, ctx.Err()
	}
}

// Wait blocks until the response is filled or timeout passes, and returns
// the call's error, or one wrapping context.DeadlineExceeded on timeout. A
// filled response gives its result even with a timeout of 0.
func (r *Response) Wait(timeout time.Duration) error {
	select {
	case <-r.Done():
		return r.err
	default:
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-r.Done():
		return r.err
	case <-t.C:
		return errorf("Response.Wait", "not ready after %v: %w", timeout, context.DeadlineExceeded)
	}
}

// Err returns the call's error once the response is filled, and nil before.
func (r *Response) Err() error {
	select {
	case <-r.Done():
		return r.err
	default:
		return nil
	}
}

// Decode unmarshals the raw body as JSON into v, for bodies that are not
// Kubernetes objects. It fails when the body is not JSON of v's shape.
func (r *Response) Decode(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return errorf("Response.Decode", "decoding the body into %T: %w", v, err)
	}
	return nil
}
