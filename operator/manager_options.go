package operator

import "time"

// ManagerOption configures a Manager: GracefulShutdownTimeout,
// CacheSyncTimeout, CacheOptions.
type ManagerOption interface{ applyToManager(*managerOptions) }

// managerOptions gathers a Manager's options.
type managerOptions struct {
	gracefulShutdown time.Duration
	cacheSync        time.Duration
	cache            []CacheOption
}

// The defaults are controller-runtime's.
const (
	defaultGracefulShutdownTimeout = 30 * time.Second
	defaultCacheSyncTimeout        = 2 * time.Minute
)

func defaultManagerOptions() managerOptions {
	return managerOptions{gracefulShutdown: defaultGracefulShutdownTimeout, cacheSync: defaultCacheSyncTimeout}
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
