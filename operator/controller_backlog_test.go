package operator

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
)

// runLog is a reconcile function that records the requests it is
// handed, in order, with their reason and Old's resourceVersion.
type runLog struct {
	mu   sync.Mutex
	runs []recorded
}

type recorded struct {
	req    Request
	reason Reason
	oldRV  string
}

func (r *runLog) reconcile(_ context.Context, rc *Reconcile) (Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec := recorded{req: rc.Request, reason: rc.Reason}
	if rc.Old != nil {
		rec.oldRV = rc.Old.ResourceVersion()
	}
	r.runs = append(r.runs, rec)
	return Result{}, nil
}

func (r *runLog) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.runs)
}

func (r *runLog) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.runs)
}

// backlogged queues n initial-list requests b0..b<n-1> with their objects
// in the store.
func backlogged(t *testing.T, c *controller, store *fakeStore, n int) {
	t.Helper()
	for i := range n {
		r := req(fmt.Sprint("b", i))
		store.set(r, at(t, "1", nil))
		c.enqueue(r, Resynced, nil)
	}
}

func backlogLen(c *controller) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.backlogged)
}

// TestBacklogLiveOvertakes checks that a live event queued behind a long
// initial list is reconciled before it, and that the whole list is then
// reconciled, each key once.
func TestBacklogLiveOvertakes(t *testing.T) {
	for _, workers := range []int{1, 3} {
		t.Run(fmt.Sprint(workers, " workers"), func(t *testing.T) {
			rec := &runLog{}
			c, store, _ := testController(t, workers, rec.reconcile)
			const n = 1000
			backlogged(t, c, store, n)
			if c.queue.Len() != workers {
				t.Errorf("queue length %d with a backlog, want %d (the workers)", c.queue.Len(), workers)
			}
			store.set(req("new"), at(t, "1", nil))
			c.enqueue(req("new"), Created, nil)
			runWorkers(t, c)
			wait(t, "every key reconciled", func() bool { return rec.count() >= n+1 })
			runs := rec.all()
			pos := slices.IndexFunc(runs, func(r recorded) bool { return r.req == req("new") })
			// One worker takes keys in queue order: the live one comes
			// right after the backlog keys fed before it. With several,
			// the order of reconciles is also the scheduler's, so only
			// "long before the backlog's end" is certain (FIFO: last).
			limit := workers + 1
			if workers > 1 {
				limit = n / 10
			}
			if pos < 0 || pos+1 > limit {
				t.Errorf("the live request was reconciled %dth of %d, want within the first %d", pos+1, len(runs), limit)
			}
			if runs[pos].reason != Created {
				t.Errorf("live request reason %s, want Created", runs[pos].reason)
			}
			seen := map[Request]int{}
			for _, r := range runs {
				seen[r.req]++
			}
			for i := range n {
				if k := seen[req(fmt.Sprint("b", i))]; k != 1 {
					t.Errorf("b%d reconciled %d times, want 1", i, k)
				}
			}
			if l := backlogLen(c); l != 0 {
				t.Errorf("%d keys left in the backlog", l)
			}
		})
	}
}

// TestBacklogKeyGoesLive checks that a key waiting in the backlog that
// gets a live event is reconciled once, early, with the live reason and
// Old.
func TestBacklogKeyGoesLive(t *testing.T) {
	rec := &runLog{}
	c, store, _ := testController(t, 1, rec.reconcile)
	backlogged(t, c, store, 10)
	c.enqueue(req("b5"), Changed, at(t, "1", nil))
	c.enqueue(req("b5"), Resynced, nil) // a relist after it says less
	if l := backlogLen(c); l != 8 {
		t.Errorf("backlog %d keys, want 8 (b1..b9 but b5)", l)
	}
	runWorkers(t, c)
	wait(t, "every key reconciled", func() bool { return rec.count() >= 10 })
	runs := rec.all()
	var b5 []int
	for i, r := range runs {
		if r.req == req("b5") {
			b5 = append(b5, i)
		}
	}
	if len(b5) != 1 {
		t.Fatalf("b5 reconciled %d times, want once: %v", len(b5), runs)
	}
	if got := runs[b5[0]]; b5[0] > 1 || got.reason != Changed || got.oldRV != "1" {
		t.Errorf("b5 reconciled at %d with %s, Old at %q; want at most 1, Changed, \"1\"", b5[0], got.reason, got.oldRV)
	}
}

// TestBacklogPauseClears checks that a kinds pause forgets the backlog.
func TestBacklogPauseClears(t *testing.T) {
	c, store, _ := testController(t, 1, noop)
	defer c.queue.ShutDown()
	backlogged(t, c, store, 10)
	c.pause()
	if l := backlogLen(c); l != 0 || len(c.backlog) != 0 {
		t.Errorf("backlog %d keys (%d slots) after pause, want none", l, len(c.backlog))
	}
}

// TestStopIntakeDropsBacklog checks that stopping drops the backlog: only
// the reconcile in flight runs, nothing is fed afterwards, and the
// workers end.
func TestStopIntakeDropsBacklog(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	var mu sync.Mutex
	runs := 0
	c, store, _ := testController(t, 1, func(context.Context, *Reconcile) (Result, error) {
		mu.Lock()
		runs++
		mu.Unlock()
		select {
		case started <- struct{}{}:
		default:
		}
		<-release
		return Result{}, nil
	})
	backlogged(t, c, store, 100)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.start(ctx)
	<-started
	drained := c.stopIntake()
	c.enqueue(req("late"), Resynced, nil) // after stopping: dropped
	if l := backlogLen(c); l != 0 {
		t.Errorf("backlog %d keys after stopIntake, want none", l)
	}
	close(release)
	<-drained
	c.shutDown()
	c.running.Wait()
	if runs != 1 {
		t.Errorf("%d reconciles ran, want only the one in flight", runs)
	}
	if l := backlogLen(c); l != 0 || c.backlog != nil {
		t.Errorf("backlog %d keys (%d slots) after shutdown, want none", l, len(c.backlog))
	}
}
