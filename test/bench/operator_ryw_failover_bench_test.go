package bench

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	crcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	crlog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// BenchmarkOperatorReadYourWritesVsCR measures a read right after the
// operator's own write, KOBJ_BENCH_RYW_WRITES times (default 200) per
// side, the sides alternating write by write: an update of a ConfigMap,
// then a Get from the cache. kobj/operator's cache makes a read after
// the operator's write wait until its informer has that write (here: the
// Get is polled until it returns the written resourceVersion; the time is
// the wait its expect bounds). controller-runtime's cached client does
// not wait: its Get may return the old version; the figures are how often
// the first Get after the update is stale, and the time until a Get
// returns the new version (the same informer lag kobj waits out).
func BenchmarkOperatorReadYourWritesVsCR(b *testing.B) {
	writes := envInt(b, "KOBJ_BENCH_RYW_WRITES", 200)
	ctx := context.Background()
	crlog.SetLogger(logr.Discard())
	c, _ := newClients(b)
	ns := namespace(b, c)
	for _, name := range []string{"ryw-kobj", "ryw-cr"} {
		if _, err := configMap(ns, name).Create(ctx, kobj.WithClient(c)); err != nil {
			b.Fatal(err)
		}
	}
	cc, err := operator.NewCache(c, operator.Namespaces(ns))
	if err != nil {
		b.Fatal(err)
	}
	defer cc.Stop()
	mgr := crManager(b, manager.Options{Cache: crcache.Options{DefaultNamespaces: map[string]crcache.Config{ns: {}}}})
	stop := runCR(b, mgr)
	defer stop()
	crc := mgr.GetClient()
	if !mgr.GetCache().WaitForCacheSync(ctx) {
		b.Fatal("controller-runtime cache not synced")
	}

	var kLat, cLat []time.Duration
	stale := 0
	kobjWrite := func(i int) {
		o, err := cc.Get(ctx, "v1", "ConfigMap", ns, "ryw-kobj")
		if err != nil {
			b.Fatal(err)
		}
		if err := o.Set("data.count", fmt.Sprint(i)); err != nil {
			b.Fatal(err)
		}
		if _, err := o.Update(ctx); err != nil {
			b.Fatal(err)
		}
		written, start := o.ResourceVersion(), time.Now()
		for {
			got, err := cc.Get(ctx, "v1", "ConfigMap", ns, "ryw-kobj")
			if err != nil {
				b.Fatal(err)
			}
			if got.ResourceVersion() == written {
				break
			}
		}
		kLat = append(kLat, time.Since(start))
	}
	crWrite := func(i int) {
		key := client.ObjectKey{Namespace: ns, Name: "ryw-cr"}
		var cm corev1.ConfigMap
		if err := crc.Get(ctx, key, &cm); err != nil {
			b.Fatal(err)
		}
		cm.Data = map[string]string{"count": fmt.Sprint(i)}
		if err := crc.Update(ctx, &cm); err != nil {
			b.Fatal(err)
		}
		written, start := cm.ResourceVersion, time.Now()
		for first := true; ; first = false {
			var got corev1.ConfigMap
			if err := crc.Get(ctx, key, &got); err != nil {
				b.Fatal(err)
			}
			if got.ResourceVersion == written {
				break
			}
			if first {
				stale++
			}
		}
		cLat = append(cLat, time.Since(start))
	}
	for b.Loop() {
		kLat, cLat, stale = kLat[:0], cLat[:0], 0
		for i := range writes {
			if i%2 == 0 {
				kobjWrite(i)
				crWrite(i)
			} else {
				crWrite(i)
				kobjWrite(i)
			}
		}
	}
	k50, k99 := percentiles(kLat)
	c50, c99 := percentiles(cLat)
	staleShare := float64(stale) / float64(writes)
	b.ReportMetric(ms(k50), "kobj-wait-p50-ms")
	b.ReportMetric(ms(k99), "kobj-wait-p99-ms")
	b.ReportMetric(ms(c50), "controller-runtime-lag-p50-ms")
	b.ReportMetric(ms(c99), "controller-runtime-lag-p99-ms")
	b.ReportMetric(staleShare, "controller-runtime-stale-share")
	record(row{"read-your-writes: Get from the cache right after an update, added latency p50 / p99",
		fmt.Sprintf("%v / %v (waits; never stale)", k50.Round(10*time.Microsecond), k99.Round(10*time.Microsecond)),
		fmt.Sprintf("0 (controller-runtime: no wait; %.0f%% of first Gets stale, new version visible after %v / %v)", 100*staleShare, c50.Round(10*time.Microsecond), c99.Round(10*time.Microsecond)),
		fmt.Sprintf("%.2f / %.2f (wait ÷ lag)", ms(k50)/ms(c50), ms(k99)/ms(c99)), "report"})
}

