package kobj

import (
	"context"
	"net/url"

	"github.com/kobj-dev/kobj/internal/wire"
)

// request is one call as internal/wire sends it.
type request = wire.Request

// do sends req and returns the raw response. A status outside 2xx becomes
// an *apierrors.StatusError (the server's own Status when it sent one), so
// apierrors.IsNotFound and friends work; the Response is returned with it.
func (c *Client) do(ctx context.Context, req *request) (*Response, error) {
	r, err := c.wire.Do(ctx, req)
	if r.Code == 0 { // no answer
		return nil, err
	}
	return &Response{Code: r.Code, Header: r.Header, Body: r.Body}, err
}

// url is the address of path (escaped: names in it went through
// url.PathEscape) below the server's URL, with its path prefix.
func (c *Client) url(path string, query url.Values) *url.URL { return c.wire.URL(path, query) }
