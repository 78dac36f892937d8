package operator

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
)

// kindRef names a kind by apiVersion and kind.
type kindRef struct{ APIVersion, Kind string }

// controller reconciles the objects of one kind (For). Built by Manager.Add
// from a Builder.
//
// The work queue is client-go's rate-limiting queue keyed by Request: it
// merges requests for one key while they wait, never hands a key to two
// workers at once (a key added while it is processed waits until Done),
// and backs off per key. What is written here: the mapping of the cache's
// events to requests, the memory of what changed (pending), and the loop
// around the user's function, and the backlog (controller_backlog.go):
// requests whose reason is Resynced (initial list, relist) wait outside
// the queue and are fed in while it holds fewer keys than there are
// workers, so that a live event is not queued behind a whole list.
//
// The queue's metrics (workqueue_depth, workqueue_adds_total,
// workqueue_queue_duration_seconds) therefore count a Resynced request
// only once it is fed from the backlog: workqueue_depth is the live
// events plus at most about `workers` backlog keys, not the backlog.
type controller struct {
	mgr          *Manager
	forKind      kindRef
	owns         []kindRef // kinds of Owns, the only kinds r.Apply prunes
	fieldManager string    // r.Apply's and the status writes' field manager
	finalizer    string    // "" when the builder set none
	finalize     func(ctx context.Context, r *Reconcile) error

	name          string // for logs and events: "website.example.com"
	forNamespaced bool
	watches       []watchSpec
	predicates    []Predicate
	workers       int
	reconcile     func(ctx context.Context, r *Reconcile) (Result, error)

	// lookup reads the object a request names: the cache's entry, or a
	// fake in unit tests.
	lookup func(ctx context.Context, req Request) (*entry, bool, error)
	// rateLimiter is client-go's controller default unless a test sets it.
	rateLimiter workqueue.TypedRateLimiter[Request]

	queue   workqueue.TypedRateLimitingInterface[Request]
	mu      sync.Mutex
	pending map[Request]pending // what changed, per queued key
	// backlog is the FIFO of Resynced keys not yet fed to the queue;
	// backlogged is the set of keys in it (a slot whose key is not in
	// the set was taken out by a live event and is skipped).
	backlog    []Request
	backlogged map[Request]struct{}
	backlogN   atomic.Int64    // len(backlogged), read without mu by feed
	stopping   atomic.Bool     // intake stopped: queued keys are dropped
	running    sync.WaitGroup  // the workers
	removes    []func()        // the cache subscriptions
	kinds      controllerKinds // whether its kinds are served (controller_kinds.go)
	logger     klog.Logger
	metrics    *controllerMetrics // metrics.go
}

// newController makes the controller of b for m; Manager.Add has checked b.
func newController(m *Manager, b *Builder, forNamespaced bool) *controller {
	kind := strings.ToLower(b.forKind.Kind)
	name := kind
	if g := b.forKind.group(); g != "" {
		name += "." + g
	}
	c := &controller{
		mgr:           m,
		forKind:       b.forKind,
		owns:          b.owns,
		fieldManager:  "kobj-operator-" + kind,
		finalizer:     b.finalizer,
		finalize:      b.finalize,
		name:          name,
		forNamespaced: forNamespaced,
		watches:       b.watches,
		predicates:    b.predicates,
		workers:       b.workers,
		reconcile:     b.reconcile,
		rateLimiter:   workqueue.DefaultTypedControllerRateLimiter[Request](),
	}
	c.lookup = func(ctx context.Context, req Request) (*entry, bool, error) {
		return m.cache.entry(ctx, req.APIVersion, req.Kind, req.Namespace, req.Name)
	}
	if m != nil {
		c.metrics = m.metrics.forController(name)
	} else { // a unit test's controller: metrics of its own
		c.metrics = newManagerMetrics().forController(name)
	}
	return c
}

// init makes the queue; called once, before any event can arrive.
func (c *controller) init(logger klog.Logger) {
	c.logger = logger.WithValues("controller", c.name)
	c.pending = map[Request]pending{}
	c.backlogged = map[Request]struct{}{}
	c.queue = workqueue.NewTypedRateLimitingQueueWithConfig(c.rateLimiter,
		workqueue.TypedRateLimitingQueueConfig[Request]{Name: c.name, MetricsProvider: c.metrics.queue})
	c.metrics.maxWorkers.Set(float64(c.workers))
}

// start starts the workers; their reconciles get ctx.
func (c *controller) start(ctx context.Context) {
	c.logger.V(2).Info("Starting workers", "workers", c.workers)
	for range c.workers {
		c.running.Go(func() { c.work(ctx) })
	}
}

