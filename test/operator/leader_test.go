package operator_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	"github.com/kobj-dev/kobj/test/internal/testkit"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
)

// The leader tests check goroutines with goleak and measure hand-over
// times, so they do not run in parallel.

// TestLeaderOneReplicaReconciles runs two replicas on one Lease: exactly
// one reconciles (the other's count stays 0, also for an object created
// later), the standby is ready all the same, and the Lease names the
// leader (hostname_uuid).
func TestLeaderOneReplicaReconciles(t *testing.T) {
	ctx := ctrlContext(t, 2*time.Minute)
	admin := ctrlClient(t)
	apiVersion := ctrlCRD(t, admin)
	ns := testkit.NewNamespace(t, admin, "leader")
	for i := range 3 {
		ctrlWidget(t, admin, apiVersion, ns, fmt.Sprintf("w%d", i), i)
	}
	lease := "one-" + testkit.Suffix()
	a := newReplica(t, apiVersion, ns, lease)
	b := newReplica(t, apiVersion, ns, lease)
	leak := leakCheck(t, func() *kobj.Client { return a.c }, func() *kobj.Client { return b.c })
	a.start()
	b.start()

	ctrlEventually(t, ctx, "one replica to reconcile the 3 Widgets", func() bool { return a.count()+b.count() >= 3 })
	leader, standby := a, b
	if b.count() > 0 {
		leader, standby = b, a
	}
	ctrlEventually(t, ctx, "the standby to be ready", standby.ready)
	before := leader.count()
	ctrlWidget(t, admin, apiVersion, ns, "late", 9)
	ctrlEventually(t, ctx, "the leader to reconcile a new Widget", func() bool { return leader.count() > before })
	host, _ := os.Hostname()
	if h := leaseHolder(ctx, t, admin, ns, lease); !strings.HasPrefix(h, host+"_") {
		t.Errorf("Lease holder %q, want %s_<uuid>", h, host)
	}
	if n := standby.count(); n != 0 {
		t.Fatalf("the standby reconciled %d times while the other replica led (leader: %d)", n, leader.count())
	}
	t.Logf("reconciles: leader %d, standby %d", leader.count(), standby.count())
	for _, r := range []*replica{standby, leader} {
		if err := r.stop(); err != nil {
			t.Errorf("Run: %v", err)
		}
	}
	leak()
}

// TestLeaderFailover cancels the leader and measures the time from the
// cancel to the first reconcile on the new leader: with and without
// ReleaseOnCancel, and with a warm standby (caches synced before the
// cancel) or a cold replica started at the cancel. Figures are logged,
// not asserted. KOBJ_FAILOVER_TIMINGS=default measures with the default
// timings (15 s, 10 s, 2 s) instead of the short test ones.
func TestLeaderFailover(t *testing.T) {
	ctx := ctrlContext(t, 5*time.Minute)
	admin := ctrlClient(t)
	apiVersion := ctrlCRD(t, admin)
	ns := testkit.NewNamespace(t, admin, "failover")
	ctrlWidget(t, admin, apiVersion, ns, "w", 1)
	const runs = 3
	for _, tc := range []struct {
		name          string
		release, warm bool
	}{
		{"release/warm", true, true},
		{"release/cold", true, false},
		{"no-release/warm", false, true},
		{"no-release/cold", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var times []time.Duration
			for range runs {
				lease := "failover-" + testkit.Suffix()
				var opts []operator.ManagerOption
				retry := 200 * time.Millisecond // leaderTimings
				if os.Getenv("KOBJ_FAILOVER_TIMINGS") == "default" {
					retry = 2 * time.Second
					opts = append(opts, operator.LeaseDuration(15*time.Second), operator.RenewDeadline(10*time.Second),
						operator.RetryPeriod(retry))
				}
				if tc.release {
					opts = append(opts, operator.ReleaseOnCancel())
				}
				a := newReplica(t, apiVersion, ns, lease, opts...)
				b := newReplica(t, apiVersion, ns, lease, opts...)
				leak := leakCheck(t, func() *kobj.Client { return a.c }, func() *kobj.Client { return b.c })
				a.start()
				ctrlEventually(t, ctx, "the first replica to lead", func() bool { return a.count() > 0 })
				if tc.warm {
					b.start()
					ctrlEventually(t, ctx, "the standby to sync", b.ready)
					// The standby tried the Lease as it became ready: cancel
					// at a random point of its retry cycle (RetryPeriod ×
					// [1, 2.2) with client-go's jitter), not right after a try.
					time.Sleep(rand.N(retry * 22 / 10))
				}
				t0 := time.Now()
				if err := a.stop(); err != nil {
					t.Fatalf("the leader's Run: %v", err)
				}
				returned := time.Since(t0)
				if !tc.warm {
					b.start()
				}
				ctrlEventually(t, ctx, "the other replica to take over", func() bool { return b.count() > 0 })
				d := time.Duration(b.first.Load() - t0.UnixNano())
				times = append(times, d)
				t.Logf("%s: cancel → first reconcile on the new leader %s (old leader's Run returned in %s)",
					tc.name, d.Round(time.Millisecond), returned.Round(time.Millisecond))
				if err := b.stop(); err != nil {
					t.Errorf("the new leader's Run: %v", err)
				}
				leak()
			}
			slices.Sort(times)
			t.Logf("FAILOVER %s: median %s (min %s, max %s, %d runs)", tc.name,
				times[len(times)/2].Round(time.Millisecond), times[0].Round(time.Millisecond),
				times[len(times)-1].Round(time.Millisecond), len(times))
		})
	}
}

