package operator

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation"
	coordinationv1client "k8s.io/client-go/kubernetes/typed/coordination/v1"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// Leader election is client-go's (tools/leaderelection over a
// resourcelock.LeaseLock): taking, renewing and releasing the Lease, the
// timings, the watchdog behind /healthz. Written here: the checks of the
// options, the identity, a lock that bounds each request and turns a
// request that can never succeed (RBAC) into Run's error instead of a
// replica that retries for ever, and a guard that keeps the Lease while a
// reconcile may still run.

// watchdogTolerance is how long past LeaseDuration a leader that has not
// renewed its Lease stays healthy in /healthz (kube-controller-manager's
// figure): the elector should have given up by then, and a stuck one is
// for the kubelet to restart.
const watchdogTolerance = 20 * time.Second

// leader is a Manager's part in the election of its Lease.
type leader struct {
	elector  *leaderelection.LeaderElector
	lock     *leaseLock
	watchdog *leaderelection.HealthzAdaptor
	desc     string // "namespace/name" of the Lease

	elected     chan struct{} // closed when this replica starts leading
	electedOnce sync.Once
	stopped     chan struct{} // closed when the elector has returned

	failed   chan struct{} // closed by fail
	failOnce sync.Once
	err      error // why the election cannot go on; set before failed closes
}

// checkTimings refuses lease timings client-go's elector cannot work with,
// or that would let two replicas lead at once.
func checkTimings(o managerOptions) error {
	var errs []error
	lease, renew, retry := o.leaseDuration, o.renewDeadline, o.retryPeriod
	if lease < time.Second || lease%time.Second != 0 {
		errs = append(errs, fmt.Errorf("LeaseDuration(%s): must be a whole number of seconds, at least 1s "+
			"(the Lease holds whole seconds: a shorter one would let another replica take over while this one still leads)", lease))
	}
	if renew <= 0 {
		errs = append(errs, fmt.Errorf("RenewDeadline(%s): must be positive", renew))
	}
	if retry <= 0 {
		errs = append(errs, fmt.Errorf("RetryPeriod(%s): must be positive", retry))
	}
	if renew > 0 && renew >= lease {
		errs = append(errs, fmt.Errorf("RenewDeadline(%s) must be below LeaseDuration(%s): "+
			"the leader must give up before the others may take over", renew, lease))
	}
	if renew > 0 && retry > 0 && float64(renew) <= leaderelection.JitterFactor*float64(retry) {
		errs = append(errs, fmt.Errorf("RenewDeadline(%s) must be above %.1f × RetryPeriod(%s): "+
			"the leader needs more than one try to renew", renew, leaderelection.JitterFactor, retry))
	}
	return errors.Join(errs...)
}

