package kobj

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/flowcontrol"

	"github.com/kobj-dev/kobj/internal/cachekit"
	"github.com/kobj-dev/kobj/internal/discoveryindex"
	"github.com/kobj-dev/kobj/internal/ssa"
	"github.com/kobj-dev/kobj/internal/wire"
)

// Client is a connection to one cluster: its HTTP transport, its default
// namespace, and the caches of what the server serves. It is safe for
// concurrent use; make one per cluster and share it.
type Client struct {
	base      *url.URL // scheme, host and path prefix of every request
	cfg       *rest.Config
	http      *http.Client
	userAgent string
	namespace string
	manager   string                  // Apply's field manager when a call names none
	limiter   flowcontrol.RateLimiter // nil: no client-side rate limiting
	wire      *wire.Wire              // the request path, over http
	disc      *discoveryCache
	ops       *opsIndex
}

// NewClient returns a client for the cluster that cfg describes: its TLS
// settings, credentials, WrapTransport, Timeout and warning handler are
// used as they are, and a Host with a path (https://host/k8s/clusters/c-1)
// prefixes every request. Client-side rate limiting: RateLimit when given,
// else cfg.RateLimiter when set, else cfg.QPS and cfg.Burst when QPS > 0;
// a zero QPS means none (client-go would apply 5 QPS), since the server's
// priority and fairness already protects it. It fails when cfg is nil or
// its address or transport cannot be built.
func NewClient(cfg *rest.Config, opts ...ClientOption) (*Client, error) {
	if cfg == nil {
		return nil, errorf("NewClient", "nil rest.Config")
	}
	var o clientOptions
	for _, opt := range opts {
		if opt != nil {
			opt.applyToClient(&o)
		}
	}
	cfg = rest.CopyConfig(cfg)
	base, _, err := rest.DefaultServerUrlFor(cfg)
	if err != nil {
		return nil, errorf("NewClient", "%w", err)
	}
	base.Path = strings.TrimSuffix(base.Path, "/")
	hc := o.httpClient
	if hc == nil {
		if hc, err = rest.HTTPClientFor(cfg); err != nil {
			return nil, errorf("NewClient", "%w", err)
		}
	}
	c := &Client{base: base, cfg: cfg, http: hc, userAgent: cfg.UserAgent, namespace: o.namespace}
	if c.userAgent == "" {
		c.userAgent = "kobj " + rest.DefaultKubernetesUserAgent()
		cfg.UserAgent = c.userAgent
	}
	if c.namespace == "" {
		c.namespace = "default"
	}
	c.manager = defaultFieldManager
	if o.manager != nil {
		if err := ssa.ValidFieldManager(*o.manager); err != nil {
			return nil, errorf("NewClient", "DefaultFieldManager(%q): %w", *o.manager, err)
		}
		c.manager = *o.manager
	}
	switch {
	case o.qps > 0:
		c.limiter = flowcontrol.NewTokenBucketRateLimiter(o.qps, max(o.burst, 1))
	case cfg.RateLimiter != nil:
		c.limiter = cfg.RateLimiter
	case cfg.QPS > 0:
		c.limiter = flowcontrol.NewTokenBucketRateLimiter(cfg.QPS, max(cfg.Burst, 1))
	}
	if o.maxInFlight <= 0 {
		o.maxInFlight = DefaultMaxInFlight
	}
	c.wire = wire.New(wire.Config{Base: base, HTTP: hc, UserAgent: c.userAgent, Limiter: c.limiter,
		Warnings: onceWithinACall{warningHandler(cfg)}, MaxInFlight: o.maxInFlight})
	root := ""
	if o.cacheDir != nil {
		if *o.cacheDir != "" {
			root = filepath.Join(*o.cacheDir, hostFolder(cfg.Host))
		}
	} else if user, err := os.UserCacheDir(); err == nil {
		root = filepath.Join(user, "kobj", hostFolder(cfg.Host))
	}
	discoveryHTTP := *hc // the same connections; v2beta1 accepted as well
	discoveryHTTP.Transport = discoveryindex.AcceptV2Beta1(hc.Transport)
	dc, err := discovery.NewDiscoveryClientForConfigAndClient(cfg, &discoveryHTTP)
	if err != nil {
		return nil, errorf("NewClient", "%w", err)
	}
	// One folder per server; its two caches fall back to memory together.
	dir := cachekit.NewDir(root)
	c.disc = newDiscoveryCache(dc, dir.Sub("discovery"), o.ttl)
	c.ops = newOpsIndex(c, dir.Sub("openapi"))
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

// Host returns the address of the API server, with its path prefix if any.
func (c *Client) Host() string { return c.base.String() }

// Dynamic returns a client-go dynamic client over the same transport and
// connections as c, for code written against dynamic.Interface. It fails
// only when the client's configuration cannot make one.
func (c *Client) Dynamic() (dynamic.Interface, error) {
	d, err := dynamic.NewForConfigAndClient(c.cfg, c.http)
	if err != nil {
		return nil, errorf("Dynamic", "%w", err)
	}
	return d, nil
}

// RESTConfig returns a copy of the configuration c was made from, with c's
// client-side rate limiter (nil: none) in place of its QPS and Burst, for
// client-go machinery that takes a *rest.Config (typed clientsets, leader
// election, events). Pass it with [Client.HTTPClient] to share c's
// connections: kubernetes.NewForConfigAndClient(c.RESTConfig(), c.HTTPClient()).
func (c *Client) RESTConfig() *rest.Config {
	cfg := rest.CopyConfig(c.cfg)
	cfg.RateLimiter = c.limiter
	if c.limiter == nil {
		cfg.QPS = -1
	}
	return cfg
}

// HTTPClient returns the HTTP client every request of c goes through: its
// transport holds c's credentials, TLS settings and connection pool.
func (c *Client) HTTPClient() *http.Client { return c.http }

// Close closes the client's idle connections. Calls made after Close open
// new ones; Close is for programs that make clients one after another.
func (c *Client) Close() { c.http.CloseIdleConnections() }

var (
	defaultMu     sync.Mutex
	defaultClient *Client
)

// DefaultClient returns the process-wide client, made on first use from
// $KUBECONFIG, else ~/.kube/config, else the in-cluster service account, as
// kubectl finds them; its default namespace is the current context's. Once
// made, later calls return the same client. A failure is not remembered:
// the next call tries again, so a program started before its kubeconfig
// was mounted recovers. The error wraps ErrNoClient when no configuration
// was found. It is safe for concurrent use.
func DefaultClient() (*Client, error) {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	if defaultClient != nil {
		return defaultClient, nil
	}
	c, err := NewClientFromKubeconfig("", "")
	if err != nil {
		return nil, err
	}
	defaultClient = c
	return c, nil
}

// SetDefaultClient replaces the process-wide client; nil makes the next
// DefaultClient call load it from the environment again.
func SetDefaultClient(c *Client) {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	defaultClient = c
}

// NewClientFromKubeconfig returns a client for a context of a kubeconfig
// file: path "" means kubectl's usual search ($KUBECONFIG, else
// ~/.kube/config, else the in-cluster service account), contextName "" the
// file's current context. The client's default namespace is the context's,
// unless opts give DefaultNamespace. It fails, wrapping ErrNoClient, when
// no configuration is found, and when the file or context is invalid.
func NewClientFromKubeconfig(path, contextName string, opts ...ClientOption) (*Client, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = path
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: contextName})
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, errorf("NewClientFromKubeconfig", "%w: %w", ErrNoClient, err)
	}
	ns, _, err := cc.Namespace()
	if err != nil {
		return nil, errorf("NewClientFromKubeconfig", "the context's namespace: %w", err)
	}
	return NewClient(cfg, append([]ClientOption{DefaultNamespace(ns)}, opts...)...)
}

// SetClient makes c the object's client for later calls, and returns o.
func (o *Object) SetClient(c *Client) *Object { o.client = c; return o }

// Client returns the object's own client, or nil.
func (o *Object) Client() *Client { return o.client }