// TestLeaderReleaseAfterInFlightReconcile cancels a leader with
// ReleaseOnCancel while a reconcile is in flight: the leader keeps
// renewing its Lease while the reconcile finishes (the standby does not
// take over, even past LeaseDuration), and releases it after, when the
// standby takes over at once.
func TestLeaderReleaseAfterInFlightReconcile(t *testing.T) {
	ctx := ctrlContext(t, 2*time.Minute)
	admin := ctrlClient(t)
	apiVersion := ctrlCRD(t, admin)
	ns := testkit.NewNamespace(t, admin, "release")
	ctrlWidget(t, admin, apiVersion, ns, "w", 1)
	lease := "release-" + testkit.Suffix()
	a := newReplica(t, apiVersion, ns, lease, operator.ReleaseOnCancel())
	b := newReplica(t, apiVersion, ns, lease, operator.ReleaseOnCancel())
	leak := leakCheck(t, func() *kobj.Client { return a.c }, func() *kobj.Client { return b.c })
	entered, proceed := make(chan struct{}), make(chan struct{})
	var finished time.Time
	var ctxErr error
	a.hook = func(ctx context.Context, r *operator.Reconcile) {
		close(entered)
		<-proceed
		ctxErr = ctx.Err()
		finished = time.Now()
	}
	a.start()
	<-entered
	b.start()
	ctrlEventually(t, ctx, "the standby to sync", b.ready)
	holder := leaseHolder(ctx, t, admin, ns, lease)
	stopped := make(chan error, 1)
	go func() { stopped <- a.stop() }()
	// Wait past LeaseDuration (2 s): a leader that stopped renewing
	// would have lost the Lease by now.
	time.Sleep(3 * time.Second)
	if h := leaseHolder(ctx, t, admin, ns, lease); h != holder || b.count() != 0 {
		t.Fatalf("while a reconcile is in flight: Lease holder %q (was %q), standby reconciles %d; want the leader to keep it", h, holder, b.count())
	}
	close(proceed)
	if err := <-stopped; err != nil {
		t.Fatalf("the leader's Run: %v", err)
	}
	if ctxErr != nil {
		t.Errorf("the reconcile in flight had its context ended: %v", ctxErr)
	}
	ctrlEventually(t, ctx, "the standby to take over", func() bool { return b.count() > 0 })
	first := time.Unix(0, b.first.Load())
	if !first.After(finished) {
		t.Fatalf("the standby reconciled at %s, before the leader's reconcile finished at %s", first, finished)
	}
	t.Logf("hand-over after the in-flight reconcile finished: %s", first.Sub(finished).Round(time.Millisecond))
	if err := b.stop(); err != nil {
		t.Errorf("the new leader's Run: %v", err)
	}
	leak()
}

