package kobj

import (
	"net/http"
	"time"
)

// The options of [NewClient] and [NewClientFromKubeconfig].

// ClientOption configures NewClient and NewClientFromKubeconfig.
type ClientOption interface {
	applyToClient(*clientOptions)
}

type clientOptions struct {
	namespace   string
	qps         float32
	burst       int
	cacheDir    *string
	ttl         time.Duration
	maxInFlight int
	httpClient  *http.Client
	manager     *string
}

type clientOptionFunc func(*clientOptions)

func (f clientOptionFunc) applyToClient(o *clientOptions) { f(o) }

// DefaultNamespace sets the namespace used for namespaced kinds when a call
// names none. Without it, NewClient uses "default", and DefaultClient and
// NewClientFromKubeconfig the namespace of the kubeconfig's context.
func DefaultNamespace(ns string) ClientOption {
	return clientOptionFunc(func(o *clientOptions) { o.namespace = ns })
}

// RateLimit turns on client-side rate limiting: qps requests a second on
// average, bursts of up to burst; it takes precedence over the rest.Config's
// limits. By default there is none, and the server's priority and fairness
// governs (see NewClient).
func RateLimit(qps float32, burst int) ClientOption {
	return clientOptionFunc(func(o *clientOptions) { o.qps, o.burst = qps, burst })
}

// CacheDir sets the folder of the on-disk discovery and OpenAPI caches; ""
// keeps them in memory only, and nothing is written to disk. The default is
// the folder kobj under os.UserCacheDir ($XDG_CACHE_HOME or ~/.cache on
// Linux), shared by every process of the user, with one folder per server.
// A folder that cannot be written is not an error: the caches then stay in
// memory (one klog line at V(2) says so).
func CacheDir(dir string) ClientOption {
	return clientOptionFunc(func(o *clientOptions) { o.cacheDir = &dir })
}

// DiscoveryTTL sets how long on-disk discovery is trusted (default
// DefaultDiscoveryTTL, 6h, as kubectl). A kind missing from it is always
// looked up again.
func DiscoveryTTL(d time.Duration) ClientOption {
	return clientOptionFunc(func(o *clientOptions) { o.ttl = d })
}

// MaxInFlight bounds the requests the client has open at once (default
// 64); further calls, futures included, wait for a slot.
func MaxInFlight(n int) ClientOption {
	return clientOptionFunc(func(o *clientOptions) { o.maxInFlight = n })
}

// DefaultFieldManager sets the field manager that Apply uses when a call
// gives no FieldManager (default "kobj"). NewClient fails when name is
// empty, longer than 128 bytes, or not printable.
func DefaultFieldManager(name string) ClientOption {
	return clientOptionFunc(func(o *clientOptions) { o.manager = &name })
}

// defaultFieldManager is Apply's field manager when neither the call nor
// the client names one.
const defaultFieldManager = "kobj"

// DefaultMaxInFlight is the bound on open requests when MaxInFlight is not given.
const DefaultMaxInFlight = 64

// WithHTTPClient makes the client send every request through hc, sharing
// its transport and connections with the program's other clients (for
// example controller-runtime's mgr.GetHTTPClient()). hc must carry the
// credentials and TLS settings itself: NewClient then uses only the
// rest.Config's Host, APIPath, UserAgent, warning handler and limits.
func WithHTTPClient(hc *http.Client) ClientOption {
	return clientOptionFunc(func(o *clientOptions) { o.httpClient = hc })
}