// stopIntake stops the controller taking work: no new request is
// queued, and the queued ones are dropped; in-flight reconciles go on.
// The returned channel is closed once the queue has drained (the last
// in-flight reconcile is done) or shutdown is forced.
func (c *controller) stopIntake() <-chan struct{} {
	c.stopping.Store(true)
	c.mu.Lock()
	c.clearBacklogLocked()
	c.mu.Unlock()
	for _, remove := range c.removes {
		remove()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.queue.ShutDownWithDrain()
	}()
	return done
}

// shutDown ends the queue for good: it releases a drain still waiting,
// and stops the delaying queue's goroutine, which ShutDownWithDrain
// leaves running.
func (c *controller) shutDown() {
	c.stopping.Store(true)
	c.mu.Lock()
	c.clearBacklogLocked()
	c.mu.Unlock()
	c.queue.ShutDown()
}

// work is one worker: it reconciles keys until the queue shuts down.
func (c *controller) work(ctx context.Context) {
	for {
		req, shutdown := c.queue.Get()
		if shutdown {
			return
		}
		if c.stopping.Load() || c.drops(req) {
			// Shutting down, a kind gone, or a namespace that left the
			// cache: the key is dropped with its backoff (a resume lists
			// again).
			c.take(req)
			c.queue.Forget(req)
			c.queue.Done(req)
			c.feed()
			continue
		}
		c.metrics.active.Inc()
		c.process(ctx, req)
		c.metrics.active.Dec()
		c.queue.Done(req)
		c.feed()
	}
}

// process reconciles req once and decides what comes next: a retry with
// backoff after an error, none after a Terminal one, a new run after
// RequeueAfter.
func (c *controller) process(ctx context.Context, req Request) {
	p := c.take(req)
	logger := c.logger.WithValues("request", req.String(), "reason", p.reason)
	start := time.Now()
	res, err := c.reconcileOnce(klog.NewContext(ctx, logger), req, p)
	c.observe(res, err, time.Since(start))
	switch {
	case err != nil && IsTerminal(err):
		c.queue.Forget(req)
		logger.Error(err, "Reconcile failed; not retrying (terminal error)")
	case err != nil:
		if res.RequeueAfter > 0 {
			logger.Info("Result.RequeueAfter is ignored when the reconcile fails")
		}
		c.queue.AddRateLimited(req)
		logger.Error(err, "Reconcile failed; retrying with backoff", "retries", c.queue.NumRequeues(req))
	case res.RequeueAfter > 0:
		c.queue.Forget(req)
		c.queue.AddAfter(req, res.RequeueAfter)
		logger.V(4).Info("Reconciled; again later", "after", res.RequeueAfter)
	default:
		c.queue.Forget(req)
		logger.V(4).Info("Reconciled")
	}
}

// errPanic marks a recovered panic.
var errPanic = errors.New("reconcile panicked")

// reconcileOnce runs the finalizer hook or the user's function for req,
// and writes the conditions it set. A panic of either is recovered and
// returned as an error, so that the request is retried and the manager
// keeps running.
func (c *controller) reconcileOnce(ctx context.Context, req Request, p pending) (res Result, err error) {
	e, found, err := c.lookup(ctx, req)
	if err != nil {
		return Result{}, fmt.Errorf("reading %s from the cache: %w", req, err)
	}
	r := &Reconcile{Request: req, Reason: p.reason, ctl: c}
	client := c.client()
	if found {
		if r.Object, err = e.object(client); err != nil {
			return Result{}, fmt.Errorf("decoding %s: %w", req, err)
		}
	}
	if p.old != nil {
		// A hint: an entry that cannot be decoded gives no Old.
		r.Old, _ = p.old.object(client)
	}
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%w: %v", errPanic, v)
			klog.FromContext(ctx).Error(err, "Recovered a panic in reconcile", "stack", string(debug.Stack()))
		}
	}()
	if c.finalizer != "" && r.Object != nil {
		handled, err := r.finalizeOrAdd(ctx)
		if err != nil {
			return Result{}, fmt.Errorf("finalizer %s: %w", c.finalizer, err)
		}
		if handled {
			return Result{}, nil
		}
	}
	res, err = c.reconcile(ctx, r)
	if ferr := r.flush(ctx); ferr != nil {
		err = errors.Join(err, fmt.Errorf("writing the conditions of %s: %w", req, ferr))
	}
	return res, err
}
