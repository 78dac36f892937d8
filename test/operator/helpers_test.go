package operator_test

// Helpers of the tests of r.Apply, SetCondition, finalizers, events and
// read-your-writes; names start with "help" to stay clear of other
// files'. helpOperator runs a real Manager whose reconciles the test
// drives one step at a time.

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	"github.com/kobj-dev/kobj/test/internal/testkit"
	"k8s.io/klog/v2"
)

// helpContext returns a context ended after d or at the end of the test.
func helpContext(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// helpClient returns a client of the control plane whose requests log
// records (nil: none recorded).
func helpClient(t *testing.T, log *testkit.RequestLog) *kobj.Client {
	t.Helper()
	c := cfg
	if log != nil {
		c = testkit.Tracked(cfg, log)
	}
	cl, err := kobj.NewClient(c)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// helpWrites returns the requests of log that write: anything but GET
// (watches are GETs).
func helpWrites(log *testkit.RequestLog) []string {
	return log.Matching(func(method, _, _ string) bool { return method != "GET" })
}

// helpReads returns the requests of log that read, watches left out.
func helpReads(log *testkit.RequestLog) []string {
	return log.Matching(func(method, _, query string) bool {
		return method == "GET" && !strings.Contains(query, "watch=true")
	})
}

// helpCRD installs a namespaced CRD of kind Website in a group of its own,
// with a status subresource whose conditions list is keyed by type
// (listMap) or atomic, and returns its apiVersion.
func helpCRD(ctx context.Context, t *testing.T, c *kobj.Client, listMap bool) string {
	t.Helper()
	conditions := "atomic"
	if listMap {
		conditions = "map"
	}
	group := "w" + testkit.Suffix() + ".helpers.kobj.dev"
	return testCRD{group: group, kind: "Website", status: true, conditions: conditions}.install(ctx, t, c)
}

// helpWebsite creates a Website named name in ns with spec.
func helpWebsite(ctx context.Context, t *testing.T, c *kobj.Client, apiVersion, ns, name string, spec map[string]any) *kobj.Object {
	t.Helper()
	w := kobj.New(apiVersion, "Website").SetName(name).SetNamespace(ns).SetClient(c)
	if spec != nil {
		if err := w.Set("spec", spec); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Create(ctx); err != nil {
		t.Fatalf("Create Website: %v", err)
	}
	return w
}

// helpConfigMap returns a ConfigMap to render, with data.
func helpConfigMap(name string, data map[string]any) *kobj.Object {
	o := kobj.New("v1", "ConfigMap").SetName(name)
	_ = o.Set("data", data)
	return o
}

// helpRead reads an object afresh from the server, bound to c.
func helpRead(ctx context.Context, t *testing.T, c *kobj.Client, apiVersion, kind, ns, name string) (*kobj.Object, error) {
	t.Helper()
	return kobj.New(apiVersion, kind).SetName(name).SetNamespace(ns).SetClient(c).Read(ctx)
}

// helpActions returns "name=Action" for each change of cs.
func helpActions(cs *kobj.ChangeSet) []string {
	var out []string
	for _, ch := range cs.Changes {
		s := ch.Object.Kind() + "/" + ch.Object.Name() + "=" + string(ch.Action)
		if ch.Err != nil {
			s += "(" + ch.Err.Error() + ")"
		}
		out = append(out, s)
	}
	return out
}

// helpManagerName is the field manager (and reporting controller) of the
// Website controller: "kobj-operator-" + the kind in lower case.
const helpManagerName = "kobj-operator-website"

// helpChildren renders the Website's three children from its spec.
func helpChildren(r *operator.Reconcile) []*kobj.Object {
	color, _ := r.Object.GetString("spec.color")
	s := kobj.New("v1", "Secret").SetName(r.Object.Name() + "-secret")
	// data, not stringData: the server turns stringData into data, so
	// an apply of stringData can never be seen converged.
	_ = s.Set("data", map[string]any{"token": "dDA="})
	return []*kobj.Object{
		helpConfigMap(r.Object.Name()+"-a", map[string]any{"color": color}),
		helpConfigMap(r.Object.Name()+"-b", map[string]any{"k": "v"}),
		s,
	}
}

// helpOperator is a running Manager with one controller of Websites
// whose reconciles run the bodies a test hands it, one step at a time.
// Every reconcile of a Website waits for a step for that Website (so
// reconciles the test did not ask for do nothing), runs it, and asks to
// run again at once: the next reconcile beginning is the sign that the
// step's reconcile is over, its conditions written.
type helpOperator struct {
	t          *testing.T
	m          *operator.Manager
	log        *testkit.RequestLog // the requests of the manager's client
	apiVersion string

	mu      sync.Mutex
	cond    *sync.Cond
	steps   map[string][]*helpStep // waiting, per Website name
	begun   map[string]int         // reconciles begun, per Website name
	errs    []string               // errors the controller logged
	stopped bool
}

// helpStep is one reconcile body a test asked for.
type helpStep struct {
	after string // the resourceVersion the Website must have reached first
	body  func(ctx context.Context, r *operator.Reconcile) (*kobj.ChangeSet, error)
	done  chan helpResult
}

// helpResult is what a step did.
type helpResult struct {
	cs  *kobj.ChangeSet
	err error // the body's
	// logged are the errors the controller logged for the reconcile
	// (the conditions' write fails there).
	logged []string
	// writes and reads are the requests the manager sent during the
	// step's reconcile, conditions' write included.
	writes, reads []string

	begunAt, loggedAt, logAt int
}

// helpOperatorFor starts a manager over its own logged client, with the
// controller b describes (its Reconcile is set here), and stops it at
// the end of the test.
func helpOperatorFor(t *testing.T, apiVersion string, b *operator.Builder) *helpOperator {
	t.Helper()
	h := &helpOperator{t: t, log: &testkit.RequestLog{}, apiVersion: apiVersion,
		steps: map[string][]*helpStep{}, begun: map[string]int{}}
	h.cond = sync.NewCond(&h.mu)
	m, err := operator.NewManager(helpClient(t, h.log))
	if err != nil {
		t.Fatal(err)
	}
	h.m = m
	if err := m.Add(b.Workers(4).Reconcile(h.reconcile)); err != nil {
		t.Fatal(err)
	}
	logger := funcr.New(func(prefix, args string) {
		if strings.Contains(args, `"error"=`) {
			h.mu.Lock()
			h.errs = append(h.errs, strings.ReplaceAll(args, `\"`, `"`)) // funcr quotes values
			h.mu.Unlock()
		}
	}, funcr.Options{})
	ctx, cancel := context.WithCancel(klog.NewContext(context.Background(), logger))
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		h.mu.Lock()
		h.stopped = true
		h.cond.Broadcast()
		h.mu.Unlock()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return h
}

// helpSites starts a helpOperator of Websites owning ConfigMaps and
// Secrets.
func helpSites(t *testing.T, apiVersion string) *helpOperator {
	return helpOperatorFor(t, apiVersion, operator.For(apiVersion, "Website").Owns("v1", "ConfigMap").Owns("v1", "Secret"))
}

// reconcile is the controller's function: it runs the Website's next
// step, once the Website has reached the step's resourceVersion.
func (h *helpOperator) reconcile(ctx context.Context, r *operator.Reconcile) (operator.Result, error) {
	if r.Object == nil {
		return operator.Result{}, nil
	}
	h.mu.Lock()
	h.begun[r.Name]++
	h.cond.Broadcast()
	for len(h.steps[r.Name]) == 0 && !h.stopped {
		h.cond.Wait()
	}
	if h.stopped {
		h.mu.Unlock()
		return operator.Result{}, nil
	}
	st := h.steps[r.Name][0]
	if st.after != "" && !helpRVAtLeast(r.Object.ResourceVersion(), st.after) {
		h.mu.Unlock()
		return operator.Result{RequeueAfter: 10 * time.Millisecond}, nil // read it again
	}
	h.steps[r.Name] = h.steps[r.Name][1:]
	res := helpResult{begunAt: h.begun[r.Name], loggedAt: len(h.errs), logAt: h.log.Count()}
	h.mu.Unlock()
	res.cs, res.err = st.body(ctx, r)
	st.done <- res
	return operator.Result{RequeueAfter: time.Millisecond}, nil
}

// step runs body in a reconcile of the Website name once the Website has
// reached resourceVersion after ("": any), and returns once that
// reconcile is over, its conditions written.
func (h *helpOperator) step(ctx context.Context, name, after string, body func(ctx context.Context, r *operator.Reconcile) (*kobj.ChangeSet, error)) helpResult {
	h.t.Helper()
	st := &helpStep{after: after, body: body, done: make(chan helpResult, 1)}
	h.mu.Lock()
	h.steps[name] = append(h.steps[name], st)
	h.cond.Broadcast()
	h.mu.Unlock()
	var res helpResult
	select {
	case res = <-st.done:
	case <-ctx.Done():
		h.t.Fatalf("no reconcile of Website %s ran the step (after resourceVersion %q): %v", name, after, ctx.Err())
	}
	// The next reconcile of the Website begins once this one, and the
	// write of its conditions, are over.
	stop := context.AfterFunc(ctx, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.cond.Broadcast()
	})
	defer stop()
	h.mu.Lock()
	for h.begun[name] <= res.begunAt && ctx.Err() == nil {
		h.cond.Wait()
	}
	for _, e := range h.errs[res.loggedAt:] {
		if strings.Contains(e, "/"+name+`"`) {
			res.logged = append(res.logged, e)
		}
	}
	h.mu.Unlock()
	if ctx.Err() != nil {
		h.t.Fatalf("the reconcile of Website %s did not end: %v", name, ctx.Err())
	}
	reqs := h.log.Requests()[res.logAt:]
	for _, r := range reqs {
		method, rest, _ := strings.Cut(r, " ")
		switch {
		case method != "GET":
			res.writes = append(res.writes, r)
		case !strings.Contains(rest, "watch=true"):
			res.reads = append(res.reads, r)
		}
	}
	return res
}

// apply is a step that applies the Website's children (helpChildren)
// and nothing else.
func (h *helpOperator) apply(ctx context.Context, name, after string) helpResult {
	h.t.Helper()
	return h.step(ctx, name, after, func(ctx context.Context, r *operator.Reconcile) (*kobj.ChangeSet, error) {
		return r.Apply(ctx, helpChildren(r)...)
	})
}

// helpRVAtLeast reports whether resourceVersion have is want or newer
// (both are numbers on a Kubernetes server).
func helpRVAtLeast(have, want string) bool {
	h, herr := strconv.ParseUint(have, 10, 64)
	w, werr := strconv.ParseUint(want, 10, 64)
	return herr == nil && werr == nil && h >= w
}

// helpEvents waits until the events.k8s.io/v1 Events of ns satisfy done,
// and returns them.
func helpEvents(ctx context.Context, t *testing.T, c *kobj.Client, ns string, done func([]*kobj.Object) bool) []*kobj.Object {
	t.Helper()
	for {
		l, err := kobj.New("events.k8s.io/v1", "EventList").Read(ctx, kobj.WithClient(c), kobj.InNamespace(ns))
		if err != nil {
			t.Fatal(err)
		}
		if done(l.Items()) {
			return l.Items()
		}
		select {
		case <-ctx.Done():
			for _, e := range l.Items() {
				t.Logf("event: %s", e)
			}
			t.Fatalf("the Events of %s never came: %v", ns, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// helpWaitFor polls the object with c until ok holds.
func helpWaitFor(ctx context.Context, t *testing.T, c *kobj.Client, apiVersion, kind, ns, name string, ok func(*kobj.Object, error) bool) {
	t.Helper()
	for {
		o, err := helpRead(ctx, t, c, apiVersion, kind, ns, name)
		if ok(o, err) {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s %s/%s: never as wanted (last: %v, %v)", kind, ns, name, o, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
