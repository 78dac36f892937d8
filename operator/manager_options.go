package operator

import "time"

// ManagerOption configures a Manager: GracefulShutdownTimeout,
// CacheSyncTimeout, CacheOptions, LeaderElection, LeaseDuration,
// RenewDeadline, RetryPeriod, ReleaseOnCancel, ProbeAddress,
// MetricsAddress.
type ManagerOption interface{ applyToManager(*managerOptions) }

// managerOptions gathers a Manager's options.
type managerOptions struct {
	gracefulShutdown time.Duration
	cacheSync        time.Duration
	cache            []CacheOption

	leaderElection            bool // LeaderElection was given
	leaseName, leaseNamespace string
	leaseDuration             time.Duration
	renewDeadline             time.Duration
	retryPeriod               time.Duration
	releaseOnCancel           bool

	probeAddress   string // "": no probe endpoints
	metricsAddress string // "": no metrics endpoint
}

// The defaults are controller-runtime's.
const (
	defaultGracefulShutdownTimeout = 30 * time.Second
	defaultCacheSyncTimeout        = 2 * time.Minute
	defaultLeaseDuration           = 15 * time.Second
	defaultRenewDeadline           = 10 * time.Second
	defaultRetryPeriod             = 2 * time.Second
)

func defaultManagerOptions() managerOptions {
	return managerOptions{gracefulShutdown: defaultGracefulShutdownTimeout, cacheSync: defaultCacheSyncTimeout,
		leaseDuration: defaultLeaseDuration, renewDeadline: defaultRenewDeadline, retryPeriod: defaultRetryPeriod}
}

// GracefulShutdownTimeout bounds how long Run waits, once its context
// ends, for the reconciles in flight to finish (default 30 s, as
// controller-runtime). Their context is canceled when it expires. Zero
// cancels them at once; a negative value waits without bound.
type GracefulShutdownTimeout time.Duration

func (d GracefulShutdownTimeout) applyToManager(o *managerOptions) {
	o.gracefulShutdown = time.Duration(d)
}

// CacheSyncTimeout bounds how long Run waits for the cache's first lists
// before it fails (default 2 minutes, as controller-runtime); zero or a
// negative value waits without bound.
type CacheSyncTimeout time.Duration

func (d CacheSyncTimeout) applyToManager(o *managerOptions) { o.cacheSync = time.Duration(d) }

// CacheOptions are given to the NewCache call that makes the Manager's
// Cache (Namespaces, Scope, Transform, StripManagedFields, MetadataOnly).
func CacheOptions(opts ...CacheOption) ManagerOption { return cacheOptions(opts) }

type cacheOptions []CacheOption

func (c cacheOptions) applyToManager(o *managerOptions) { o.cache = append(o.cache, c...) }

// LeaderElection makes the Manager's replicas elect one leader through
// the coordination.k8s.io/v1 Lease name in namespace ("" means the
// client's default namespace): every replica syncs its caches, but only
// the one holding the Lease runs reconciles. The operator needs get,
// create and update on that Lease. NewManager fails on a name or
// namespace that is not a valid object name.
func LeaderElection(name, namespace string) ManagerOption {
	return leaderElection{name: name, namespace: namespace}
}

type leaderElection struct{ name, namespace string }

func (l leaderElection) applyToManager(o *managerOptions) {
	o.leaderElection, o.leaseName, o.leaseNamespace = true, l.name, l.namespace
}

// LeaseDuration is how long the other replicas wait, after they last saw
// the leader renew its Lease, before they take it over (default 15 s, as
// controller-runtime). The Lease holds whole seconds, so NewManager
// refuses a duration below one second or not a whole number of seconds,
// and one not above RenewDeadline.
type LeaseDuration time.Duration

func (d LeaseDuration) applyToManager(o *managerOptions) { o.leaseDuration = time.Duration(d) }

// RenewDeadline is how long the leader keeps trying to renew its Lease
// before it gives up leading, stops its reconciles and Run fails (default
// 10 s, as controller-runtime). NewManager refuses one not below
// LeaseDuration or not above 1.2 × RetryPeriod (client-go's jitter).
type RenewDeadline time.Duration

func (d RenewDeadline) applyToManager(o *managerOptions) { o.renewDeadline = time.Duration(d) }

// RetryPeriod is how often a replica tries to take or renew the Lease
// (default 2 s, as controller-runtime). NewManager refuses a non-positive
// one.
type RetryPeriod time.Duration

func (d RetryPeriod) applyToManager(o *managerOptions) { o.retryPeriod = time.Duration(d) }

// ReleaseOnCancel makes the leader give up its Lease when Run's context
// ends, after the reconciles in flight have finished, so that a standby
// replica takes over at once instead of after LeaseDuration. The Lease is
// not released while a reconcile still runs past GracefulShutdownTimeout.
func ReleaseOnCancel() ManagerOption { return releaseOnCancel{} }

type releaseOnCancel struct{}

func (releaseOnCancel) applyToManager(o *managerOptions) { o.releaseOnCancel = true }

// ProbeAddress makes Run serve the health probes on the TCP address addr
// (":8081"): /healthz (the process runs and, with LeaderElection, the
// leader renews its Lease) and /readyz (the caches have synced, every
// controller's kinds are served, and Run is not stopping), each with its
// checks also under /healthz/<name> and /readyz/<name>. Run binds it
// first and fails when it cannot. "" serves no probes.
func ProbeAddress(addr string) ManagerOption { return probeAddress(addr) }

type probeAddress string

func (a probeAddress) applyToManager(o *managerOptions) { o.probeAddress = string(a) }

// MetricsAddress makes Run serve the Manager's metrics in the Prometheus
// text format on the TCP address addr (":8080") at /metrics. Run binds it
// first and fails when it cannot. "" serves no metrics.
func MetricsAddress(addr string) ManagerOption { return metricsAddress(addr) }

type metricsAddress string

func (a metricsAddress) applyToManager(o *managerOptions) { o.metricsAddress = string(a) }
