package kobj_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/metrics"
	"k8s.io/client-go/util/flowcontrol"
)

// Transport parity with client-go's rest client: what kobj's one request
// path must give, each shown against an httptest server.
// hangUp closes the connection without an answer, as a dying proxy does.
func hangUp(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

// failFirst makes the fake fail the first n requests for path with fail.
func failFirst(f *fakeAPI, method, path string, n int, fail func(w http.ResponseWriter)) (count func() int) {
	var mu sync.Mutex
	seen := new(int)
	f.intercept = func(w http.ResponseWriter, r *recorded) bool {
		if r.Method != method || r.Path != path {
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		*seen++
		if *seen <= n {
			fail(w)
			return true
		}
		return false
	}
	return func() int {
		mu.Lock()
		defer mu.Unlock()
		return *seen
	}
}

func TestLostConnectionRetriesOnlyWhatIsSafeToSendTwice(t *testing.T) {
	ctx := context.Background()
	const cm = "/api/v1/namespaces/ns/configmaps"
	t.Run("GET is retried", func(t *testing.T) {
		f := newFakeAPI(t, "")
		f.put(cm+"/web", configMap("ns", "web").Map())
		seen := failFirst(f, "GET", cm+"/web", 1, hangUp)
		if _, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.WithClient(f.client()), kobj.Named("web"), kobj.InNamespace("ns")); err != nil {
			t.Fatalf("Read after a lost connection = %v", err)
		}
		if seen() != 2 {
			t.Errorf("the server saw %d GETs, want 2", seen())
		}
	})
	t.Run("a patch with a resourceVersion is retried", func(t *testing.T) {
		f := newFakeAPI(t, "")
		f.put(cm+"/web", configMap("ns", "web").Map())
		c := f.client()
		o, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.WithClient(c), kobj.Named("web"), kobj.InNamespace("ns"))
		if err != nil {
			t.Fatal(err)
		}
		seen := failFirst(f, "PATCH", cm+"/web", 1, hangUp)
		o.SetLabel("a", "b")
		if _, err := o.Update(ctx, kobj.WithClient(c)); err != nil {
			t.Fatalf("Update after a lost connection = %v", err)
		}
		if seen() != 2 {
			t.Errorf("the server saw %d PATCHes, want 2", seen())
		}
	})
	t.Run("POST is not retried", func(t *testing.T) {
		f := newFakeAPI(t, "")
		seen := failFirst(f, "POST", cm, 1, hangUp)
		_, err := configMap("ns", "web").Create(ctx, kobj.WithClient(f.client()))
		if err == nil {
			t.Fatal("a create whose connection was lost reported success")
		}
		if seen() != 1 {
			t.Errorf("the server saw %d POSTs, want 1: a create is never sent twice blindly", seen())
		}
	})
}

// recordingMetrics counts what client-go's metrics hooks receive.
type recordingMetrics struct {
	mu      sync.Mutex
	results []string // code method
	retries []string
	latency int
}

func (m *recordingMetrics) Increment(_ context.Context, code, method, host string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.results = append(m.results, code+" "+method)
}

func (m *recordingMetrics) IncrementRetry(_ context.Context, code, method, host string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.retries = append(m.retries, code+" "+method)
}

func (m *recordingMetrics) Observe(context.Context, string, url.URL, time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.latency++
}

func (m *recordingMetrics) reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.results, m.retries, m.latency = nil, nil, 0
}

// registerMetrics installs the recorder; client-go takes the first
// registration of a process only, so this test file is the one to do it.
var registerMetrics = sync.OnceValue(func() *recordingMetrics {
	m := &recordingMetrics{}
	metrics.Register(metrics.RegisterOpts{RequestResult: m, RequestRetry: m, RequestLatency: m})
	return m
})

