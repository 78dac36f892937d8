package wire

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"

	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/tools/metrics"

	"github.com/kobj-dev/kobj/internal/cachekit"
)

// MaxRetries bounds the retries of one request, as client-go's rest client
// does: after a response with Retry-After (429, or 5xx during overload), or
// a connection lost while sending an idempotent request.
const MaxRetries = 10

// retrying makes attempts of req until one is not worth retrying
// (retryWait says which are), throttled and counted in the metrics. Do's
// attempts (stream false) each hold a MaxInFlight slot and read the whole
// answer; Stream's take no slot and leave the body unread, returned open
// (and closed here before a retry). A canceled call sends nothing.
func (w *Wire) retrying(ctx context.Context, req *Request, stream bool) (Reply, io.ReadCloser, error) {
	u := w.URL(req.Path, req.Query)
	tmpl := *u
	if req.Template != "" {
		tmpl = *w.URL(req.Template, nil)
	}
	var hc *http.Client
	if stream {
		hc = w.streamHTTP()
	}
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return Reply{}, nil, err
		}
		if err := w.Throttle(ctx, req.Method, tmpl); err != nil {
			return Reply{}, nil, err
		}
		var (
			resp Reply
			body io.ReadCloser
			err  error
		)
		start := time.Now()
		if stream {
			resp, body, err = w.send(ctx, hc, req, u)
		} else {
			if err := w.acquire(ctx); err != nil {
				return Reply{}, nil, err
			}
			resp, err = w.roundTrip(ctx, req, u)
			<-w.inflight
			// The handler runs after the slot is given back: it is the
			// user's code, and may be slow or panic.
			w.warn(ctx, resp.Header)
		}
		w.observe(ctx, req.Method, tmpl, start, resp.Code, err, attempt > 0)
		if wait, ok := retryWait(req, &resp, err, attempt); ok {
			if body != nil {
				drainClose(body)
			}
			if err := cachekit.Sleep(ctx, wait); err != nil {
				return Reply{}, nil, err
			}
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return Reply{}, nil, ctx.Err()
			}
			return Reply{}, nil, fmt.Errorf("%s %s: %w", req.Method, u.Redacted(), err)
		}
		return resp, body, nil
	}
}

// Throttle waits for the client-side rate limiter, when there is one, and
// reports the wait to client-go's metrics under method and the URL
// template u. It fails when ctx ends first, or when the limiter says the
// wait would outlast ctx.
func (w *Wire) Throttle(ctx context.Context, method string, u url.URL) error {
	if w.limiter == nil {
		return nil
	}
	start := time.Now()
	err := w.limiter.Wait(ctx)
	metrics.RateLimiterLatency.Observe(ctx, method, u, time.Since(start))
	return err
}

// acquire takes an in-flight slot, or fails when ctx ends first.
func (w *Wire) acquire(ctx context.Context) error {
	select {
	case w.inflight <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// observe reports one attempt to client-go's metrics hooks, so that kobj's
// traffic shows in an operator's rest_client_* metrics.
func (w *Wire) observe(ctx context.Context, method string, u url.URL, start time.Time, status int, err error, retry bool) {
	metrics.RequestLatency.Observe(ctx, method, u, time.Since(start))
	code := "<error>"
	if err == nil {
		code = strconv.Itoa(status)
	}
	metrics.RequestResult.Increment(ctx, code, method, w.base.Host)
	if retry {
		metrics.RequestRetry.IncrementRetry(ctx, code, method, w.base.Host)
	}
}

// retryWait says whether an attempt is worth another, and after how long:
// a response whose Retry-After asks for it (429 or 5xx), or a connection
// lost while sending a request that is safe to send twice, after a second,
// as client-go does. Nothing that could create twice is retried blindly.
func retryWait(req *Request, resp *Reply, err error, attempt int) (time.Duration, bool) {
	if attempt >= MaxRetries {
		return 0, false
	}
	if err != nil {
		safe := req.Method == http.MethodGet || req.Idempotent
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

// drainClose reads a little of a body before closing it, so that its
// connection may be reused.
func drainClose(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	body.Close()
}
