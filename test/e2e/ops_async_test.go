package e2e

// The tests of this file are not parallel: goleak checks every goroutine of
// the process, so these tests run alone (parallel tests wait until the
// sequential ones are done), with IgnoreCurrent taken at their start.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"go.uber.org/goleak"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/rest"
)

// opsTracker is a transport that counts the requests open at once: from
// RoundTrip until the response body is closed (or RoundTrip fails).
type opsTracker struct {
	base http.RoundTripper // the shared *http.Transport below client-go's wrappers
	cur  atomic.Int64
	max  atomic.Int64
	mu   sync.Mutex
	reqs []string
}

func (tr *opsTracker) roundTrip(r *http.Request, next http.RoundTripper) (*http.Response, error) {
	n := tr.cur.Add(1)
	for m := tr.max.Load(); n > m && !tr.max.CompareAndSwap(m, n); m = tr.max.Load() {
	}
	tr.mu.Lock()
	tr.reqs = append(tr.reqs, r.Method+" "+r.URL.Path)
	tr.mu.Unlock()
	resp, err := next.RoundTrip(r)
	if err != nil {
		tr.cur.Add(-1)
		return resp, err
	}
	resp.Body = &opsTrackedBody{ReadCloser: resp.Body, done: func() { tr.cur.Add(-1) }}
	return resp, nil
}

// count returns how many requests for method and path were made.
func (tr *opsTracker) count(method, path string) int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	n := 0
	for _, r := range tr.reqs {
		if r == method+" "+path {
			n++
		}
	}
	return n
}

func (tr *opsTracker) total() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return len(tr.reqs)
}

// closeIdle closes the kept-alive connections, whose reader and writer
// goroutines would otherwise outlive the test (kobj's Client has no Close;
// the transport is client-go's, shared by every client of cfg).
func (tr *opsTracker) closeIdle() {
	utilnet.CloseIdleConnectionsFor(tr.base)
}

type opsTrackedBody struct {
	io.ReadCloser
	once sync.Once
	done func()
}

func (b *opsTrackedBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.done)
	return err
}

// opsTrackedClient returns a client whose requests go through a tracker.
func opsTrackedClient(t *testing.T, opts ...kobj.ClientOption) (*kobj.Client, *opsTracker) {
	t.Helper()
	tr := &opsTracker{}
	cc := rest.CopyConfig(cfg)
	inner := cc.WrapTransport
	cc.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		tr.base = rt
		if inner != nil {
			rt = inner(rt)
		}
		return hop{next: rt, through: tr.roundTrip}
	}
	opts = append([]kobj.ClientOption{kobj.CacheDir(t.TempDir())}, opts...)
	c, err := kobj.NewClient(cc, opts...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	if tr.base == nil {
		t.Fatal("NewClient did not use WrapTransport")
	}
	return c, tr
}

func opsConfigMapBody(name, batch string) map[string]any {
	return map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": name, "labels": map[string]any{"batch": batch}},
		"data":     map[string]any{"name": name},
	}
}

// opsCountBatch lists the ConfigMaps of a batch and returns their names.
func opsCountBatch(t *testing.T, ctx context.Context, c *kobj.Client, ns, batch string) map[string]bool {
	t.Helper()
	resp := opsCall(t, ctx, c, "listNamespacedConfigMap", kobj.Args{"namespace": ns, "labelSelector": "batch=" + batch}, http.StatusOK)
	list := opsKind(t, "listNamespacedConfigMap", resp, "ConfigMapList")
	names := map[string]bool{}
	for _, it := range list.Items() {
		names[it.Name()] = true
	}
	return names
}

