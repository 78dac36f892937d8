package operator

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kobj-dev/kobj"
	"k8s.io/klog/v2"
)

// Manager runs an operator's controllers over one shared Cache.
type Manager struct {
	client   *kobj.Client
	cache    *Cache
	recorder *recorder       // events.go; nil: Event does nothing
	metrics  *managerMetrics // metrics.go
	opts     managerOptions
	leader   *leader // leader.go; nil without LeaderElection

	healthChecks, readyChecks *checks // probes.go
	phase                     atomic.Int32
	stopReason                atomic.Pointer[error] // why Run stops early (the Lease is lost)

	mu          sync.Mutex
	controllers []*controller
	started     bool
}

// The phases of Run, for /readyz.
const (
	phaseNew      int32 = iota // Run has not started
	phaseSyncing               // the caches are syncing
	phaseSynced                // the caches have synced: standing by or leading
	phaseStopping              // Run's context has ended, or the Lease is lost
)

// NewManager returns a Manager whose controllers and Cache use c; nil c
// means kobj.DefaultClient(). It sends no request. It fails when there
// is no default client, when the cache or event recorder cannot be made,
// and on lease timings that cannot work or an invalid Lease name (naming
// each option at fault).
func NewManager(c *kobj.Client, opts ...ManagerOption) (*Manager, error) {
	if c == nil {
		var err error
		if c, err = kobj.DefaultClient(); err != nil {
			return nil, fmt.Errorf("operator: NewManager: %w", err)
		}
	}
	m := &Manager{client: c, opts: defaultManagerOptions(), metrics: newManagerMetrics()}
	for _, o := range opts {
		if o != nil {
			o.applyToManager(&m.opts)
		}
	}
	if err := checkTimings(m.opts); err != nil {
		return nil, fmt.Errorf("operator: NewManager: %w", err)
	}
	var err error
	if m.opts.leaderElection {
		if m.leader, err = newLeader(c, m.opts); err != nil {
			return nil, fmt.Errorf("operator: NewManager: %w", err)
		}
	}
	m.newChecks()
	if m.cache, err = NewCache(c, m.opts.cache...); err != nil {
		return nil, fmt.Errorf("operator: NewManager: %w", err)
	}
	if m.recorder, err = newRecorder(m); err != nil {
		return nil, fmt.Errorf("operator: NewManager: events: %w", err)
	}
	return m, nil
}

// Client returns the Client the Manager's controllers use.
func (m *Manager) Client() *kobj.Client { return m.client }

// Cache returns the Manager's Cache, shared by its controllers; Run
// stops it when it returns.
func (m *Manager) Cache() *Cache { return m.cache }

// Add checks the controller b describes and adds it, to start with Run.
// It reports every problem of b at once, and nothing is added or
// started: a Builder's recorded errors (bad kinds, Workers(0), nil
// functions, an invalid predicate or finalizer name), no Reconcile, a
// second controller for the same kind, a kind the server does not serve
// and no CustomResourceDefinition could (a group without a dot: the core
// group, apps, batch...; wrapping the discovery's no-match error), and an
// Owns kind that is cluster-scoped under a namespaced For kind. It fails
// after Run started.
//
// A kind of a group with a dot that the server does not serve yet is
// accepted: Run logs "waiting for the CRD of <apiVersion> <Kind>",
// follows CustomResourceDefinitions, and starts the controller once a CRD
// serving the kind is Established; it pauses the controller while the
// CRD is gone, and resumes it when the CRD is back.
func (m *Manager) Add(b *Builder) error {
	if b == nil {
		return errors.New("operator: Add(nil): no controller (start one with operator.For)")
	}
	what := "operator: controller for " + b.forKind.String()
	errs := []error{}
	if err := b.validate(); err != nil {
		errs = append(errs, err)
	}
	m.mu.Lock()
	started := m.started
	for _, c := range m.controllers {
		if sameKind(c.forKind, b.forKind) {
			errs = append(errs, fmt.Errorf("a controller for %s is added already (one per kind)", c.forKind))
		}
	}
	m.mu.Unlock()
	if started {
		return fmt.Errorf("%s: Add after Run: add every controller before Run", what)
	}
	forNamespaced, err := m.resolve(b, &errs)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s: %w", what, errors.Join(errs...))
	}
	c := newController(m, b, forNamespaced)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.started {
		return fmt.Errorf("%s: Add after Run: add every controller before Run", what)
	}
	for _, o := range m.controllers {
		if sameKind(o.forKind, b.forKind) {
			return fmt.Errorf("%s: a controller for %s is added already (one per kind)", what, o.forKind)
		}
	}
	m.controllers = append(m.controllers, c)
	return nil
}