func TestRetryAfterIsHonouredAndReportedToMetrics(t *testing.T) {
	m := registerMetrics()
	ctx := context.Background()
	const path = "/api/v1/namespaces/ns/configmaps/web"
	for _, code := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			f := newFakeAPI(t, "")
			f.put(path, configMap("ns", "web").Map())
			c := f.client()
			if _, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.WithClient(c), kobj.Named("web"), kobj.InNamespace("ns")); err != nil {
				t.Fatal(err) // warm up discovery
			}
			seen := failFirst(f, "GET", path, 2, func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", "0")
				writeStatus(w, code, "TooManyRequests", "later")
			})
			m.reset()
			if _, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.WithClient(c), kobj.Named("web"), kobj.InNamespace("ns")); err != nil {
				t.Fatalf("Read after two %d answers = %v", code, err)
			}
			if seen() != 3 {
				t.Errorf("the server saw %d GETs, want 3", seen())
			}
			m.mu.Lock()
			defer m.mu.Unlock()
			c3 := func(s []string) string { return strings.Join(s, ",") }
			want := []string{strconv.Itoa(code) + " GET", strconv.Itoa(code) + " GET", "200 GET"}
			if c3(m.results) != c3(want) || c3(m.retries) != c3(want[1:]) || m.latency != 3 {
				t.Errorf("metrics: results %v, retries %v, latencies %d; want %v, %v, 3", m.results, m.retries, m.latency, want, want[1:])
			}
		})
	}
	t.Run("gives up after client-go's limit", func(t *testing.T) {
		f := newFakeAPI(t, "")
		seen := failFirst(f, "GET", path, 100, func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "0")
			writeStatus(w, 429, "TooManyRequests", "later")
		})
		_, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.WithClient(f.client()), kobj.Named("web"), kobj.InNamespace("ns"))
		if err == nil || seen() != 11 {
			t.Errorf("after %d answers of 429: %v; want an error after 1 + 10 retries", seen(), err)
		}
	})
	t.Run("the wait ends with the context", func(t *testing.T) {
		f := newFakeAPI(t, "")
		failFirst(f, "GET", path, 100, func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "30")
			writeStatus(w, 429, "TooManyRequests", "later")
		})
		c := f.client()
		if _, err := kobj.New("v1", "ConfigMapList").Read(ctx, kobj.WithClient(c)); err != nil {
			t.Fatal(err) // warm up discovery
		}
		short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		_, err := kobj.New("v1", "ConfigMap").Read(short, kobj.WithClient(c), kobj.Named("web"), kobj.InNamespace("ns"))
		if err != context.DeadlineExceeded {
			t.Errorf("Read during a 30s Retry-After with a 200ms context = %v, want context.DeadlineExceeded", err)
		}
	})
}

type warningRecorder struct {
	mu   sync.Mutex
	seen []string
}

func (w *warningRecorder) HandleWarningHeader(code int, agent, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen = append(w.seen, text)
}

func TestWarningsReachTheConfiguredHandler(t *testing.T) {
	f := newFakeAPI(t, "")
	f.put("/api/v1/namespaces/ns/configmaps/web", configMap("ns", "web").Map())
	f.intercept = func(w http.ResponseWriter, r *recorded) bool {
		w.Header().Add("Warning", `299 - "deprecated, use v2"`)
		return false
	}
	rec := &warningRecorder{}
	c, err := kobj.NewClient(&rest.Config{Host: f.srv.URL, WarningHandler: rec}, kobj.CacheDir(""))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kobj.New("v1", "ConfigMap").Read(context.Background(), kobj.WithClient(c), kobj.Named("web"), kobj.InNamespace("ns")); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.seen) == 0 || rec.seen[len(rec.seen)-1] != "deprecated, use v2" {
		t.Errorf("warnings seen: %q", rec.seen)
	}
}

// countingLimiter is a rate limiter that lets everything through and
// counts.
type countingLimiter struct {
	flowcontrol.RateLimiter
	mu    sync.Mutex
	waits int
}

func (l *countingLimiter) Wait(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.waits++
	return nil
}

func TestRestConfigRateLimiterIsUsed(t *testing.T) {
	f := newFakeAPI(t, "")
	f.put("/api/v1/namespaces/ns/configmaps/web", configMap("ns", "web").Map())
	lim := &countingLimiter{RateLimiter: flowcontrol.NewFakeAlwaysRateLimiter()}
	c, err := kobj.NewClient(&rest.Config{Host: f.srv.URL, RateLimiter: lim}, kobj.CacheDir(""))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kobj.New("v1", "ConfigMap").Read(context.Background(), kobj.WithClient(c), kobj.Named("web"), kobj.InNamespace("ns")); err != nil {
		t.Fatal(err)
	}
	if lim.waits == 0 {
		t.Error("the rest.Config's RateLimiter was never asked")
	}
}