// TestLeaderGracefulTimeoutKeepsLease: a reconcile still running at the
// graceful timeout has its context canceled, Run says the Lease is not
// released, and the Lease still names the old leader (it expires, rather
// than letting a second leader run beside the unfinished reconcile).
func TestLeaderGracefulTimeoutKeepsLease(t *testing.T) {
	ctx := ctrlContext(t, 2*time.Minute)
	admin := ctrlClient(t)
	apiVersion := ctrlCRD(t, admin)
	ns := testkit.NewNamespace(t, admin, "keep")
	ctrlWidget(t, admin, apiVersion, ns, "w", 1)
	lease := "keep-" + testkit.Suffix()
	a := newReplica(t, apiVersion, ns, lease, operator.ReleaseOnCancel(), operator.GracefulShutdownTimeout(300*time.Millisecond))
	leak := leakCheck(t, func() *kobj.Client { return a.c })
	entered, proceed := make(chan struct{}), make(chan struct{})
	a.hook = func(ctx context.Context, r *operator.Reconcile) {
		close(entered)
		<-proceed // ignores its context on purpose
	}
	a.start()
	<-entered
	holder := leaseHolder(ctx, t, admin, ns, lease)
	err := a.stop()
	if err == nil || !strings.Contains(err.Error(), "graceful shutdown timeout") || !strings.Contains(err.Error(), "not released") {
		t.Fatalf("Run = %v, want the graceful timeout and the Lease not released", err)
	}
	if h := leaseHolder(ctx, t, admin, ns, lease); h == "" || h != holder {
		t.Fatalf("Lease holder %q after the timeout, want it kept by %q", h, holder)
	}
	close(proceed)
	leak()
}

// TestLeaderLostLeaseStopsRun takes the Lease away from the leader (an
// intruder writes itself in): the leader's renewals fail, its reconcile in
// flight has its context canceled at once, and Run returns an error.
func TestLeaderLostLeaseStopsRun(t *testing.T) {
	ctx := ctrlContext(t, 2*time.Minute)
	admin := ctrlClient(t)
	apiVersion := ctrlCRD(t, admin)
	ns := testkit.NewNamespace(t, admin, "lost")
	ctrlWidget(t, admin, apiVersion, ns, "w", 1)
	lease := "lost-" + testkit.Suffix()
	a := newReplica(t, apiVersion, ns, lease, operator.ReleaseOnCancel())
	leak := leakCheck(t, func() *kobj.Client { return a.c })
	entered := make(chan struct{})
	ctxErr := make(chan error, 1)
	a.hook = func(ctx context.Context, r *operator.Reconcile) {
		close(entered)
		<-ctx.Done()
		ctxErr <- ctx.Err()
	}
	a.start()
	<-entered
	l, err := kobj.New("coordination.k8s.io/v1", "Lease").Read(ctx, kobj.Named(lease), kobj.InNamespace(ns), kobj.WithClient(admin))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.SetClient(admin).Edit(ctx, func(o *kobj.Object) error {
		return errorsJoin(o.Set("spec.holderIdentity", "intruder"), o.Set("spec.leaseDurationSeconds", 60),
			o.Set("spec.renewTime", time.Now().UTC().Format("2006-01-02T15:04:05.000000Z07:00")))
	}, kobj.RetryOnConflict()); err != nil {
		t.Fatalf("taking the Lease: %v", err)
	}
	select {
	case err := <-a.errc:
		a.once.Do(func() { a.err = err })
	case <-ctx.Done():
		t.Fatal("Run did not return after the Lease was taken")
	}
	if a.err == nil || !strings.Contains(a.err.Error(), "leader election lost") {
		t.Fatalf("Run = %v, want leader election lost", a.err)
	}
	t.Logf("Run: %v", a.err)
	if err := <-ctxErr; err == nil {
		t.Error("the reconcile in flight kept a live context after the Lease was lost")
	}
	if h := leaseHolder(ctx, t, admin, ns, lease); h != "intruder" {
		t.Errorf("Lease holder %q, want the intruder's", h)
	}
	a.cancel()
	leak()
}

