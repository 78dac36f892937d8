package operator_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	"github.com/kobj-dev/kobj/test/internal/testkit"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	clientmetrics "k8s.io/client-go/tools/metrics"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// metricsAddress returns a loopback address free a moment ago.
func metricsAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// metricsScrape GETs url and parses the Prometheus text format.
func metricsScrape(t *testing.T, hc *http.Client, url string) map[string]*dto.MetricFamily {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/plain; version=0.0.4")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET %s: %s, Content-Type %q", url, resp.Status, resp.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing %s: %v", url, err)
	}
	return fams
}

// metricsValue returns the value of the first series of fams[name] whose
// labels include labels (a counter's or gauge's value, a histogram's
// count) and whether there is one.
func metricsValue(fams map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
next:
	for _, m := range fams[name].GetMetric() {
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

// TestMetricsScrape runs a Manager on the control plane with
// MetricsAddress, reconciles Widgets that succeed, fail once, fail for
// good and ask to be requeued later, scrapes /metrics and checks the
// names dashboards use, with their labels and values.
func TestMetricsScrape(t *testing.T) {
	ctx := ctrlContext(t, 2*time.Minute)
	c := ctrlClient(t)
	apiVersion := ctrlCRD(t, c)
	ns := testkit.NewNamespace(t, c, "metrics")
	j := newJournal()
	leaks := ctrlLeakCheck(t, c)

	addr := metricsAddress(t)
	m, err := operator.NewManager(c, operator.MetricsAddress(addr))
	if err != nil {
		t.Fatal(err)
	}
	err = m.Add(operator.For(apiVersion, "Widget").Workers(2).
		Reconcile(func(ctx context.Context, r *operator.Reconcile) (operator.Result, error) {
			j.note(ctx, r)
			switch first := len(j.of(r.Name)) == 1; {
			case r.Name == "fail-once" && first:
				return operator.Result{}, errors.New("first attempt fails")
			case r.Name == "terminal":
				return operator.Result{}, operator.Terminal(errors.New("bad spec"))
			case r.Name == "later" && first:
				return operator.Result{RequeueAfter: time.Hour}, nil
			}
			return operator.Result{}, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	stop := ctrlRun(t, m)

	names := []string{"ok-1", "ok-2", "ok-3", "fail-once", "terminal", "later"}
	for _, name := range names {
		ctrlWidget(t, c, apiVersion, ns, name, 1)
	}
	j.waitFor(t, ctx, "fail-once", 1, func(seen) bool { return true })
	for _, name := range names {
		j.waitFor(t, ctx, name, 0, func(seen) bool { return true })
	}
	reconciles := float64(len(names) + 1)

	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	metricsURL := (&url.URL{Scheme: "http", Host: addr, Path: "/metrics"}).String()
	group := strings.TrimSuffix(apiVersion, "/v1")
	ctl := map[string]string{"controller": "widget." + group}
	q := map[string]string{"name": "widget." + group, "controller": "widget." + group}
	// The queue's Done (the work duration) comes after everything a
	// reconcile counts.
	var fams map[string]*dto.MetricFamily
	ctrlEventually(t, ctx, "the reconciles to be counted", func() bool {
		fams = metricsScrape(t, hc, metricsURL)
		v, _ := metricsValue(fams, "workqueue_work_duration_seconds", q)
		return v >= reconciles
	})

	result := func(r string) map[string]string {
		return map[string]string{"controller": ctl["controller"], "result": r}
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		min    float64 // the value is at least min,
		max    float64 // and at most max (a relist may add reconciles; -1: no bound)
	}{
		{"controller_runtime_reconcile_total", result("success"), 4, -1},
		{"controller_runtime_reconcile_total", result("error"), 2, 2},
		{"controller_runtime_reconcile_total", result("requeue_after"), 1, 1},
		{"controller_runtime_reconcile_total", result("requeue"), 0, 0},
		{"controller_runtime_reconcile_errors_total", ctl, 2, 2},
		{"controller_runtime_terminal_reconcile_errors_total", ctl, 1, 1},
		{"controller_runtime_reconcile_panics_total", ctl, 0, 0},
		{"controller_runtime_reconcile_time_seconds", ctl, reconciles, -1},
		{"controller_runtime_max_concurrent_reconciles", ctl, 2, 2},
		{"controller_runtime_active_workers", ctl, 0, 2},
		{"workqueue_depth", q, 0, -1},
		{"workqueue_adds_total", q, reconciles, -1},
		{"workqueue_queue_duration_seconds", q, reconciles, -1},
		{"workqueue_work_duration_seconds", q, reconciles, -1},
		{"workqueue_unfinished_work_seconds", q, 0, -1},
		{"workqueue_longest_running_processor_seconds", q, 0, -1},
		{"workqueue_retries_total", q, 2, -1}, // fail-once's backoff, later's RequeueAfter
	} {
		v, ok := metricsValue(fams, c.name, c.labels)
		switch {
		case !ok:
			t.Errorf("%s%v: no such series", c.name, c.labels)
		case v < c.min || (c.max >= 0 && v > c.max):
			t.Errorf("%s%v = %v, want within [%v, %v]", c.name, c.labels, v, c.min, c.max)
		}
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("%s: missing (the Go and process collectors)", name)
		}
	}
	metricsClientRequests(t, fams)

	hc.CloseIdleConnections()
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	leaks()
}

// metricsClientRequests checks kobj's requests in the rest_client_*
// metrics. client-go takes one adapter per process (tools/metrics
// Register is once-only). Where kobj/operator's is the one, the
// Manager's endpoint serves them; in this test binary controller-runtime's
// pkg/metrics (imported by envtest) registered first in its init, so
// they are in controller-runtime's registry and not on the Manager's
// endpoint (Run logs which package holds them).
func metricsClientRequests(t *testing.T, fams map[string]*dto.MetricFamily) {
	t.Helper()
	u, err := url.Parse(cfg.Host)
	if err != nil {
		t.Fatal(err)
	}
	created := map[string]string{"code": "201", "method": "POST", "host": u.Host} // the Widgets, created by kobj
	holder := reflect.TypeOf(clientmetrics.RequestResult)
	if holder.Kind() == reflect.Pointer {
		holder = holder.Elem()
	}
	if holder.PkgPath() == "github.com/kobj-dev/kobj/operator" {
		if v, _ := metricsValue(fams, "rest_client_requests_total", created); v < 1 {
			t.Errorf("rest_client_requests_total%v = %v, want >= 1", created, v)
		}
		if v, _ := metricsValue(fams, "rest_client_request_duration_seconds", map[string]string{"verb": "POST", "host": u.Host}); v < 1 {
			t.Errorf("rest_client_request_duration_seconds{verb=POST} count = %v, want >= 1", v)
		}
		return
	}
	if holder.PkgPath() != "sigs.k8s.io/controller-runtime/pkg/metrics" {
		t.Fatalf("client-go's metrics hooks are held by %s, want controller-runtime's (this binary links envtest) or kobj/operator's", holder.PkgPath())
	}
	if _, ok := fams["rest_client_requests_total"]; ok {
		t.Errorf("rest_client_requests_total on the Manager's endpoint while controller-runtime holds client-go's hooks: counted twice or stale")
	}
	crFams, err := crmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*dto.MetricFamily{}
	for _, f := range crFams {
		byName[f.GetName()] = f
	}
	if v, _ := metricsValue(byName, "rest_client_requests_total", created); v < 1 {
		t.Errorf("controller-runtime's rest_client_requests_total%v = %v, want >= 1 (kobj reports to client-go's hooks)", created, v)
	}
	t.Log("client-go's metrics hooks are controller-runtime's in this binary: kobj's requests are counted in its registry")
}

// metricsKubeconfig writes cfg as a kubeconfig file and returns its path.
func metricsKubeconfig(t *testing.T) string {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["test"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["test"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken}
	kc.Contexts["test"] = &clientcmdapi.Context{Cluster: "test", AuthInfo: "test"}
	kc.CurrentContext = "test"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestMetricsClientHooksOwnProcess runs a Manager in a process of its
// own (testdata/metricsprobe), where kobj/operator's adapter is the one
// client-go holds, reconciles a ConfigMap, and checks that the scrape
// serves kobj's requests to the control plane as rest_client_* besides
// the reconcile and queue metrics; then that SIGTERM ends it cleanly.
func TestMetricsClientHooksOwnProcess(t *testing.T) {
	ctx := ctrlContext(t, 2*time.Minute)
	c := ctrlClient(t)
	ns := testkit.NewNamespace(t, c, "metrics")
	bin := filepath.Join(t.TempDir(), "metricsprobe")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./testdata/metricsprobe")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./testdata/metricsprobe: %v\n%s", err, out)
	}
	addr := metricsAddress(t)
	var logs strings.Builder
	probe := exec.CommandContext(ctx, bin, addr, ns)
	probe.Env = append(os.Environ(), "KUBECONFIG="+metricsKubeconfig(t))
	probe.Stdout, probe.Stderr = &logs, &logs
	if err := probe.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() {
		defer close(exited)
		waitErr = probe.Wait()
	}()
	defer func() {
		_ = probe.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("metricsprobe's log:\n%s", logs.String())
		}
	}()

	if _, err := kobj.New("v1", "ConfigMap").SetName("probe").SetNamespace(ns).Create(ctx, kobj.WithClient(c)); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(cfg.Host)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	metricsURL := (&url.URL{Scheme: "http", Host: addr, Path: "/metrics"}).String()
	ctl := map[string]string{"controller": "configmap"}
	get200 := map[string]string{"code": "200", "method": "GET", "host": u.Host}
	var fams map[string]*dto.MetricFamily
	ctrlEventually(t, ctx, "the probe to reconcile the ConfigMap", func() bool {
		select {
		case <-exited:
			t.Fatalf("metricsprobe exited: %v", waitErr)
		default:
		}
		resp, err := hc.Get(metricsURL)
		if err != nil {
			return false // not listening yet
		}
		resp.Body.Close()
		fams = metricsScrape(t, hc, metricsURL)
		v, _ := metricsValue(fams, "controller_runtime_reconcile_total", map[string]string{"controller": "configmap", "result": "success"})
		return v >= 1
	})
	for _, c := range []struct {
		name   string
		labels map[string]string
	}{
		{"rest_client_requests_total", get200},
		{"rest_client_request_duration_seconds", map[string]string{"verb": "GET", "host": u.Host}},
		{"controller_runtime_reconcile_time_seconds", ctl},
		{"workqueue_adds_total", map[string]string{"name": "configmap", "controller": "configmap"}},
	} {
		if v, _ := metricsValue(fams, c.name, c.labels); v < 1 {
			t.Errorf("%s%v = %v, want >= 1", c.name, c.labels, v)
		}
	}
	if err := probe.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-exited
	if waitErr != nil {
		t.Errorf("metricsprobe after SIGTERM: %v, want a clean exit", waitErr)
	}
	if strings.Contains(logs.String(), "are not served") {
		t.Errorf("metricsprobe logged that another package holds client-go's metrics hooks")
	}
}
