package kobj

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// The streaming path. A streaming request (a followed log, a proxy, a raw
// watch) shares the client's transport, credentials, rate limiter,
// warnings and metrics with every other request, but:
//   - it takes no MaxInFlight slot: a log followed for an hour must not
//     starve the client's other calls;
//   - it is not cut by rest.Config.Timeout, which is meant for whole
//     answers (the http.Client's Timeout would end the stream);
//   - its body is handed over open, never read whole into memory;
//   - it ends when ctx ends: the transport aborts the connection, and no
//     goroutine of kobj waits on it.

// StreamResponse is the answer of a streaming call: the status code, the
// headers, and the body, still open. The caller must Close Body (or end
// the call's context) to end the request.
type StreamResponse struct {
	Code   int
	Header http.Header
	Body   io.ReadCloser
}

// stream sends req on the streaming path (internal/wire's Stream) and
// returns the open body. A status outside 2xx is an *apierrors.StatusError,
// as do returns it. Retries follow do: a Retry-After answer, or a
// connection lost before any answer on a GET.
func (c *Client) stream(ctx context.Context, req *request) (*StreamResponse, error) {
	r, err := c.wire.Stream(ctx, req.wire())
	if err != nil {
		return nil, err
	}
	return &StreamResponse{Code: r.Code, Header: r.Header, Body: r.Body}, nil
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
	if err := needsUpgrade(call.op); err != nil {
		return nil, err
	}
	return c.stream(ctx, call.req)
}

// needsUpgrade fails for the operations that speak over an upgraded
// connection (WebSocket or SPDY), naming what runs them.
func needsUpgrade(op *Operation) error {
	if op.Action != "connect" {
		return nil
	}
	switch {
	case strings.HasSuffix(op.Path, "/exec"):
		return fmt.Errorf("%s needs an upgraded (WebSocket or SPDY) connection: use Object.Exec", op.ID)
	case strings.HasSuffix(op.Path, "/attach"):
		return fmt.Errorf("%s needs an upgraded (WebSocket or SPDY) connection, which kobj does not make for attach; use client-go's remotecommand", op.ID)
	case strings.HasSuffix(op.Path, "/portforward"):
		return fmt.Errorf("%s needs an upgraded (WebSocket or SPDY) connection: use Object.PortForward", op.ID)
	}
	return nil
}