// resolve asks the server for the scope of every kind b names, appending
// a problem per kind to errs; it returns whether the For kind is
// namespaced, or the For kind's error. A kind the server does not serve
// but a CustomResourceDefinition could (its group has a dot) is not a
// problem: the controller waits for it (controller_kinds.go), and the
// scopes that involve it are checked once it is served.
func (m *Manager) resolve(b *Builder, errs *[]error) (bool, error) {
	if checkKind(b.forKind.APIVersion, b.forKind.Kind) != nil {
		return false, nil // reported by the builder
	}
	forNamespaced, err := m.cache.namespaced(b.forKind.APIVersion, b.forKind.Kind)
	forAwaited := err != nil && awaitable(b.forKind, err)
	if err != nil && !forAwaited {
		return false, fmt.Errorf("For(%q, %q): %w", b.forKind.APIVersion, b.forKind.Kind, err)
	}
	for _, k := range b.owns {
		ns, err := m.cache.namespaced(k.APIVersion, k.Kind)
		switch {
		case err != nil && awaitable(k, err):
		case err != nil:
			*errs = append(*errs, fmt.Errorf("Owns(%q, %q): %w", k.APIVersion, k.Kind, err))
		case !forAwaited && forNamespaced && !ns:
			*errs = append(*errs, fmt.Errorf("Owns(%q, %q): %s is cluster-scoped and %s is namespaced: "+
				"a cluster-scoped object cannot have a namespaced owner (the garbage collector would delete it)",
				k.APIVersion, k.Kind, k.Kind, b.forKind.Kind))
		}
	}
	for _, w := range b.watches {
		if _, err := m.cache.namespaced(w.kind.APIVersion, w.kind.Kind); err != nil && !awaitable(w.kind, err) {
			*errs = append(*errs, fmt.Errorf("Watches(%q, %q, ...): %w", w.kind.APIVersion, w.kind.Kind, err))
		}
	}
	return forNamespaced, nil
}

