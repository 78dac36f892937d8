package kobj

import (
	"context"
	"net/url"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kobj-dev/kobj/internal/wire"
)

// request is one HTTP call to the API server. CRUD, the OpenAPI index and
// operations by name all go through Client.do, and streaming calls through
// Client.stream: both are internal/wire's request path, so they share the
// transport, the in-flight bound, the rate limiter, retries, warnings,
// client-go's metrics and the error types.
//
// The request path is kobj's own rather than client-go's rest.Request
// because a Response gives the caller the answer's headers, which
// rest.Result does not expose; it follows rest.Request's behaviour.
type request struct {
	method      string
	path        string // absolute below the server's URL, such as /api/v1/namespaces/ns/pods
	template    string // path with names as {placeholders}, for metrics; path when empty
	query       url.Values
	body        []byte
	contentType string
	accept      string
	// idempotent marks a request that may be sent twice with the same
	// effect (a write with a resourceVersion precondition), so that a
	// connection lost on the way is retried, as GETs are.
	idempotent bool
	// for errors built from responses that carry no Status
	resource schema.GroupResource
	name     string
}

// wire is req as internal/wire takes it.
func (req *request) wire() *wire.Request {
	return &wire.Request{Method: req.method, Path: req.path, Template: req.template, Query: req.query,
		Body: req.body, ContentType: req.contentType, Accept: req.accept, Idempotent: req.idempotent,
		Resource: req.resource, Name: req.name}
}

// do sends req and returns the raw response. A status outside 2xx becomes
// an *apierrors.StatusError (the server's own Status when it sent one), so
// apierrors.IsNotFound and friends work; the Response is returned with it.
func (c *Client) do(ctx context.Context, req *request) (*Response, error) {
	r, err := c.wire.Do(ctx, req.wire())
	if r.Code == 0 { // no answer
		return nil, err
	}
	return &Response{Code: r.Code, Header: r.Header, Body: r.Body}, err
}

// url is the address of path (escaped: names in it went through
// url.PathEscape) below the server's URL, with its path prefix.
func (c *Client) url(path string, query url.Values) *url.URL { return c.wire.URL(path, query) }
