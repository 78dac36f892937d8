package kobj

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kobj-dev/kobj/internal/cachekit"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/flowcontrol"
)

// Client is a connection to one cluster: its HTTP transport, its default
// namespace, and the caches of what the server serves. It is safe for
// concurrent use; make one per cluster and share it.
type Client struct {
	host      *url.URL
	http      *http.Client
	userAgent string
	namespace string
	limiter   flowcontrol.RateLimiter // nil: no client-side rate limiting
	warnings  rest.WarningHandlerWithContext
	inflight  chan struct{} // one slot per request in flight
	disc      *discoveryCache
	ops       *opsIndex
}

// ClientOption configures NewClient.
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
}

type clientOptionFunc func(*clientOptions)

func (f clientOptionFunc) applyToClient(o *clientOptions) { f(o) }

// DefaultNamespace sets the namespace used for namespaced kinds when a call
// names none; without it, NewClient uses "default" and DefaultClient the
// namespace of the kubeconfig's current context.
func DefaultNamespace(ns string) ClientOption {
	return clientOptionFunc(func(o *clientOptions) { o.namespace = ns })
}

// RateLimit turns on client-side rate limiting: qps requests a second on
// average, bursts of up to burst. By default there is none, and the
// server's priority and fairness governs.
func RateLimit(qps float32, burst int) ClientOption {
	return clientOptionFunc(func(o *clientOptions) { o.qps, o.burst = qps, burst })
}

// CacheDir sets the folder of the on-disk discovery and OpenAPI caches, ""
// to keep them in memory only. The default is kobj's folder under
// os.UserCacheDir, shared by every process of the user.
func CacheDir(dir string) ClientOption {
	return clientOptionFunc(func(o *clientOptions) { o.cacheDir = &dir })
}

// DiscoveryTTL sets how long on-disk discovery is trusted (default 6h, as
// kubectl). A kind missing from it is always looked up again.
func DiscoveryTTL(d time.Duration) ClientOption {
	return clientOptionFunc(func(o *clientOptions) { o.ttl = d })
}

// MaxInFlight bounds the requests the client has open at once (default
// 64); further calls, futures included, wait for a slot.
func MaxInFlight(n int) ClientOption {
	return clientOptionFunc(func(o *clientOptions) { o.maxInFlight = n })
}

// DefaultMaxInFlight is the bound on open requests when MaxInFlight is not given.
const DefaultMaxInFlight = 64

// NewClient returns a client for the cluster that cfg describes. cfg's QPS
// and Burst are ignored (see RateLimit); its TLS settings, credentials and
// WrapTransport are used as they are. It fails when cfg is nil or its
// transport cannot be built.
func NewClient(cfg *rest.Config, opts ...ClientOption) (*Client, error) {
	if cfg == nil {
		return nil, errors.New("kobj: NewClient: nil rest.Config")
	}
	var o clientOptions
	for _, opt := range opts {
		if opt != nil {
			opt.applyToClient(&o)
		}
	}
	cfg = rest.CopyConfig(cfg)
	host, _, err := rest.DefaultServerUrlFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("kobj: NewClient: %w", err)
	}
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("kobj: NewClient: %w", err)
	}
	c := &Client{host: host, http: hc, userAgent: cfg.UserAgent, namespace: o.namespace}
	if c.userAgent == "" {
		c.userAgent = "kobj " + rest.DefaultKubernetesUserAgent()
	}
	if c.namespace == "" {
		c.namespace = "default"
	}
	if o.qps > 0 {
		c.limiter = flowcontrol.NewTokenBucketRateLimiter(o.qps, max(o.burst, 1))
	}
	c.warnings = warningHandler(cfg)
	if o.maxInFlight <= 0 {
		o.maxInFlight = DefaultMaxInFlight
	}
	c.inflight = make(chan struct{}, o.maxInFlight)
	root := ""
	if o.cacheDir != nil {
		if *o.cacheDir != "" {
			root = filepath.Join(*o.cacheDir, hostFolder(cfg.Host))
		}
	} else if user, err := os.UserCacheDir(); err == nil {
		root = filepath.Join(user, "kobj", hostFolder(cfg.Host))
	}
	sub := func(name string) string {
		if root == "" {
			return ""
		}
		return filepath.Join(root, name)
	}
	c.disc = newDiscoveryCache(c.fetch, sub("discovery"), o.ttl)
	c.ops = newOpsIndex(c, cachekit.NewDir(sub("openapi")))
	return c, nil
}

// warningHandler picks the handler cfg asks for, else client-go's default.
func warningHandler(cfg *rest.Config) rest.WarningHandlerWithContext {
	switch {
	case cfg.WarningHandlerWithContext != nil:
		return cfg.WarningHandlerWithContext
	case cfg.WarningHandler != nil:
		return warningAdapter{cfg.WarningHandler}
	default:
		return warningAdapter{rest.WarningLogger{}}
	}
}

type warningAdapter struct{ h rest.WarningHandler }

func (w warningAdapter) HandleWarningHeaderWithContext(_ context.Context, code int, agent, text string) {
	w.h.HandleWarningHeader(code, agent, text)
}

// hostFolder turns a server address into a folder name, as kubectl does.
func hostFolder(host string) string {
	host = strings.TrimPrefix(strings.TrimPrefix(host, "https://"), "http://")
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, host)
	if strings.Trim(safe, ".") == "" { // "." or ".." would leave the cache folder
		safe = strings.Repeat("_", len(safe)+1)
	}
	return safe
}

// Namespace returns the namespace used when a call names none.
func (c *Client) Namespace() string { return c.namespace }

// Host returns the address of the API server.
func (c *Client) Host() string { return c.host.String() }

var (
	defaultMu     sync.Mutex
	defaultClient *Client
	defaultErr    error
	defaultMade   bool
)

// DefaultClient returns the process-wide client, made on first use from
// $KUBECONFIG, else ~/.kube/config, else the in-cluster service account, as
// kubectl finds them; its default namespace is the current context's. It is
// made once: later calls return the same client, or the same error. It is
// safe for concurrent use.
func DefaultClient() (*Client, error) {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	if !defaultMade {
		defaultClient, defaultErr = clientFromKubeconfig()
		defaultMade = true
	}
	return defaultClient, defaultErr
}

// SetDefaultClient replaces the process-wide client; nil makes the next
// DefaultClient call load it from the environment again.
func SetDefaultClient(c *Client) {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	defaultClient, defaultErr, defaultMade = c, nil, c != nil
}

func clientFromKubeconfig() (*Client, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{})
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoClient, err)
	}
	ns, _, err := cc.Namespace()
	if err != nil {
		return nil, fmt.Errorf("kobj: kubeconfig namespace: %w", err)
	}
	return NewClient(cfg, DefaultNamespace(ns))
}

// SetClient makes c the object's client for later calls, and returns o.
func (o *Object) SetClient(c *Client) *Object { o.client = c; return o }

// Client returns the object's own client, or nil.
func (o *Object) Client() *Client { return o.client }

// clientFor resolves the client of a call: the option's, else the object's,
// else the default.
func clientFor(opts *callOptions, o *Object) (*Client, error) {
	if opts != nil && opts.client != nil {
		return opts.client, nil
	}
	if o != nil && o.client != nil {
		return o.client, nil
	}
	c, err := DefaultClient()
	if err != nil {
		return nil, err
	}
	return c, nil
}