func errorsJoin(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// TestLeaderForbidden: a replica that may not read or create its Lease
// (RBAC) fails Run with the server's Forbidden naming the Lease, after
// its caches synced and before any reconcile, instead of standing by for
// ever.
func TestLeaderForbidden(t *testing.T) {
	ctx := ctrlContext(t, 2*time.Minute)
	admin := ctrlClient(t)
	ns := testkit.NewNamespace(t, admin, "forbidden")
	if _, err := kobj.New("v1", "ConfigMap").SetName("cm").SetNamespace(ns).Create(ctx, kobj.WithClient(admin)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		leaseVerbs string // "" : no rule on Leases
		want       string
	}{
		{"no rights on Leases", "", "cannot read the Lease"},
		{"may read, not create", "get", "cannot create the Lease"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			user := "lease-" + testkit.Suffix()
			rules := "- {apiGroups: [''], resources: [configmaps], verbs: [get, list, watch]}\n"
			if tc.leaseVerbs != "" {
				rules += "- {apiGroups: [coordination.k8s.io], resources: [leases], verbs: [" + tc.leaseVerbs + "]}\n"
			}
			objs, err := kobj.LoadString(strings.NewReplacer("$NS", ns, "$USER", user).Replace(`
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: $USER, namespace: $NS}
rules:
` + rules + `---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: $USER, namespace: $NS}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: $USER}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: $USER}]
`))
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range objs {
				if _, err := o.Create(ctx, kobj.WithClient(admin)); err != nil {
					t.Fatal(err)
				}
			}
			restricted := rest.CopyConfig(cfg)
			restricted.Impersonate = rest.ImpersonationConfig{UserName: user}
			c, err := kobj.NewClient(restricted, kobj.CacheDir(t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			leak := leakCheck(t, func() *kobj.Client { return c })
			m, err := operator.NewManager(c, append(leaderTimings(), operator.LeaderElection("op", ns),
				operator.CacheOptions(operator.Namespaces(ns)))...)
			if err != nil {
				t.Fatal(err)
			}
			var reconciles int
			if err := m.Add(operator.For("v1", "ConfigMap").Reconcile(func(context.Context, *operator.Reconcile) (operator.Result, error) {
				reconciles++
				return operator.Result{}, nil
			})); err != nil {
				t.Fatal(err)
			}
			runCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			err = m.Run(runCtx)
			if err == nil || !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), ns+"/op") {
				t.Fatalf("Run = %v, want Forbidden: %s %s/op", err, tc.want, ns)
			}
			if runCtx.Err() != nil {
				t.Fatal("Run returned only at its deadline")
			}
			t.Logf("Run: %v", err)
			if reconciles != 0 {
				t.Errorf("%d reconciles without the Lease", reconciles)
			}
			leak()
		})
	}
}

// TestLeaderBadTimings: timings that cannot work are refused by
// NewManager, naming the options, before any request.
func TestLeaderBadTimings(t *testing.T) {
	c := ctrlClient(t)
	for _, tc := range []struct {
		opts []operator.ManagerOption
		want string
	}{
		{[]operator.ManagerOption{operator.LeaseDuration(10 * time.Second), operator.RenewDeadline(10 * time.Second)}, "RenewDeadline(10s) must be below LeaseDuration(10s)"},
		{[]operator.ManagerOption{operator.RetryPeriod(9 * time.Second)}, "must be above 1.2 × RetryPeriod(9s)"},
		{[]operator.ManagerOption{operator.LeaseDuration(0)}, "LeaseDuration(0s)"},
		{[]operator.ManagerOption{operator.RetryPeriod(-time.Second)}, "RetryPeriod(-1s): must be positive"},
	} {
		_, err := operator.NewManager(c, append([]operator.ManagerOption{operator.LeaderElection("op", "default")}, tc.opts...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewManager = %v, want %q", err, tc.want)
		}
	}
}