// Leader-election timings of BenchmarkOperatorFailover, the same for both
// sides: short, so that a run without release-on-cancel lasts seconds.
const (
	failoverLease  = 4 * time.Second
	failoverRenew  = 3 * time.Second
	failoverRetry  = 500 * time.Millisecond
	failoverSettle = 2 * time.Second // the standby's start to its caches' sync
)

// BenchmarkOperatorFailover measures leader failover: two managers of one
// side on one Lease, the first leading (it has reconciled); the second
// started and given failoverSettle to sync its caches (warm standby), or
// started as the leader is canceled (cold: its start, cache sync and
// election all count); the time from the leader's cancel to the
// standby's first reconcile is taken. With and without release-on-cancel, both
// sides with LeaseDuration 4 s, RenewDeadline 3 s, RetryPeriod 0.5 s;
// KOBJ_BENCH_FAILOVER_ROUNDS rounds (default 1), the sides alternating.
func BenchmarkOperatorFailover(b *testing.B) {
	rounds := envInt(b, "KOBJ_BENCH_FAILOVER_ROUNDS", 1)
	ctx := context.Background()
	crlog.SetLogger(logr.Discard())
	c, _ := newClients(b)
	ns := namespace(b, c)
	if _, err := configMap(ns, "watched").Create(ctx, kobj.WithClient(c)); err != nil {
		b.Fatal(err)
	}
	times := map[string][]time.Duration{}
	run := 0
	for b.Loop() {
		for r := range rounds {
			for _, v := range failoverVariants {
				release, cold := v.release, v.cold
				sides := []string{"kobj", "controller-runtime"}
				if r%2 == 1 {
					slices.Reverse(sides)
				}
				for _, side := range sides {
					run++
					lease := fmt.Sprintf("failover-%d", run)
					start := func(f *failoverMeter, who int) func() {
						if side == "kobj" {
							return kobjLeader(b, c, ns, lease, release, f, who)
						}
						return crLeader(b, ns, lease, release, f, who)
					}
					key := fmt.Sprintf("%s %s", side, v)
					times[key] = append(times[key], failover(b, cold, start))
				}
			}
		}
	}
	for _, v := range failoverVariants {
		k := median(times["kobj "+v.String()])
		cr := median(times["controller-runtime "+v.String()])
		b.ReportMetric(k.Seconds(), "kobj-"+v.String()+"-s")
		b.ReportMetric(cr.Seconds(), "controller-runtime-"+v.String()+"-s")
		b.ReportMetric(k.Seconds()/cr.Seconds(), "ratio-"+v.String())
		record(row{fmt.Sprintf("leader failover, leader canceled → first reconcile on the standby, %s (lease 4 s, renew 3 s, retry 0.5 s; median of %d)", v, rounds),
			k.Round(time.Millisecond).String(), cr.Round(time.Millisecond).String() + " (controller-runtime)",
			fmt.Sprintf("%.2f", k.Seconds()/cr.Seconds()), "≤ 1.0"})
	}
	b.Logf("failover times: %v", times)
}

