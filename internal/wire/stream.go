package wire

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
)

// Open is the answer of a streaming request: the status code, the
// headers, and the body, still open.
type Open struct {
	Code   int
	Header http.Header
	Body   io.ReadCloser
}

// maxErrorBody bounds what is read of an error answer on the streaming
// path: a Status is small; a misbehaving proxy's page is not worth more.
const maxErrorBody = 1 << 20

// Stream sends req on the streaming path and returns the open body, which
// the caller must close. Unlike Do, it takes no in-flight slot (a log
// followed for an hour must not starve the other calls), it is not cut by
// the http.Client's Timeout, which is meant for whole answers, and it
// never reads the body into memory; the body reports the end of ctx as
// ctx's own error. Retries follow Do. A status outside 2xx is read
// (bounded), closed and returned as an *apierrors.StatusError, with no
// Open.
func (w *Wire) Stream(ctx context.Context, req *Request) (Open, error) {
	head, body, err := w.retrying(ctx, req, true)
	if err != nil {
		return Open{}, err
	}
	w.warnOrClose(ctx, head.Header, body)
	if head.Code < 200 || head.Code > 299 {
		data, err := io.ReadAll(io.LimitReader(body, maxErrorBody))
		body.Close()
		if err != nil && ctx.Err() != nil {
			return Open{}, ctx.Err()
		}
		return Open{}, responseError(req, head.Code, data)
	}
	return Open{Code: head.Code, Header: head.Header, Body: &streamBody{ctx: ctx, body: body}}, nil
}

// streamHTTP is the http.Client without its Timeout: the same transport
// and connections.
func (w *Wire) streamHTTP() *http.Client {
	hc := *w.http
	hc.Timeout = 0
	return &hc
}

// send makes one attempt and returns the answer's head, with its body
// unread.
func (w *Wire) send(ctx context.Context, hc *http.Client, req *Request, u *url.URL) (Reply, io.ReadCloser, error) {
	hr, err := w.httpRequest(ctx, req, u, "application/json, */*")
	if err != nil {
		return Reply{}, nil, err
	}
	hresp, err := hc.Do(hr)
	if err != nil {
		return Reply{}, nil, err
	}
	return Reply{Code: hresp.StatusCode, Header: hresp.Header}, hresp.Body, nil
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

// warnOrClose hands h's warnings on, and closes body if the handler
// panics: the caller never gets the body then, and nobody else would
// close it.
func (w *Wire) warnOrClose(ctx context.Context, h http.Header, body io.Closer) {
	handed := false
	defer func() {
		if !handed {
			body.Close()
		}
	}()
	w.warn(ctx, h)
	handed = true
}
