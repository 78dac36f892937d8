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
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/tools/metrics"

	"github.com/kobj-dev/kobj/internal/cachekit"
)

// request is one HTTP call to the API server. CRUD, the OpenAPI index and
// operations by name all go through Client.do, so they share the
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

// maxRetries bounds the retries of one request, as client-go's rest client
// does: after a response with Retry-After (429, or 5xx during overload), or
// a connection lost while sending an idempotent request.
const maxRetries = 10

// do sends req and returns the raw response. A status outside 2xx becomes
// an *apierrors.StatusError (the server's own Status when it sent one), so
// apierrors.IsNotFound and friends work; the Response is returned with it.
// An in-flight slot is held only while a request is on the wire, not while
// waiting to retry it.
func (c *Client) do(ctx context.Context, req *request) (*Response, error) {
	resp, _, err := c.retrying(ctx, req, true, func(u *url.URL) (*Response, io.ReadCloser, error) {
		resp, err := c.roundTrip(ctx, req, u)
		return resp, nil, err
	})
	if err != nil {
		return nil, err
	}
	if resp.Code < 200 || resp.Code > 299 {
		return resp, responseError(req, resp)
	}
	return resp, nil
}

// retrying makes attempts of req with try until one is not worth
// retrying (retryWait says which are), throttled, counted in the metrics
// and, with slot, each holding a MaxInFlight slot. try returns the
// answer's head, and its body when it left it unread (closed here before
// a retry). A canceled call sends nothing.
func (c *Client) retrying(ctx context.Context, req *request, slot bool, try func(u *url.URL) (*Response, io.ReadCloser, error)) (*Response, io.ReadCloser, error) {
	u := c.url(req.path, req.query)
	tmpl := *u
	if req.template != "" {
		tmpl = *c.url(req.template, nil)
	}
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		if err := c.throttle(ctx, req.method, tmpl); err != nil {
			return nil, nil, err
		}
		if slot {
			if err := c.acquire(ctx); err != nil {
				return nil, nil, err
			}
		}
		start := time.Now()
		resp, body, err := try(u)
		if slot {
			<-c.inflight
		}
		c.observe(ctx, req.method, tmpl, start, resp, err, attempt > 0)
		if wait, ok := retryWait(req, resp, err, attempt); ok {
			if body != nil {
				drainClose(body)
			}
			if err := cachekit.Sleep(ctx, wait); err != nil {
				return nil, nil, err
			}
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			return nil, nil, fmt.Errorf("%s %s: %w", req.method, u.Redacted(), err)
		}
		return resp, body, nil
	}
}

// url is the address of path (escaped: names in it went through
// url.PathEscape) below the server's URL: a server URL with a path
// (https://host/k8s/clusters/c-1) prefixes every request, as in client-go.
func (c *Client) url(path string, query url.Values) *url.URL {
	u := *c.base
	u.RawPath = strings.TrimSuffix(c.base.EscapedPath(), "/") + path
	if p, err := url.PathUnescape(u.RawPath); err == nil {
		u.Path = p
	} else {
		u.Path = u.RawPath
	}
	u.RawQuery = query.Encode()
	return &u
}

// throttle waits for the client-side rate limiter, when there is one.
func (c *Client) throttle(ctx context.Context, method string, u url.URL) error {
	if c.limiter == nil {
		return nil
	}
	start := time.Now()
	err := c.limiter.Wait(ctx)
	metrics.RateLimiterLatency.Observe(ctx, method, u, time.Since(start))
	return err
}

// acquire takes an in-flight slot, or fails when ctx ends first.
func (c *Client) acquire(ctx context.Context) error {
	select {
	case c.inflight <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// observe reports one attempt to client-go's metrics hooks, so that kobj's
// traffic shows in an operator's rest_client_* metrics.
func (c *Client) observe(ctx context.Context, method string, u url.URL, start time.Time, resp *Response, err error, retry bool) {
	metrics.RequestLatency.Observe(ctx, method, u, time.Since(start))
	code := "<error>"
	if err == nil {
		code = strconv.Itoa(resp.Code)
	}
	metrics.RequestResult.Increment(ctx, code, method, c.base.Host)
	if retry {
		metrics.RequestRetry.IncrementRetry(ctx, code, method, c.base.Host)
	}
}

// retryWait says whether an attempt is worth another, and after how long:
// a response whose Retry-After asks for it (429 or 5xx), or a connection
// lost while sending a request that is safe to send twice, after a second,
// as client-go does. Nothing that could create twice is retried blindly.
func retryWait(req *request, resp *Response, err error, attempt int) (time.Duration, bool) {
	if attempt >= maxRetries {
		return 0, false
	}
	if err != nil {
		safe := req.method == http.MethodGet || req.idempotent
		lost := utilnet.IsConnectionReset(err) || utilnet.IsProbableEOF(err) || utilnet.IsHTTP2ConnectionLost(err)
		return time.Second, safe && lost
	}
	if resp.Code != http.StatusTooManyRequests && resp.Code < 500 {
		return 0, false
	}
	secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || secs < 0 {
		return 0, false
	}
	// A little jitter keeps a crowd of throttled callers from coming back
	// all at once.
	return time.Duration(secs)*time.Second + time.Duration(rand.IntN(100))*time.Millisecond, true
}

// httpRequest is req as an HTTP request to u, accepting req.accept, else
// accept.
func (c *Client) httpRequest(ctx context.Context, req *request, u *url.URL, accept string) (*http.Request, error) {
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if req.accept != "" {
		accept = req.accept
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
	return hr, nil
}

// roundTrip makes one attempt and reads the whole answer.
func (c *Client) roundTrip(ctx context.Context, req *request, u *url.URL) (*Response, error) {
	hr, err := c.httpRequest(ctx, req, u, "application/json")
	if err != nil {
		return nil, err
	}
	hresp, err := c.http.Do(hr)
	if err != nil {
		return nil, err
	}
	defer hresp.Body.Close()
	data, err := io.ReadAll(hresp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the response: %w", err)
	}
	c.warn(ctx, hresp.Header)
	return &Response{Code: hresp.StatusCode, Header: hresp.Header, Body: data}, nil
}

func warnings(h http.Header) []utilnet.WarningHeader {
	if len(h["Warning"]) == 0 {
		return nil
	}
	ws, _ := utilnet.ParseWarningHeaders(h["Warning"])
	return ws
}

// responseError builds the error of a non-2xx response: the server's own
// Status when it sent one, else what client-go builds from the code and
// body, naming the resource and name the request was about.
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
