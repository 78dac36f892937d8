package operator

import (
	"context"
	"net/url"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/tools/metrics"
)

// restClientBuckets are Kubernetes' (and controller-runtime's) buckets for
// the client's latency histograms.
var restClientBuckets = []float64{0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0}

// clientMetrics are a Manager's rest_client_* collectors: every request
// kobj (internal/wire) and client-go's REST client (the informers' lists
// and watches, the event sink) make in the process, as client-go's
// tools/metrics hooks report them.
type clientMetrics struct {
	requests    *prometheus.CounterVec   // code, method, host
	latency     *prometheus.HistogramVec // verb, host
	rateLimiter *prometheus.HistogramVec // verb, host
	retries     *prometheus.CounterVec   // code, verb, host
}

func newClientMetrics() *clientMetrics {
	hist := func(name, help string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: name, Help: help, Buckets: restClientBuckets,
			NativeHistogramBucketFactor:     1.1,
			NativeHistogramMaxBucketNumber:  100,
			NativeHistogramMinResetDuration: time.Hour,
		}, []string{"verb", "host"})
	}
	return &clientMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rest_client_requests_total",
			Help: "Number of HTTP requests, partitioned by status code, method, and host.",
		}, []string{"code", "method", "host"}),
		latency: hist("rest_client_request_duration_seconds", "Request latency in seconds. Broken down by verb and host."),
		rateLimiter: hist("rest_client_rate_limiter_duration_seconds",
			"Client side rate limiter latency in seconds. Broken down by verb, and host."),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rest_client_request_retries_total",
			Help: "Number of request retries, partitioned by status code, verb, and host.",
		}, []string{"code", "verb", "host"}),
	}
}

func (c *clientMetrics) register(r prometheus.Registerer) {
	r.MustRegister(c.requests, c.latency, c.rateLimiter, c.retries)
}

// clientHooks is the adapter kobj/operator registers with client-go's
// tools/metrics, fanning every report out to the clientMetrics of the
// Managers running now.
//
// It is package state, against this module's rule, because client-go's
// hooks are: tools/metrics.Register sets process-wide variables and
// takes effect once per process, so a second Manager cannot register its
// own, and the hooks carry no client identity to route by. Each Manager
// attaches its collectors while Run runs and detaches them when it ends,
// so a finished Manager neither leaks nor counts. Registering at the
// first Run rather than in init leaves the hooks alone in a program that
// imports the package without running a Manager.
type clientHooks struct {
	once  sync.Once
	owner string // "" when client-go holds these hooks; else who registered first

	mu    sync.Mutex                       // serialises attach and detach
	sinks atomic.Pointer[[]*clientMetrics] // copied on write: read on every request
}

var hooks = &clientHooks{}

// The hooks, one type per client-go interface (two take the same method).
type (
	resultHook      struct{ h *clientHooks }
	latencyHook     struct{ h *clientHooks }
	rateLimiterHook struct{ h *clientHooks }
	retryHook       struct{ h *clientHooks }
)

// register registers the hooks with client-go, once. When a package
// registered first (controller-runtime's pkg/metrics does in its init,
// and envtest imports it; k8s.io/component-base too), client-go keeps
// that package's adapters: owner names it.
func (h *clientHooks) register() {
	h.once.Do(func() {
		metrics.Register(metrics.RegisterOpts{
			RequestResult:      resultHook{h},
			RequestLatency:     latencyHook{h},
			RateLimiterLatency: rateLimiterHook{h},
			RequestRetry:       retryHook{h},
		})
		if got := metrics.RequestResult; got != (resultHook{h}) {
			h.owner = "an unknown package"
			if t := reflect.TypeOf(got); t != nil {
				if t.Kind() == reflect.Pointer {
					t = t.Elem()
				}
				h.owner = t.PkgPath()
			}
		}
	})
}

// attach makes c receive the client's reports until detach is called. It
// returns owner "" when it does; else the package whose adapters
// client-go already holds, and c receives nothing.
func (h *clientHooks) attach(c *clientMetrics) (detach func(), owner string) {
	h.register()
	if h.owner != "" {
		return func() {}, h.owner
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var next []*clientMetrics
	if cur := h.sinks.Load(); cur != nil {
		next = slices.Clone(*cur)
	}
	next = append(next, c)
	h.sinks.Store(&next)
	return func() { h.detach(c) }, ""
}

func (h *clientHooks) detach(c *clientMetrics) {
	h.mu.Lock()
	defer h.mu.Unlock()
	cur := h.sinks.Load()
	if cur == nil {
		return
	}
	next := slices.DeleteFunc(slices.Clone(*cur), func(s *clientMetrics) bool { return s == c })
	h.sinks.Store(&next)
}

// each calls f for every attached clientMetrics.
func (h *clientHooks) each(f func(*clientMetrics)) {
	if cur := h.sinks.Load(); cur != nil {
		for _, c := range *cur {
			f(c)
		}
	}
}

func (r resultHook) Increment(_ context.Context, code, method, host string) {
	r.h.each(func(c *clientMetrics) { c.requests.WithLabelValues(code, method, host).Inc() })
}

func (l latencyHook) Observe(_ context.Context, verb string, u url.URL, d time.Duration) {
	l.h.each(func(c *clientMetrics) { c.latency.WithLabelValues(verb, u.Host).Observe(d.Seconds()) })
}

func (l rateLimiterHook) Observe(_ context.Context, verb string, u url.URL, d time.Duration) {
	l.h.each(func(c *clientMetrics) { c.rateLimiter.WithLabelValues(verb, u.Host).Observe(d.Seconds()) })
}

func (r retryHook) IncrementRetry(_ context.Context, code, method, host string) {
	r.h.each(func(c *clientMetrics) { c.retries.WithLabelValues(code, method, host).Inc() })
}