// Run runs the Manager until ctx ends. In order: it binds the probe and
// metrics addresses (ProbeAddress, MetricsAddress) and serves them; it
// starts the cache's informers for every controller's kinds and waits for
// their first lists (bounded by CacheSyncTimeout); with LeaderElection it
// then waits to hold the Lease, so that a replica standing by has warm
// caches when it takes over; then it starts the controllers' workers.
//
// When ctx ends it stops taking work, lets the reconciles in flight finish
// with a context that stays live (bounded by GracefulShutdownTimeout,
// after which it is canceled), releases the Lease if ReleaseOnCancel (not
// while a reconcile still runs), stops the cache, the event recorder and
// the endpoints, and returns with none of its goroutines left (except,
// after the timeout, the workers of reconciles that ignore their canceled
// context, until they return).
//
// It returns nil after a clean shutdown; an error, before any controller
// starts, when an address cannot be bound, a kind cannot be watched, the
// caches do not sync in time, or the Lease cannot be read or written
// (RBAC: the server's Forbidden is wrapped); an error when the leader
// loses its Lease (its reconciles' context is canceled at once, as another
// replica may lead by now), when reconciles are still running at the
// graceful timeout, or when Run was called before.
func (m *Manager) Run(ctx context.Context) error {
	m.mu.Lock()
	if m.started {
		m.mu.Unlock()
		return errors.New("operator: Run called twice: a Manager runs once")
	}
	m.started = true
	ctls := m.controllers
	m.mu.Unlock()

	logger := klog.FromContext(ctx).WithName("operator")
	eps, err := m.listen()
	if err != nil {
		return err
	}
	eps.serve(logger)
	defer eps.stop()
	defer m.phase.Store(phaseStopping)
	detachClientMetrics, owner := hooks.attach(m.metrics.client)
	defer detachClientMetrics()
	if owner != "" {
		logger.Info("Client request metrics (rest_client_*) are not served: client-go's metrics hooks were registered first by another package, whose registry counts them",
			"package", owner)
	}
	defer m.cache.Stop()

	// The recorder outlives the reconciles, which may still emit events
	// while they finish.
	recCtx, stopRecorder := context.WithCancel(context.WithoutCancel(ctx))
	var recorderDone sync.WaitGroup
	defer func() {
		stopRecorder()
		recorderDone.Wait()
	}()
	if m.recorder != nil {
		recorderDone.Go(func() { m.recorder.run(recCtx) })
	}

	m.phase.Store(phaseSyncing)
	for _, c := range ctls {
		c.init(logger)
		if err := c.subscribe(m.cache); err != nil {
			m.shutDownQueues(ctls)
			return fmt.Errorf("operator: %w", err)
		}
	}
	if err := m.waitForSync(ctx); err != nil {
		m.shutDownQueues(ctls)
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	m.phase.Store(phaseSynced)

	var lost <-chan struct{} // closed when the Lease is lost
	if l := m.leader; l != nil {
		// The election outlives ctx: the Lease is released only after
		// the reconciles have finished.
		leCtx, stopElection := context.WithCancel(klog.NewContext(context.WithoutCancel(ctx), logger.WithName("leaderelection")))
		l.run(leCtx)
		defer func() {
			stopElection()
			<-l.stopped
		}()
		logger.V(1).Info("Caches synced; waiting to lead", "lease", l.desc, "identity", l.identity())
		select {
		case <-l.elected:
		case <-l.failed:
			m.shutDownQueues(ctls)
			return fmt.Errorf("operator: %w", l.err)
		case <-ctx.Done():
			m.shutDownQueues(ctls)
			return nil
		}
		var stopWatching func()
		lost, stopWatching = m.lostLease()
		defer stopWatching()
		logger.V(1).Info("Leading", "lease", l.desc, "identity", l.identity())
	}

	// Reconciles keep a live context through shutdown, until the
	// graceful timeout.
	workCtx, cancelWork := context.WithCancel(klog.NewContext(context.WithoutCancel(ctx), logger))
	defer cancelWork()
	logger.V(1).Info("Starting controllers", "controllers", len(ctls))
	for _, c := range ctls {
		c.start(workCtx)
	}
	var lostErr error
	select {
	case <-ctx.Done():
		logger.V(1).Info("Stopping: waiting for the reconciles in flight")
	case <-lost:
		lostErr = *m.stopReason.Load()
		// Another replica may lead by now: as controller-runtime, no
		// graceful time for the reconciles.
		cancelWork()
		logger.Error(lostErr, "Stopping")
	}
	m.phase.Store(phaseStopping)

	drained := make([]<-chan struct{}, len(ctls))
	for i, c := range ctls {
		drained[i] = c.stopIntake()
	}
	workersDone := make(chan struct{})
	go func() {
		defer close(workersDone)
		for _, c := range ctls {
			c.running.Wait()
		}
	}()
	var err2 error
	if !m.waitGraceful(workersDone) {
		cancelWork()
		err2 = fmt.Errorf("operator: reconciles still running after the graceful shutdown timeout (%s); their context is canceled",
			m.opts.gracefulShutdown)
		if m.leader != nil && m.opts.releaseOnCancel {
			err2 = fmt.Errorf("%w; the Lease is not released (it expires after LeaseDuration)", err2)
		}
		logger.Error(err2, "Shutdown")
	} else if m.leader != nil && lostErr == nil {
		m.leader.lock.releasable.Store(true)
	}
	for i, c := range ctls {
		c.shutDown()
		if err2 == nil {
			<-drained[i]
		}
	}
	return errors.Join(lostErr, err2)
}

// lostLease returns a channel closed when the leader stops leading
// without Run having asked (renewals failed) or the Lease can no longer
// be written; stopReason then says why. stop ends the watch (before Run
// stops the election) and waits for it.
func (m *Manager) lostLease() (lost <-chan struct{}, stop func()) {
	l := m.leader
	ch, quit := make(chan struct{}), make(chan struct{})
	var done sync.WaitGroup
	done.Go(func() {
		var err error
		select {
		case <-quit:
			return
		case <-l.stopped:
			err = fmt.Errorf("operator: leader election lost: the Lease %s was not renewed within RenewDeadline (%s)",
				l.desc, m.opts.renewDeadline)
		case <-l.failed:
			err = fmt.Errorf("operator: leader election lost: %w", l.err)
		}
		m.stopReason.CompareAndSwap(nil, &err)
		close(ch)
	})
	return ch, func() {
		close(quit)
		done.Wait()
	}
}

// runState is the readiness of Run itself: nil unless it is stopping.
func (m *Manager) runState() error {
	if m.phase.Load() < phaseStopping {
		return nil
	}
	if err := m.stopReason.Load(); err != nil {
		return *err
	}
	return errors.New("shutting down")
}

// waitForSync waits for the cache's first lists, bounded by the
// CacheSyncTimeout option.
func (m *Manager) waitForSync(ctx context.Context) error {
	syncCtx := ctx
	if d := m.opts.cacheSync; d > 0 {
		var cancel context.CancelFunc
		syncCtx, cancel = context.WithTimeoutCause(ctx, d, fmt.Errorf("the caches did not sync within %s (CacheSyncTimeout)", d))
		defer cancel()
	}
	if err := m.cache.waitForSync(syncCtx); err != nil {
		return fmt.Errorf("operator: waiting for the caches: %w", err)
	}
	return nil
}

// waitGraceful waits for done within the graceful shutdown timeout; it
// reports whether done was closed in time.
func (m *Manager) waitGraceful(done <-chan struct{}) bool {
	d := m.opts.gracefulShutdown
	if d < 0 {
		<-done
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		select {
		case <-done:
			return true
		default:
			return false
		}
	}
}

// shutDownQueues ends the queues of controllers whose workers never
// started.
func (m *Manager) shutDownQueues(ctls []*controller) {
	for _, c := range ctls {
		for _, remove := range c.removes {
			remove()
		}
		if c.queue != nil {
			c.queue.ShutDown()
		}
	}
}
