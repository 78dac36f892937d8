package wire

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"
)

// Config is what a Wire sends with.
type Config struct {
	// Base is the scheme, host and path prefix of every request
	// (https://host/k8s/clusters/c-1); its path has no trailing slash.
	Base *url.URL
	// HTTP sends the requests: its transport carries the credentials.
	HTTP      *http.Client
	UserAgent string
	// Limiter is the client-side rate limiter; nil means none.
	Limiter flowcontrol.RateLimiter
	// Warnings receives the answers' Warning headers; nil drops them.
	Warnings rest.WarningHandlerWithContext
	// MaxInFlight bounds the requests Do has on the wire at once; at
	// least 1.
	MaxInFlight int
}

// Wire sends requests to one API server. It is safe for concurrent use.
type Wire struct {
	base      *url.URL
	http      *http.Client
	userAgent string
	limiter   flowcontrol.RateLimiter
	warnings  rest.WarningHandlerWithContext
	inflight  chan struct{} // one slot per request in flight
}

// New returns a Wire that sends as cfg says.
func New(cfg Config) *Wire {
	return &Wire{
		base:      cfg.Base,
		http:      cfg.HTTP,
		userAgent: cfg.UserAgent,
		limiter:   cfg.Limiter,
		warnings:  cfg.Warnings,
		inflight:  make(chan struct{}, max(cfg.MaxInFlight, 1)),
	}
}

// Request is one call to the API server.
type Request struct {
	Method string
	// Path is absolute below the server's URL, escaped (names in it went
	// through url.PathEscape): /api/v1/namespaces/ns/pods.
	Path string
	// Template is Path with names as {placeholders}, for the metrics;
	// Path when empty.
	Template    string
	Query       url.Values
	Body        []byte
	ContentType string // of Body; application/json when empty
	Accept      string // the path's own default when empty
	// Idempotent marks a request that may be sent twice with the same
	// effect (a write with a resourceVersion precondition), so that a
	// connection lost on the way is retried, as GETs are.
	Idempotent bool
	// Resource and Name are what the request is about, for the error of
	// an answer that carries no Status.
	Resource schema.GroupResource
	Name     string
}

// Reply is an answer read whole.
type Reply struct {
	Code   int
	Header http.Header
	Body   []byte
}

// URL is the address of path (escaped) with query below the server's URL:
// a server URL with a path prefixes every request, as in client-go.
func (w *Wire) URL(path string, query url.Values) *url.URL {
	u := *w.base
	u.RawPath = strings.TrimSuffix(w.base.EscapedPath(), "/") + path
	if p, err := url.PathUnescape(u.RawPath); err == nil {
		u.Path = p
	} else {
		u.Path = u.RawPath
	}
	u.RawQuery = query.Encode()
	return &u
}

// Do sends req and reads the whole answer. A status outside 2xx is an
// *apierrors.StatusError (the server's own Status when it sent one),
// returned with the Reply. A request that got no answer returns the zero
// Reply (Code 0) and fails with an error naming its method and URL, or
// with ctx's error when ctx ended. An in-flight slot is held only while a
// request is on the wire, not while waiting to retry it.
func (w *Wire) Do(ctx context.Context, req *Request) (Reply, error) {
	r, _, err := w.retrying(ctx, req, false)
	if err != nil {
		return Reply{}, err
	}
	if r.Code < 200 || r.Code > 299 {
		return r, responseError(req, r.Code, r.Body)
	}
	return r, nil
}

// httpRequest is req as an HTTP request to u, accepting req.Accept, else
// accept.
func (w *Wire) httpRequest(ctx context.Context, req *Request, u *url.URL, accept string) (*http.Request, error) {
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if req.Accept != "" {
		accept = req.Accept
	}
	hr.Header.Set("Accept", accept)
	hr.Header.Set("User-Agent", w.userAgent)
	if req.Body != nil {
		ct := req.ContentType
		if ct == "" {
			ct = "application/json"
		}
		hr.Header.Set("Content-Type", ct)
	}
	return hr, nil
}

// roundTrip makes one attempt and reads the whole answer; its warnings
// are the caller's to hand on.
func (w *Wire) roundTrip(ctx context.Context, req *Request, u *url.URL) (Reply, error) {
	hr, err := w.httpRequest(ctx, req, u, "application/json")
	if err != nil {
		return Reply{}, err
	}
	hresp, err := w.http.Do(hr)
	if err != nil {
		return Reply{}, err
	}
	defer hresp.Body.Close()
	data, err := io.ReadAll(hresp.Body)
	if err != nil {
		return Reply{}, fmt.Errorf("reading the response: %w", err)
	}
	return Reply{Code: hresp.StatusCode, Header: hresp.Header, Body: data}, nil
}

// warn hands the Warning headers of h to the warning handler.
func (w *Wire) warn(ctx context.Context, h http.Header) {
	if len(h["Warning"]) == 0 || w.warnings == nil {
		return
	}
	ws, _ := utilnet.ParseWarningHeaders(h["Warning"])
	for _, x := range ws {
		w.warnings.HandleWarningHeaderWithContext(ctx, x.Code, x.Agent, x.Text)
	}
}
