package operator

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"k8s.io/client-go/tools/metrics"
	"k8s.io/client-go/util/flowcontrol"
	"k8s.io/klog/v2"

	"github.com/kobj-dev/kobj/internal/wire"
)

// scrape reads h's answer in the Prometheus text format.
func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	r.Header.Set("Accept", "text/plain; version=0.0.4")
	h.ServeHTTP(rec, r)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct == "" || ct[:10] != "text/plain" {
		t.Fatalf("GET /metrics: Content-Type %q, want the text format", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return fams
}

// sample returns the value of the series of fams[name] whose labels
// include labels (a counter's or gauge's value, a histogram's count),
// and whether there is one.
func sample(fams map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

// metricsController returns a controller of a Manager that has only
// metrics, its queue made, over the fake store.
func metricsController(t *testing.T, workers int, fn func(ctx context.Context, r *Reconcile) (Result, error)) (*Manager, *controller) {
	t.Helper()
	m := &Manager{metrics: newManagerMetrics()}
	c := newController(m, For("example.com/v1", "Widget").Workers(workers).Reconcile(fn), true)
	c.rateLimiter = &fakeLimiter{whens: map[Request]int{}}
	c.lookup = func(context.Context, Request) (*entry, bool, error) { return nil, false, nil }
	c.init(klog.Background())
	return m, c
}

const widgetCtl = "widget.example.com"

// TestMetricsReconcileResults checks what one request counts, by what
// the reconciler returns, scraped from the Manager's handler.
func TestMetricsReconcileResults(t *testing.T) {
	cases := []struct {
		name string
		// results are the reconciler's answers, one per call; the
		// request is reconciled once per entry.
		results []func() (Result, error)
		want    map[string]float64 // controller_runtime_reconcile_total by result
		errs    float64            // controller_runtime_reconcile_errors_total
		term    float64            // controller_runtime_terminal_reconcile_errors_total
		panics  float64            // controller_runtime_reconcile_panics_total
		retries float64            // workqueue_retries_total
	}{
		{name: "success", results: []func() (Result, error){ok},
			want: map[string]float64{"success": 1}},
		{name: "error then success", results: []func() (Result, error){fail, ok},
			want: map[string]float64{"error": 1, "success": 1}, errs: 1, retries: 1},
		{name: "terminal", results: []func() (Result, error){terminal},
			want: map[string]float64{"error": 1}, errs: 1, term: 1},
		{name: "panic then success", results: []func() (Result, error){boom, ok},
			want: map[string]float64{"error": 1, "success": 1}, errs: 1, panics: 1, retries: 1},
		{name: "requeue after", results: []func() (Result, error){hourLater},
			want: map[string]float64{"requeue_after": 1}, retries: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			m, c := metricsController(t, 1, func(context.Context, *Reconcile) (Result, error) {
				n := int(calls.Add(1))
				return tc.results[min(n, len(tc.results))-1]()
			})
			ctl := map[string]string{"controller": widgetCtl}

			// Every series is there at zero before the first reconcile.
			fams := scrape(t, m.metricsHandler())
			for _, r := range []string{"success", "error", "requeue", "requeue_after"} {
				if v, ok := sample(fams, "controller_runtime_reconcile_total", map[string]string{"controller": widgetCtl, "result": r}); !ok || v != 0 {
					t.Errorf("before any reconcile: reconcile_total{result=%q} = %v (present %v), want 0", r, v, ok)
				}
			}

			runWorkers(t, c)
			c.queue.Add(req("a"))
			n := float64(len(tc.results))
			q := map[string]string{"name": widgetCtl, "controller": widgetCtl}
			// The queue's Done, which records the work duration, comes
			// after everything a reconcile counts.
			wait(t, "the reconciles to be done", func() bool {
				v, _ := sample(scrape(t, m.metricsHandler()), "workqueue_work_duration_seconds", q)
				return v >= n
			})
			fams = scrape(t, m.metricsHandler())
			for _, r := range []string{"success", "error", "requeue", "requeue_after"} {
				if v, _ := sample(fams, "controller_runtime_reconcile_total", map[string]string{"controller": widgetCtl, "result": r}); v != tc.want[r] {
					t.Errorf("reconcile_total{result=%q} = %v, want %v", r, v, tc.want[r])
				}
			}
			for name, want := range map[string]float64{
				"controller_runtime_reconcile_time_seconds":          n,
				"controller_runtime_reconcile_errors_total":          tc.errs,
				"controller_runtime_terminal_reconcile_errors_total": tc.term,
				"controller_runtime_reconcile_panics_total":          tc.panics,
				"controller_runtime_max_concurrent_reconciles":       1,
			} {
				if v, ok := sample(fams, name, ctl); !ok || v != want {
					t.Errorf("%s = %v (present %v), want %v", name, v, ok, want)
				}
			}
			for name, want := range map[string]float64{
				"workqueue_adds_total":             1 + tc.retries - tc.want["requeue_after"], // the hour-long wait is not an add yet
				"workqueue_retries_total":          tc.retries,
				"workqueue_queue_duration_seconds": n,
			} {
				if v, ok := sample(fams, name, q); !ok || v != want {
					t.Errorf("%s = %v (present %v), want %v", name, v, ok, want)
				}
			}
		})
	}
}

// TestMetricsQueueAndWorkers checks that the queue's series are there
// from the start with both labels, and the active-worker gauge while a
// reconcile runs and after.
func TestMetricsQueueAndWorkers(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 2)
	m, c := metricsController(t, 3, func(context.Context, *Reconcile) (Result, error) {
		started <- struct{}{}
		<-release
		return Result{}, nil
	})
	q := map[string]string{"name": widgetCtl, "controller": widgetCtl}
	ctl := map[string]string{"controller": widgetCtl}
	fams := scrape(t, m.metricsHandler())
	for _, name := range []string{"workqueue_depth", "workqueue_adds_total", "workqueue_queue_duration_seconds",
		"workqueue_work_duration_seconds", "workqueue_unfinished_work_seconds",
		"workqueue_longest_running_processor_seconds", "workqueue_retries_total"} {
		if v, ok := sample(fams, name, q); !ok || v != 0 {
			t.Errorf("%s{name,controller=%q} = %v (present %v), want 0", name, widgetCtl, v, ok)
		}
	}
	if v, _ := sample(fams, "controller_runtime_max_concurrent_reconciles", ctl); v != 3 {
		t.Errorf("max_concurrent_reconciles = %v, want 3", v)
	}

	c.queue.Add(req("a"))
	c.queue.Add(req("b"))
	if v, _ := sample(scrape(t, m.metricsHandler()), "workqueue_depth", q); v != 2 {
		t.Errorf("workqueue_depth with two keys queued = %v, want 2", v)
	}
	runWorkers(t, c)
	<-started
	<-started
	fams = scrape(t, m.metricsHandler())
	if v, _ := sample(fams, "controller_runtime_active_workers", ctl); v != 2 {
		t.Errorf("active_workers with two reconciles running = %v, want 2", v)
	}
	if v, _ := sample(fams, "workqueue_depth", q); v != 0 {
		t.Errorf("workqueue_depth with both keys taken = %v, want 0", v)
	}
	close(release)
	wait(t, "the reconciles to be done", func() bool {
		v, _ := sample(scrape(t, m.metricsHandler()), "workqueue_work_duration_seconds", q)
		return v == 2
	})
	fams = scrape(t, m.metricsHandler())
	for name, want := range map[string]float64{
		"controller_runtime_active_workers":         0,
		"controller_runtime_reconcile_time_seconds": 2,
	} {
		if v, _ := sample(fams, name, ctl); v != want {
			t.Errorf("%s = %v after both reconciles, want %v", name, v, want)
		}
	}
}

