package kobj

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilnet "k8s.io/apimachinery/pkg/util/net"
)

// request is one HTTP call to the API server. CRUD, discovery, the OpenAPI
// index and operations by name all go through Client.do, so they share the
// transport, the in-flight bound, retries, warnings and error types.
type request struct {
	method      string
	path        string // absolute, such as /api/v1/namespaces/ns/pods
	query       url.Values
	body        []byte
	contentType string
	accept      string
	// for errors built from responses that carry no Status
	resource schema.GroupResource
	name     string
}

// maxRetries bounds the retries of a response with Retry-After (429, or 5xx
// during server overload), as client-go's rest client does.
const maxRetries = 10

// do sends req and returns the raw response. A status outside 2xx becomes
// an *apierrors.StatusError (the server's own Status when it sent one), so
// apierrors.IsNotFound and friends work; the Response is returned with it.
func (c *Client) do(ctx context.Context, req *request) (*Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case c.inflight <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.inflight }()

	u := *c.host
	u.Path = req.path
	u.RawQuery = req.query.Encode()
	for attempt := 0; ; attempt++ {
		if c.limiter != nil {
			if err := c.limiter.Wait(ctx); err != nil {
				return nil, err
			}
		}
		resp, retryAfter, err := c.roundTrip(ctx, req, u.String())
		if err != nil {
			return nil, err
		}
		if retryAfter > 0 && attempt < maxRetries {
			t := time.NewTimer(retryAfter)
			select {
			case <-t.C:
				continue
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			}
		}
		if resp.Code < 200 || resp.Code > 299 {
			return resp, responseError(req, resp)
		}
		return resp, nil
	}
}

// roundTrip makes one attempt; retryAfter is set when the server asks for
// a retry.
func (c *Client) roundTrip(ctx context.Context, req *request, url string) (*Response, time.Duration, error) {
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, url, body)
	if err != nil {
		return nil, 0, fmt.Errorf("kobj: %s %s: %w", req.method, req.path, err)
	}
	accept := req.accept
	if accept == "" {
		accept = "application/json"
	}
	hr.Header.Set("Accept", accept)
	hr.Header.Set("User-Agent", c.userAgent)
	if req.body != nil {
		ct := req.contentType
		if ct == "" {
			ct = "application/json"
		}
		hr.Header.Set("Content-Type", ct)
	}
	hresp, err := c.http.Do(hr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		return nil, 0, fmt.Errorf("kobj: %s %s: %w", req.method, req.path, err)
	}
	defer hresp.Body.Close()
	data, err := io.ReadAll(hresp.Body)
	if err != nil {
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		return nil, 0, fmt.Errorf("kobj: %s %s: reading the response: %w", req.method, req.path, err)
	}
	for _, w := range warnings(hresp.Header) {
		c.warnings.HandleWarningHeaderWithContext(ctx, w.Code, w.Agent, w.Text)
	}
	resp := &Response{Code: hresp.StatusCode, Header: hresp.Header, Body: data}
	var retryAfter time.Duration
	if s := hresp.Header.Get("Retry-After"); s != "" && (hresp.StatusCode == http.StatusTooManyRequests || hresp.StatusCode >= 500) {
		if secs, err := strconv.Atoi(s); err == nil && secs >= 0 {
			retryAfter = time.Duration(secs)*time.Second + time.Duration(rand.IntN(100))*time.Millisecond
		}
	}
	return resp, retryAfter, nil
}

func warnings(h http.Header) []utilnet.WarningHeader {
	if len(h["Warning"]) == 0 {
		return nil
	}
	ws, _ := utilnet.ParseWarningHeaders(h["Warning"])
	return ws
}

// responseError builds the error of a non-2xx response.
func responseError(req *request, resp *Response) error {
	var status metav1.Status
	if json.Unmarshal(resp.Body, &status) == nil && status.Kind == "Status" && status.Status == metav1.StatusFailure {
		if status.Code == 0 {
			status.Code = int32(resp.Code)
		}
		return &apierrors.StatusError{ErrStatus: status}
	}
	verb := map[string]string{"GET": "get", "POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}[req.method]
	return apierrors.NewGenericServerResponse(resp.Code, verb, req.resource, req.name, string(resp.Body), 0, true)
}

// fetch is the discovery cache's view of do.
func (c *Client) fetch(ctx context.Context, path, accept string) ([]byte, string, error) {
	resp, err := c.do(ctx, &request{method: "GET", path: path, accept: accept})
	if err != nil {
		return nil, "", err
	}
	return resp.Body, resp.Header.Get("Content-Type"), nil
}