func TestCacheDirEmptyWritesNothing(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CACHE_HOME", filepath.Join(home, ".cache"))
	f := newFakeAPI(t, "")
	f.put("/api/v1/namespaces/ns/configmaps/web", configMap("ns", "web").Map())
	c := f.client() // CacheDir("")
	ctx := context.Background()
	if _, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.WithClient(c), kobj.Named("web"), kobj.InNamespace("ns")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Call(ctx, "readCoreV1NamespacedConfigMap", kobj.Args{"namespace": "ns", "name": "web"}); err != nil {
		t.Fatal(err)
	}
	var files []string
	filepath.Walk(home, func(p string, info os.FileInfo, err error) error {
		if p != home {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 0 {
		t.Errorf("a client with CacheDir(\"\") wrote %v", files)
	}
}

func TestUnwritableCacheDirIsNotAnError(t *testing.T) {
	f := newFakeAPI(t, "")
	f.put("/api/v1/namespaces/ns/configmaps/web", configMap("ns", "web").Map())
	file := filepath.Join(t.TempDir(), "not-a-folder")
	os.WriteFile(file, nil, 0o600) // a folder cannot be made below a file, even by root
	c, err := kobj.NewClient(&rest.Config{Host: f.srv.URL}, kobj.CacheDir(file))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 2 {
		if _, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.WithClient(c), kobj.Named("web"), kobj.InNamespace("ns")); err != nil {
			t.Fatalf("Read with an unwritable cache folder = %v", err)
		}
		if _, err := c.Call(ctx, "readCoreV1NamespacedConfigMap", kobj.Args{"namespace": "ns", "name": "web"}); err != nil {
			t.Fatalf("Call with an unwritable cache folder = %v", err)
		}
	}
}

func TestServerURLPathPrefixesEveryRequest(t *testing.T) {
	f := newFakeAPI(t, "/k8s/clusters/c-1")
	c := f.client()
	ctx := context.Background()
	o, err := configMap("ns", "web").Create(ctx, kobj.WithClient(c))
	if err != nil {
		t.Fatal(err) // discovery, then the create, went through the prefix
	}
	if _, err := o.Read(ctx, kobj.WithClient(c)); err != nil {
		t.Fatal(err)
	}
	resp, err := c.Call(ctx, "readCoreV1NamespacedConfigMap", kobj.Args{"namespace": "ns", "name": "web"})
	if err != nil || resp.Object == nil || resp.Object.Name() != "web" {
		t.Fatalf("Call through a path prefix: %v, %v", resp, err)
	}
	if got := c.Host(); got != f.srv.URL+"/k8s/clusters/c-1" {
		t.Errorf("Host() = %q", got)
	}
}

func TestThrottledCallGivesItsSlotBack(t *testing.T) {
	f := newFakeAPI(t, "")
	var mu sync.Mutex
	var order []string
	throttled := make(chan struct{})
	first := true
	f.intercept = func(w http.ResponseWriter, r *recorded) bool {
		mu.Lock()
		defer mu.Unlock()
		order = append(order, r.Path)
		if r.Path == "/api/v1/namespaces/ns/configmaps/slow" && first {
			first = false
			w.Header().Set("Retry-After", "1")
			writeStatus(w, 429, "TooManyRequests", "slow down")
			close(throttled)
			return true
		}
		return false
	}
	c := f.client(kobj.MaxInFlight(1))
	ctx := context.Background()
	f.put("/api/v1/namespaces/ns/configmaps/fast", configMap("ns", "fast").Map())
	f.put("/api/v1/namespaces/ns/configmaps/slow", configMap("ns", "slow").Map())
	slow := make(chan error)
	go func() {
		_, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.WithClient(c), kobj.Named("slow"), kobj.InNamespace("ns"))
		slow <- err
	}()
	<-throttled
	// With the only slot held through the wait, this read would queue
	// behind the retry; with it given back, it goes first.
	if _, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.WithClient(c), kobj.Named("fast"), kobj.InNamespace("ns")); err != nil {
		t.Fatal(err)
	}
	if err := <-slow; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	var crud []string
	for _, p := range order {
		if strings.HasPrefix(p, "/api/v1/namespaces/") {
			crud = append(crud, filepath.Base(p))
		}
	}
	if strings.Join(crud, ",") != "slow,fast,slow" {
		t.Errorf("requests in order %v, want slow (throttled), fast, slow (retried)", crud)
	}
}
