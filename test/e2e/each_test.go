package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kobj-dev/kobj"
)

// etcdURL is the client address of the control plane's etcd, for a test
// that compacts its history.
var etcdURL *url.URL

const eachObjects = 5000

// TestEach walks 5,000 ConfigMaps with Each: page by page, every item once,
// break, cancel, and a list that expires between two pages.
func TestEach(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	start := time.Now()
	createConfigMaps(t, ctx, ns, eachObjects, 32)
	t.Logf("%d ConfigMaps created by 32 writers in %v", eachObjects, time.Since(start).Round(time.Millisecond))
	isPage := func(method, path, _ string) bool {
		return method == "GET" && path == "/api/v1/namespaces/"+ns+"/configmaps"
	}

	t.Run("every item once, a request a page", func(t *testing.T) {
		cc, log := newCountingClient(t)
		seen := map[string]int{}
		var order []string
		for item, err := range kobj.New("v1", "ConfigMapList").Each(ctx, kobj.WithClient(cc), kobj.InNamespace(ns), kobj.Limit(100)) {
			if err != nil {
				t.Fatal(err)
			}
			seen[item.Name()]++
			order = append(order, item.Name())
		}
		for i := range eachObjects {
			if n := seen[cmName(i)]; n != 1 {
				t.Errorf("%s yielded %d times", cmName(i), n)
			}
		}
		// Other ConfigMaps of the namespace (none, without a controller
		// manager) would be listed too: pages are counted from what came.
		pages := log.Matching(isPage)
		if want := (len(order) + 99) / 100; len(pages) != want {
			t.Errorf("%d list requests for %d items, want %d", len(pages), len(order), want)
		}
		for i, p := range pages {
			if !strings.Contains(p, "limit=100") || (i > 0) != strings.Contains(p, "continue=") {
				t.Errorf("page %d sent %s", i+1, p)
			}
		}
		for i := 1; i < len(order); i++ {
			if order[i-1] >= order[i] {
				t.Fatalf("not in the server's order (by name): %s before %s", order[i-1], order[i])
			}
		}
		t.Logf("%d items in %d requests", len(order), len(pages))
	})

	t.Run("break sends no further request", func(t *testing.T) {
		cc, log := newCountingClient(t)
		n := 0
		for _, err := range kobj.New("v1", "ConfigMapList").Each(ctx, kobj.WithClient(cc), kobj.InNamespace(ns), kobj.Limit(100)) {
			if err != nil {
				t.Fatal(err)
			}
			if n++; n == 150 {
				break
			}
		}
		if pages := log.Matching(isPage); len(pages) != 2 {
			t.Errorf("a break in page 2 after %d list requests, want 2: %v", len(pages), pages)
		}
	})

	t.Run("cancel ends the walk with ctx's error", func(t *testing.T) {
		cc, log := newCountingClient(t)
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		n := 0
		var errs []error
		for item, err := range kobj.New("v1", "ConfigMapList").Each(cctx, kobj.WithClient(cc), kobj.InNamespace(ns), kobj.Limit(100)) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if item == nil {
				t.Fatal("nil item without an error")
			}
			if n++; n == 250 {
				cancel()
			}
		}
		if n != 250 || len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
			t.Errorf("after a cancel at item 250: %d items, errors %v", n, errs)
		}
		if pages := log.Matching(isPage); len(pages) != 3 {
			t.Errorf("%d list requests, want 3", len(pages))
		}
	})

	t.Run("a list that expires between pages", func(t *testing.T) {
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		// The apiserver serves a continue token from its watch cache
		// while the cache still holds the token's version, compaction or
		// not; the token is then made to name version 1, which only etcd
		// could serve and which the compaction below removed: the server
		// answers 410 Expired, as it does for a token older than its
		// cache after the apiserver's own compaction.
		var forge atomic.Bool
		fc := rest.CopyConfig(cfg)
		fc.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(r *http.Request) (*http.Response, error) {
				if q := r.URL.Query(); forge.Load() && q.Get("continue") != "" {
					q.Set("continue", forgeContinue(t, q.Get("continue"), 1))
					r = r.Clone(r.Context())
					r.URL.RawQuery = q.Encode()
				}
				return rt.RoundTrip(r)
			})
		}
		c := newClientFor(t, fc)
		n := 0
		var errs []error
		for _, err := range kobj.New("v1", "ConfigMapList").Each(ctx, kobj.WithClient(c), kobj.InNamespace(ns), kobj.Limit(100)) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if n++; n == 100 {
				// The last item of page 1: a write moves etcd past the
				// page's resourceVersion, and a compaction at the write
				// drops the version the continue token holds, as the
				// apiserver's own compaction (every 5 minutes) would.
				cm, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "zz-after-page-1"}}, metav1.CreateOptions{})
				if err != nil {
					t.Fatal(err)
				}
				compactEtcd(t, cm.ResourceVersion)
				forge.Store(true)
			}
		}
		if n != 100 || len(errs) != 1 {
			t.Fatalf("%d items and errors %v, want 100 items and one error", n, errs)
		}
		err = errs[0]
		var status *apierrors.StatusError
		if !apierrors.IsResourceExpired(err) || !errors.As(err, &status) || !strings.Contains(err.Error(), "after 100 items") {
			t.Errorf("error %v: want the server's 410 Expired, saying after 100 items", err)
		}
		t.Logf("expired: %v", err)
	})

	t.Run("peak heap: Each against Read", func(t *testing.T) {
		walk := func(limit kobj.Limit) func() {
			return func() {
				for _, err := range kobj.New("v1", "ConfigMapList").Each(ctx, kobj.WithClient(c), kobj.InNamespace(ns), limit) {
					if err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		each, each500 := peakHeap(walk(100)), peakHeap(walk(500))
		read := peakHeap(func() {
			list, err := kobj.New("v1", "ConfigMapList").Read(ctx, kobj.WithClient(c), kobj.InNamespace(ns), kobj.Limit(100))
			if err != nil {
				t.Fatal(err)
			}
			runtime.KeepAlive(list)
		})
		t.Logf("peak heap above the start, %d ConfigMaps: Each pages of 100 %.1f MB, of 500 %.1f MB; Read (pages of 100) %.1f MB",
			eachObjects, float64(each)/1e6, float64(each500)/1e6, float64(read)/1e6)
	})
}

func cmName(i int) string { return fmt.Sprintf("cm-%05d", i) }

// createConfigMaps creates n ConfigMaps cm-00000... in ns with the given
// number of concurrent writers, each with a small payload.
func createConfigMaps(t *testing.T, ctx context.Context, ns string, n, writers int) {
	t.Helper()
	cc := *cfg
	cc.QPS, cc.Burst = -1, 0 // no client-side rate limit
	cs, err := kubernetes.NewForConfig(&cc)
	if err != nil {
		t.Fatal(err)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: cmName(i), Labels: map[string]string{"walk": "each"}},
					Data: map[string]string{"index": strconv.Itoa(i), "payload": strings.Repeat("x", 200)}}
				if _, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// compactEtcd compacts the control plane's etcd at revision rv through
// its JSON gateway: every older revision is gone.
func compactEtcd(t *testing.T, rv string) {
	t.Helper()
	body := fmt.Sprintf(`{"revision":%q,"physical":true}`, rv)
	resp, err := http.Post(etcdURL.String()+"/v3/kv/compaction", "application/json", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("compacting etcd at %s: %s", rv, resp.Status)
	}
}

// peakHeap runs f and returns the highest live heap seen while it ran,
// above the heap before it, sampling every millisecond.
func peakHeap(f func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	f()
	close(done)
	<-sampled
	if p := peak.Load(); p > base {
		return p - base
	}
	return 0
}

// forgeContinue returns the continue token tok naming resourceVersion rv:
// a token is the base64 of {"v":"meta.k8s.io/v1","rv":N,"start":"..."}.
func forgeContinue(t *testing.T, tok string, rv int64) string {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		t.Errorf("continue token %q: %v", tok, err)
		return tok
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m["rv"] == nil {
		t.Errorf("continue token %s: %v", raw, err)
		return tok
	}
	m["rv"] = rv
	out, _ := json.Marshal(m)
	return base64.RawURLEncoding.EncodeToString(out)
}

// newClientFor is newClient with another rest.Config.
func newClientFor(t *testing.T, rc *rest.Config) *kobj.Client {
	t.Helper()
	c, err := kobj.NewClient(rc, kobj.CacheDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	return c
}