func TestCallAsyncThousandCreates(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := testContext(t, 2*time.Minute)
	c, tr := opsTrackedClient(t)
	defer tr.closeIdle()
	ns := newNamespace(t, c) // discovery is warm; the operation index is not
	batch := suffix()
	const n = 1000

	start := time.Now()
	futures := make([]*kobj.Response, n)
	for i := range futures {
		futures[i] = c.CallAsync(ctx, "createNamespacedConfigMap", kobj.Args{"namespace": ns, "body": opsConfigMapBody(fmt.Sprintf("cm-%04d", i), batch)})
	}
	started := time.Since(start)
	failed := 0
	for i, f := range futures {
		obj, code, hdr, err := f.Get(ctx)
		want := fmt.Sprintf("cm-%04d", i)
		switch {
		case err != nil:
			failed++
			if failed <= 5 {
				t.Errorf("future %d: %v", i, err)
			}
		case code != http.StatusCreated || obj == nil || obj.Name() != want || obj.Namespace() != ns || hdr.Get("Content-Type") == "" || obj.ResourceVersion() == "":
			failed++
			t.Errorf("future %d: code %d object %v header %v", i, code, obj, hdr)
		}
		if err := f.Err(); err != nil && failed <= 5 {
			t.Errorf("future %d: Err() after Get: %v", i, err)
		}
		if err := f.Wait(time.Second); err != nil && failed <= 5 {
			t.Errorf("future %d: Wait after Get: %v", i, err)
		}
	}
	elapsed := time.Since(start)
	if failed > 0 {
		t.Fatalf("%d of %d async creates failed", failed, n)
	}
	t.Logf("%d async creates: started in %v, all done in %v (%.0f/s); at most %d requests open at once",
		n, started.Round(time.Millisecond), elapsed.Round(time.Millisecond), n/elapsed.Seconds(), tr.max.Load())
	if m := tr.max.Load(); m > kobj.DefaultMaxInFlight {
		t.Errorf("%d requests open at once, above DefaultMaxInFlight %d", m, kobj.DefaultMaxInFlight)
	}
	// A thousand first lookups of one operation make one round of requests.
	if got := tr.count("GET", "/openapi/v3"); got != 1 {
		t.Errorf("GET /openapi/v3 sent %d times, want 1", got)
	}
	if got := tr.count("GET", "/openapi/v3/api/v1"); got != 1 {
		t.Errorf("GET /openapi/v3/api/v1 sent %d times, want 1", got)
	}

	names := opsCountBatch(t, ctx, c, ns, batch)
	if len(names) != n {
		t.Errorf("the namespace holds %d ConfigMaps of the batch, want %d", len(names), n)
	}
	for i := range n {
		if !names[fmt.Sprintf("cm-%04d", i)] {
			t.Errorf("cm-%04d missing", i)
			break
		}
	}
	// Clean up, and see the collection go.
	opsCall(t, ctx, c, "deleteCollectionNamespacedConfigMap", kobj.Args{"namespace": ns, "labelSelector": "batch=" + batch}, http.StatusOK)
	if left := opsCountBatch(t, ctx, c, ns, batch); len(left) != 0 {
		t.Errorf("%d left after deleteCollection", len(left))
	}
}

func TestCallAsyncMaxInFlight(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := testContext(t, 2*time.Minute)
	c, tr := opsTrackedClient(t, kobj.MaxInFlight(8))
	defer tr.closeIdle()
	ns := newNamespace(t, c)
	batch := suffix()
	const n = 200

	futures := make([]*kobj.Response, n)
	for i := range futures {
		futures[i] = c.CallAsync(ctx, "createCoreV1NamespacedConfigMap", kobj.Args{"namespace": ns, "body": opsConfigMapBody(fmt.Sprintf("cm-%03d", i), batch)})
	}
	start := time.Now()
	for i, f := range futures {
		select {
		case <-f.Done():
		case <-ctx.Done():
			t.Fatalf("future %d not done: %v", i, ctx.Err())
		}
		if _, code, _, err := f.Get(ctx); err != nil || code != http.StatusCreated {
			t.Fatalf("future %d: %d %v", i, code, err)
		}
	}
	m := tr.max.Load()
	t.Logf("%d async creates with MaxInFlight(8): %v; at most %d requests open at once, %d requests in all", n, time.Since(start).Round(time.Millisecond), m, tr.total())
	if m > 8 {
		t.Errorf("%d requests open at once with MaxInFlight(8)", m)
	}
	if m < 2 {
		t.Errorf("at most %d request open at once: the futures did not run concurrently", m)
	}
	if got := len(opsCountBatch(t, ctx, c, ns, batch)); got != n {
		t.Errorf("%d ConfigMaps of the batch, want %d", got, n)
	}
	if cur := tr.cur.Load(); cur != 0 {
		t.Errorf("%d requests still open after every future is done", cur)
	}
}

