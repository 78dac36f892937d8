package kobj

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
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

// maxErrorBody bounds what is read of an error answer on the streaming
// path: a Status is small; a misbehaving proxy's page is not worth more.
const maxErrorBody = 1 << 20

// streamHTTP is the client's http.Client without its Timeout: the same
// transport and connections.
func (c *Client) streamHTTP() *http.Client {
	hc := *c.http
	hc.Timeout = 0
	return &hc
}

// stream sends req on the streaming path and returns the open body. A
// status outside 2xx is read (bounded), closed and returned as an
// *apierrors.StatusError, as do returns it. Retries follow do: a
// Retry-After answer, or a connection lost before any answer on a GET.
func (c *Client) stream(ctx context.Context, req *request) (*StreamResponse, error) {
	hc := c.streamHTTP()
	head, body, err := c.retrying(ctx, req, false, func(u *url.URL) (*Response, io.ReadCloser, error) {
		hresp, err := c.send(ctx, hc, req, u)
		if err != nil {
			return nil, nil, err
		}
		return &Response{Code: hresp.StatusCode, Header: hresp.Header}, hresp.Body, nil
	})
	if err != nil {
		return nil, err
	}
	c.warn(ctx, head.Header)
	if head.Code < 200 || head.Code > 299 {
		head.Body, err = io.ReadAll(io.LimitReader(body, maxErrorBody))
		body.Close()
		if err != nil && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, responseError(req, head)
	}
	return &StreamResponse{Code: head.Code, Header: head.Header, Body: &streamBody{ctx: ctx, body: body}}, nil
}

// send makes one attempt and returns the response with its body unread.
func (c *Client) send(ctx context.Context, hc *http.Client, req *request, u *url.URL) (*http.Response, error) {
	hr, err := c.httpRequest(ctx, req, u, "application/json, */*")
	if err != nil {
		return nil, err
	}
	return hc.Do(hr)
}

// drainClose reads a little of a body before closing it, so that its
// connection may be reused.
func drainClose(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	body.Close()
}

// streamBody is an open response body that reports the end of its
// context as the context's own error rather than the transport's.
type streamBody struct {
	ctx  context.Context
	body io.ReadCloser
}

func (b *streamBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && b.ctx.Err() != nil {
		return n, b.ctx.Err()
	}
	return n, err
}

func (b *streamBody) Close() error { return b.body.Close() }

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