// failoverVariant is one way of failing over: with or without
// release-on-cancel; a warm standby (running, caches synced, before the
// leader is canceled) or a cold one (started as the leader is canceled).
type failoverVariant struct{ release, cold bool }

var failoverVariants = []failoverVariant{{true, false}, {false, false}, {true, true}, {false, true}}

func (v failoverVariant) String() string {
	s := "release"
	if !v.release {
		s = "norelease"
	}
	if v.cold {
		return s + "-cold"
	}
	return s + "-warm"
}

// failoverMeter records the first reconcile of each of two managers.
type failoverMeter struct {
	mu    sync.Mutex
	first [2]time.Time
	ch    [2]chan struct{}
}

func (f *failoverMeter) reconciled(who int) {
	now := time.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.first[who].IsZero() {
		f.first[who] = now
		close(f.ch[who])
	}
}

// failover runs one hand-over with the managers start makes and returns
// its time; cold starts the standby as the leader is canceled.
func failover(b *testing.B, cold bool, start func(f *failoverMeter, who int) func()) time.Duration {
	f := &failoverMeter{ch: [2]chan struct{}{make(chan struct{}), make(chan struct{})}}
	wait := func(who int) {
		select {
		case <-f.ch[who]:
		case <-time.After(time.Minute):
			b.Fatalf("manager %d never reconciled", who)
		}
	}
	stopA := start(f, 0)
	wait(0)
	if !cold {
		stopB := start(f, 1)
		defer stopB()
		time.Sleep(failoverSettle)
		select {
		case <-f.ch[1]:
			b.Fatal("the standby reconciled while the leader led")
		default:
		}
	}
	canceled := time.Now()
	stopped := make(chan struct{})
	go func() { stopA(); close(stopped) }()
	if cold {
		stopB := start(f, 1)
		defer stopB()
	}
	wait(1)
	<-stopped
	return f.first[1].Sub(canceled)
}

func kobjLeader(b *testing.B, c *kobj.Client, ns, lease string, release bool, f *failoverMeter, who int) func() {
	opts := []operator.ManagerOption{operator.LeaderElection(lease, ns), operator.LeaseDuration(failoverLease),
		operator.RenewDeadline(failoverRenew), operator.RetryPeriod(failoverRetry), operator.CacheOptions(operator.Namespaces(ns))}
	if release {
		opts = append(opts, operator.ReleaseOnCancel())
	}
	m, err := operator.NewManager(c, opts...)
	if err != nil {
		b.Fatal(err)
	}
	if err := m.Add(operator.For("v1", "ConfigMap").Reconcile(func(ctx context.Context, r *operator.Reconcile) (operator.Result, error) {
		f.reconciled(who)
		return operator.Result{}, nil
	})); err != nil {
		b.Fatal(err)
	}
	return runKobj(b, m)
}

func crLeader(b *testing.B, ns, lease string, release bool, f *failoverMeter, who int) func() {
	mgr := crManager(b, manager.Options{
		Cache:                         crcache.Options{DefaultNamespaces: map[string]crcache.Config{ns: {}}},
		LeaderElection:                true,
		LeaderElectionID:              lease,
		LeaderElectionNamespace:       ns,
		LeaderElectionReleaseOnCancel: release,
		LeaseDuration:                 ptr.To(failoverLease),
		RenewDeadline:                 ptr.To(failoverRenew),
		RetryPeriod:                   ptr.To(failoverRetry),
	})
	err := builder.ControllerManagedBy(mgr).For(&corev1.ConfigMap{}).Named("cm").
		WithOptions(controller.Options{SkipNameValidation: ptr.To(true)}).
		Complete(reconcile.Func(func(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
			f.reconciled(who)
			return reconcile.Result{}, nil
		}))
	if err != nil {
		b.Fatal(err)
	}
	return runCR(b, mgr)
}