func TestCallAsyncCanceledContext(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := testContext(t, 2*time.Minute)
	c, tr := opsTrackedClient(t, kobj.MaxInFlight(8))
	defer tr.closeIdle()
	ns := newNamespace(t, c)
	// Warm the index, so that the futures below only send their requests.
	opsCall(t, ctx, c, "listNamespacedConfigMap", kobj.Args{"namespace": ns}, http.StatusOK)
	batch := suffix()
	const n = 200

	cctx, cancel := context.WithCancel(ctx)
	futures := make([]*kobj.Response, n)
	for i := range futures {
		futures[i] = c.CallAsync(cctx, "createNamespacedConfigMap", kobj.Args{"namespace": ns, "body": opsConfigMapBody(fmt.Sprintf("cm-%03d", i), batch)})
	}
	cancel()
	succeeded, canceled := 0, 0
	for i, f := range futures {
		err := f.Wait(30 * time.Second)
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			t.Fatalf("future %d still pending 30s after its context was canceled: %v", i, err)
		case err == nil:
			succeeded++
			if f.Code != http.StatusCreated || f.Object == nil {
				t.Errorf("future %d: succeeded with code %d object %v", i, f.Code, f.Object)
			}
		case errors.Is(err, context.Canceled):
			canceled++
			if f.Object != nil {
				t.Errorf("future %d: canceled, yet holds an object", i)
			}
		default:
			t.Errorf("future %d: %v, want success or context.Canceled", i, err)
		}
		if _, _, _, gerr := f.Get(ctx); gerr != err {
			t.Errorf("future %d: Get says %v, Wait said %v", i, gerr, err)
		}
	}
	t.Logf("context canceled after starting %d futures: %d succeeded, %d canceled", n, succeeded, canceled)
	if canceled == 0 {
		t.Error("no future ended with context.Canceled")
	}
	if succeeded+canceled != n {
		t.Errorf("%d succeeded + %d canceled != %d", succeeded, canceled, n)
	}
	// The server may have done what a canceled request asked before it
	// saw the cancel, but never more than was asked.
	if got := len(opsCountBatch(t, ctx, c, ns, batch)); got < succeeded || got > n {
		t.Errorf("%d ConfigMaps of the batch on the server, with %d successes", got, succeeded)
	} else {
		t.Logf("%d ConfigMaps of the batch on the server", got)
	}

	// A call with an already canceled context sends nothing.
	before := tr.total()
	f := c.CallAsync(cctx, "listNamespacedConfigMap", kobj.Args{"namespace": ns})
	if err := f.Wait(10 * time.Second); !errors.Is(err, context.Canceled) {
		t.Errorf("future with a canceled context: %v", err)
	}
	if _, err := c.Call(cctx, "listNamespacedConfigMap", kobj.Args{"namespace": ns}); !errors.Is(err, context.Canceled) {
		t.Errorf("Call with a canceled context: %v", err)
	}
	if sent := tr.total() - before; sent != 0 {
		t.Errorf("calls with a canceled context sent %d requests", sent)
	}
	if cur := tr.cur.Load(); cur != 0 {
		t.Errorf("%d requests still open after every future is done", cur)
	}
}
