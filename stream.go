package kobj

import (
	"context"
	"io"
	"net/http"
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
	r, err := c.wire.Stream(ctx, req)
	if err != nil {
		return nil, err
	}
	return &StreamResponse{Code: r.Code, Header: r.Header, Body: r.Body}, nil
}