// newLeader makes the elector of the Lease o names, over c's connections.
// It sends no request. It fails on an invalid Lease name or namespace.
func newLeader(c *kobj.Client, o managerOptions) (*leader, error) {
	name, ns := o.leaseName, o.leaseNamespace
	if ns == "" {
		ns = c.Namespace()
	}
	var errs []error
	for _, msg := range validation.IsDNS1123Subdomain(name) {
		errs = append(errs, fmt.Errorf("LeaderElection(%q, %q): Lease name: %s", o.leaseName, o.leaseNamespace, msg))
	}
	for _, msg := range validation.IsDNS1123Label(ns) {
		errs = append(errs, fmt.Errorf("LeaderElection(%q, %q): namespace %q: %s", o.leaseName, o.leaseNamespace, ns, msg))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	host, err := os.Hostname()
	if err != nil {
		return nil, fmt.Errorf("LeaderElection: the identity of this replica: %w", err)
	}
	// The Lease's requests get no client-side rate limit: a renewal
	// must not queue behind the reconciles' writes (one request per
	// RetryPeriod needs none).
	cfg := c.RESTConfig()
	cfg.RateLimiter, cfg.QPS = nil, -1
	cc, err := coordinationv1client.NewForConfigAndClient(cfg, c.HTTPClient())
	if err != nil {
		return nil, fmt.Errorf("LeaderElection: making the Lease client: %w", err)
	}
	l := &leader{
		desc:     ns + "/" + name,
		watchdog: leaderelection.NewLeaderHealthzAdaptor(watchdogTolerance),
		elected:  make(chan struct{}),
		stopped:  make(chan struct{}),
		failed:   make(chan struct{}),
	}
	l.lock = &leaseLock{
		LeaseLock: &resourcelock.LeaseLock{
			LeaseMeta:  metav1.ObjectMeta{Namespace: ns, Name: name},
			Client:     cc,
			LockConfig: resourcelock.ResourceLockConfig{Identity: host + "_" + string(uuid.NewUUID())},
		},
		// As controller-runtime: one hung request must not cost the lease.
		timeout: max(o.renewDeadline/2, time.Second),
		fail:    l.fail,
	}
	l.elector, err = leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:          l.lock,
		LeaseDuration: o.leaseDuration,
		RenewDeadline: o.renewDeadline,
		RetryPeriod:   o.retryPeriod,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(context.Context) { l.electedOnce.Do(func() { close(l.elected) }) },
			OnStoppedLeading: func() {},
		},
		WatchDog:        l.watchdog,
		ReleaseOnCancel: o.releaseOnCancel,
		Name:            l.desc,
	})
	if err != nil {
		return nil, fmt.Errorf("LeaderElection: %w", err)
	}
	l.watchdog.SetLeaderElection(l.elector)
	return l, nil
}

// run runs the election until ctx ends or this replica stops leading.
func (l *leader) run(ctx context.Context) {
	go func() {
		defer close(l.stopped)
		l.elector.Run(ctx)
	}()
}

// fail records why the election cannot go on; the first reason wins.
func (l *leader) fail(err error) {
	l.failOnce.Do(func() {
		l.err = err
		close(l.failed)
	})
}

// identity is this replica's name in the Lease.
func (l *leader) identity() string { return l.lock.Identity() }

// leaseLock is client-go's LeaseLock with each request bounded by
// timeout, an error no retry can cure handed to fail, and the release
// refused until releasable is set.
type leaseLock struct {
	*resourcelock.LeaseLock
	timeout    time.Duration
	fail       func(error)
	releasable atomic.Bool
}

// errKeepLease refuses a release while a reconcile may still run.
var errKeepLease = errors.New("the Lease is kept: a reconcile may still be running (graceful shutdown timeout)")

func (l *leaseLock) Get(ctx context.Context) (*resourcelock.LeaderElectionRecord, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	r, raw, err := l.LeaseLock.Get(ctx)
	l.check("read", err, false)
	return r, raw, err
}

func (l *leaseLock) Create(ctx context.Context, r resourcelock.LeaderElectionRecord) error {
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	err := l.LeaseLock.Create(ctx, r)
	l.check("create", err, true)
	return err
}

func (l *leaseLock) Update(ctx context.Context, r resourcelock.LeaderElectionRecord) error {
	// client-go releases by writing a record without a holder.
	if r.HolderIdentity == "" && !l.releasable.Load() {
		return errKeepLease
	}
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	err := l.LeaseLock.Update(ctx, r)
	l.check("update", err, false)
	return err
}

// check hands fail an error that retrying cannot cure: the operator may
// not read or write the Lease (RBAC), the server refuses the request, or
// (creating it) the namespace does not exist.
func (l *leaseLock) check(verb string, err error, creating bool) {
	if err == nil {
		return
	}
	terminal := apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) || apierrors.IsInvalid(err) ||
		apierrors.IsBadRequest(err) || apierrors.IsMethodNotSupported(err) || (creating && apierrors.IsNotFound(err))
	if terminal {
		l.fail(fmt.Errorf("leader election: cannot %s the Lease %s: %w", verb, l.Describe(), err))
	}
}
