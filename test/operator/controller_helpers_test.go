package operator_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	"github.com/kobj-dev/kobj/test/internal/testkit"
	"go.uber.org/goleak"
)

// ctrlClient returns a kobj client of the admin, with its discovery cache
// in the test's own folder.
func ctrlClient(t *testing.T) *kobj.Client {
	t.Helper()
	c, err := kobj.NewClient(cfg, kobj.CacheDir(t.TempDir()))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// ctrlContext returns a context that ends with the test or after d.
func ctrlContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// ctrlCRD installs a namespaced Widget CRD (spec.size, spec.color, a
// status subresource) in a group of its own and returns its apiVersion.
func ctrlCRD(t *testing.T, c *kobj.Client) string {
	t.Helper()
	group := "ctrl-" + testkit.Suffix() + ".kobj.test"
	return testCRD{group: group, kind: "Widget", widgetSpec: true, status: true}.install(ctrlContext(t, time.Minute), t, c)
}

// ctrlWidget creates a Widget of spec.size size in ns and returns it.
func ctrlWidget(t *testing.T, c *kobj.Client, apiVersion, ns, name string, size int) *kobj.Object {
	t.Helper()
	w := kobj.New(apiVersion, "Widget").SetName(name).SetNamespace(ns).SetClient(c)
	if err := w.Set("spec.size", size); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Create(ctrlContext(t, 30*time.Second)); err != nil {
		t.Fatalf("creating Widget %s: %v", name, err)
	}
	return w
}

// ctrlEdit changes the object named like o on the server with fn.
func ctrlEdit(t *testing.T, o *kobj.Object, fn func(*kobj.Object) error) {
	t.Helper()
	if _, err := o.Edit(ctrlContext(t, 30*time.Second), fn, kobj.RetryOnConflict()); err != nil {
		t.Fatalf("editing %s %s: %v", o.Kind(), o.Name(), err)
	}
}

// seen is what a test reconcile recorded.
type seen struct {
	req       operator.Request
	reason    operator.Reason
	object    *kobj.Object // nil when gone
	old       *kobj.Object
	diff      []string
	ctxErr    error
	startedAt int // index among all reconciles
}

// journal records the reconciles of a test and lets it wait for them.
type journal struct {
	mu      sync.Mutex
	cond    *sync.Cond
	entries []seen
}

func newJournal() *journal {
	j := &journal{}
	j.cond = sync.NewCond(&j.mu)
	return j
}

// note records r and returns its index.
func (j *journal) note(ctx context.Context, r *operator.Reconcile) int {
	s := seen{req: r.Request, reason: r.Reason, object: r.Object, old: r.Old, ctxErr: ctx.Err()}
	for _, d := range r.Diff() {
		s.diff = append(s.diff, d.String())
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	s.startedAt = len(j.entries)
	j.entries = append(j.entries, s)
	j.cond.Broadcast()
	return s.startedAt
}

// of returns the reconciles of the object named name so far.
func (j *journal) of(name string) []seen {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []seen
	for _, s := range j.entries {
		if s.req.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// waitFor waits until a reconcile of name after the first `after` ones
// matches ok, and returns it; it fails the test when ctx ends first.
func (j *journal) waitFor(t *testing.T, ctx context.Context, name string, after int, ok func(seen) bool) seen {
	t.Helper()
	stop := context.AfterFunc(ctx, func() {
		j.mu.Lock()
		defer j.mu.Unlock()
		j.cond.Broadcast()
	})
	defer stop()
	j.mu.Lock()
	defer j.mu.Unlock()
	for {
		n := 0
		for _, s := range j.entries {
			if s.req.Name != name {
				continue
			}
			n++
			if n > after && ok(s) {
				return s
			}
		}
		if ctx.Err() != nil {
			var got []string
			for _, s := range j.entries {
				if s.req.Name == name {
					got = append(got, string(s.reason))
				}
			}
			t.Fatalf("no matching reconcile of %s after %d: saw %v", name, after, got)
		}
		j.cond.Wait()
	}
}

// ctrlRun runs m until the test ends (or stop is called) and returns
// stop, which cancels Run and returns its error.
func ctrlRun(t *testing.T, m *operator.Manager) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- m.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			err = <-errc
		})
		return err
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return stop
}

// ctrlLeakCheck notes the goroutines running now and returns a function
// that fails the test if any other still runs (after closing c's idle
// connections; goleak retries a while for goroutines on their way out).
func ctrlLeakCheck(t *testing.T, c *kobj.Client) func() {
	t.Helper()
	opts := []goleak.Option{goleak.IgnoreCurrent()}
	return func() {
		t.Helper()
		for range 3 {
			c.Close()
			if goleak.Find(opts...) == nil {
				return
			}
		}
		c.Close()
		goleak.VerifyNone(t, opts...)
	}
}

func ctrlSize(o *kobj.Object) int64 {
	if o == nil {
		return -1
	}
	n, _ := o.GetInt64("spec.size")
	return n
}

func ctrlString(v any) string { return fmt.Sprint(v) }

// ctrlEventually polls cond until it holds, failing the test when ctx
// ends first.
func ctrlEventually(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