// TestMetricsClientFanOut checks that kobj's requests (internal/wire,
// which reports to client-go's tools/metrics) reach every attached
// Manager's registry and stop reaching one once detached. This test
// binary links nothing else that registers client-go's hooks, so
// kobj/operator's adapter is the one client-go holds.
func TestMetricsClientFanOut(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"kind":"ConfigMap","apiVersion":"v1"}`))
	}))
	defer srv.Close()
	base, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	w := wire.New(wire.Config{Base: base, HTTP: srv.Client(), MaxInFlight: 1,
		Limiter: flowcontrol.NewTokenBucketRateLimiter(1000, 10)})
	get := func() {
		t.Helper()
		if _, err := w.Do(context.Background(), &wire.Request{Method: http.MethodGet,
			Path: "/api/v1/namespaces/ns/configmaps/a", Template: "/api/v1/namespaces/{namespace}/configmaps/{name}"}); err != nil {
			t.Fatal(err)
		}
	}

	a, b := &Manager{metrics: newManagerMetrics()}, &Manager{metrics: newManagerMetrics()}
	detachA, owner := hooks.attach(a.metrics.client)
	if owner != "" {
		t.Fatalf("client-go's metrics hooks are held by %s, want kobj/operator's", owner)
	}
	defer detachA()
	detachB, _ := hooks.attach(b.metrics.client)
	get() // a 503 with Retry-After, then a 200

	host := base.Host
	ok200 := map[string]string{"code": "200", "method": "GET", "host": host}
	for name, m := range map[string]*Manager{"a": a, "b": b} {
		fams := scrape(t, m.metricsHandler())
		for _, c := range []struct {
			metric string
			labels map[string]string
			want   float64
		}{
			{"rest_client_requests_total", ok200, 1},
			{"rest_client_requests_total", map[string]string{"code": "503", "method": "GET", "host": host}, 1},
			{"rest_client_request_retries_total", map[string]string{"code": "200", "verb": "GET", "host": host}, 1},
			{"rest_client_request_duration_seconds", map[string]string{"verb": "GET", "host": host}, 2},
			{"rest_client_rate_limiter_duration_seconds", map[string]string{"verb": "GET", "host": host}, 2},
		} {
			if v, _ := sample(fams, c.metric, c.labels); v != c.want {
				t.Errorf("manager %s: %s%v = %v, want %v", name, c.metric, c.labels, v, c.want)
			}
		}
	}

	detachB()
	get()
	if v, _ := sample(scrape(t, a.metricsHandler()), "rest_client_requests_total", ok200); v != 2 {
		t.Errorf("attached manager: requests_total{200} = %v after a second request, want 2", v)
	}
	if v, _ := sample(scrape(t, b.metricsHandler()), "rest_client_requests_total", ok200); v != 1 {
		t.Errorf("detached manager: requests_total{200} = %v after a second request, want 1 (unchanged)", v)
	}
}

func hourLater() (Result, error) { return Result{RequeueAfter: time.Hour}, nil }

// BenchmarkMetricsObserve measures what the metrics add to one reconcile
// (observe: a histogram and a counter) and to one request (the client
// hooks with one Manager attached: a counter and a histogram).
func BenchmarkMetricsObserve(b *testing.B) {
	_, c := metricsController(&testing.T{}, 1, func(context.Context, *Reconcile) (Result, error) { return Result{}, nil })
	defer c.queue.ShutDown()
	b.Run("reconcile", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.observe(Result{}, nil, time.Millisecond)
		}
	})
	b.Run("request", func(b *testing.B) {
		detach, owner := hooks.attach(newManagerMetrics().client)
		defer detach()
		if owner != "" {
			b.Skipf("client-go's hooks are held by %s", owner)
		}
		u := url.URL{Scheme: "https", Host: "example.com:6443", Path: "/api/v1/namespaces/{namespace}/configmaps/{name}"}
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			metrics.RequestResult.Increment(ctx, "200", "GET", u.Host)
			metrics.RequestLatency.Observe(ctx, "GET", u, time.Millisecond)
		}
	})
}
