package operator

import (
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"k8s.io/client-go/util/workqueue"
)

// The reconcile results counted by controller_runtime_reconcile_total,
// controller-runtime's label values. kobj has no Result.Requeue, so
// "requeue" stays at zero; it is there because dashboards sum it.
const (
	resultSuccess      = "success"
	resultError        = "error"
	resultRequeue      = "requeue"
	resultRequeueAfter = "requeue_after"
)

// reconcileBuckets are controller-runtime's buckets for
// controller_runtime_reconcile_time_seconds.
var reconcileBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0,
	1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60}

// queueBuckets are client-go's and controller-runtime's buckets for the
// work queue's latency and work duration: 10ns to 1000s.
var queueBuckets = prometheus.ExponentialBuckets(10e-9, 10, 12)

// managerMetrics is a Manager's Prometheus registry and the collectors in
// it, under the names and labels controller-runtime and client-go use,
// so that operators' dashboards and alerts work unchanged. It is per
// Manager: nothing is registered with Prometheus's global registry.
type managerMetrics struct {
	registry *prometheus.Registry

	reconcileTotal  *prometheus.CounterVec   // controller, result
	reconcileErrors *prometheus.CounterVec   // controller
	terminalErrors  *prometheus.CounterVec   // controller
	panics          *prometheus.CounterVec   // controller
	reconcileTime   *prometheus.HistogramVec // controller
	maxWorkers      *prometheus.GaugeVec     // controller
	activeWorkers   *prometheus.GaugeVec     // controller

	queue  queueMetrics
	client *clientMetrics // metrics_client.go
}

// queueMetrics are the work queues' collectors, labelled name and
// controller (both the controller's name, as controller-runtime does).
type queueMetrics struct {
	depth, unfinished, longest *prometheus.GaugeVec
	adds, retries              *prometheus.CounterVec
	latency, workDuration      *prometheus.HistogramVec
}

// newManagerMetrics makes the collectors and a registry holding them,
// with the Go runtime and process collectors controller-runtime also
// serves.
func newManagerMetrics() *managerMetrics {
	ctl := []string{"controller"}
	hist := func(name, help string, buckets []float64, labels []string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: name, Help: help, Buckets: buckets,
			NativeHistogramBucketFactor:     1.1,
			NativeHistogramMaxBucketNumber:  100,
			NativeHistogramMinResetDuration: time.Hour,
		}, labels)
	}
	counter := func(name, help string, labels []string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	}
	gauge := func(name, help string, labels []string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	}
	q := []string{"name", "controller"}
	m := &managerMetrics{
		registry:        prometheus.NewRegistry(),
		reconcileTotal:  counter("controller_runtime_reconcile_total", "Total number of reconciliations per controller", []string{"controller", "result"}),
		reconcileErrors: counter("controller_runtime_reconcile_errors_total", "Total number of reconciliation errors per controller", ctl),
		terminalErrors:  counter("controller_runtime_terminal_reconcile_errors_total", "Total number of terminal reconciliation errors per controller", ctl),
		panics:          counter("controller_runtime_reconcile_panics_total", "Total number of reconciliation panics per controller", ctl),
		reconcileTime:   hist("controller_runtime_reconcile_time_seconds", "Length of time per reconciliation per controller", reconcileBuckets, ctl),
		maxWorkers:      gauge("controller_runtime_max_concurrent_reconciles", "Maximum number of concurrent reconciles per controller", ctl),
		activeWorkers:   gauge("controller_runtime_active_workers", "Number of currently used workers per controller", ctl),
		queue: queueMetrics{
			depth: gauge("workqueue_depth", "Current depth of workqueue", q),
			adds:  counter("workqueue_adds_total", "Total number of adds handled by workqueue", q),
			latency: hist("workqueue_queue_duration_seconds",
				"How long in seconds an item stays in workqueue before being requested", queueBuckets, q),
			workDuration: hist("workqueue_work_duration_seconds",
				"How long in seconds processing an item from workqueue takes.", queueBuckets, q),
			unfinished: gauge("workqueue_unfinished_work_seconds", "How many seconds of work has been done that "+
				"is in progress and hasn't been observed by work_duration. Large values indicate stuck threads. "+
				"One can deduce the number of stuck threads by observing the rate at which this increases.", q),
			longest: gauge("workqueue_longest_running_processor_seconds",
				"How many seconds has the longest running processor for workqueue been running.", q),
			retries: counter("workqueue_retries_total",
				"Total number of items added to the workqueue with a non-zero delay (rate-limited requeues, explicit RequeueAfter or AddAfter calls)", q),
		},
		client: newClientMetrics(),
	}
	m.registry.MustRegister(
		m.reconcileTotal, m.reconcileErrors, m.terminalErrors, m.panics, m.reconcileTime, m.maxWorkers, m.activeWorkers,
		m.queue.depth, m.queue.adds, m.queue.latency, m.queue.workDuration, m.queue.unfinished, m.queue.longest, m.queue.retries,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m.client.register(m.registry)
	return m
}

// metricsHandler serves the Manager's metrics in Prometheus's exposition
// formats (text, or what the scraper negotiates); a collector's error is
// an HTTP 500, as controller-runtime's metrics server answers.
func (m *Manager) metricsHandler() http.Handler {
	return promhttp.HandlerFor(m.metrics.registry, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError})
}

// controllerMetrics are one controller's series, resolved once so that a
// reconcile does no label lookup.
type controllerMetrics struct {
	total                    map[string]prometheus.Counter // by result
	errors, terminal, panics prometheus.Counter
	time                     prometheus.Observer
	active                   prometheus.Gauge
	maxWorkers               prometheus.Gauge
	queue                    workqueue.MetricsProvider
}

// forController returns the series of the controller called name, every
// one present (at zero) from now on, as controller-runtime initialises
// them, so that a dashboard's rate() has a series before the first
// reconcile.
func (m *managerMetrics) forController(name string) *controllerMetrics {
	c := &controllerMetrics{
		total:      map[string]prometheus.Counter{},
		errors:     m.reconcileErrors.WithLabelValues(name),
		terminal:   m.terminalErrors.WithLabelValues(name),
		panics:     m.panics.WithLabelValues(name),
		time:       m.reconcileTime.WithLabelValues(name),
		active:     m.activeWorkers.WithLabelValues(name),
		maxWorkers: m.maxWorkers.WithLabelValues(name),
		queue:      queueProvider{m: &m.queue, controller: name},
	}
	for _, r := range []string{resultSuccess, resultError, resultRequeue, resultRequeueAfter} {
		c.total[r] = m.reconcileTotal.WithLabelValues(name, r)
	}
	return c
}

// observe counts one reconcile of c that took d and returned res, err:
// its result, its errors (terminal and panics apart, each also counted
// as an error, as controller-runtime does) and its duration.
func (c *controller) observe(res Result, err error, d time.Duration) {
	m := c.metrics
	m.time.Observe(d.Seconds())
	switch {
	case err != nil:
		m.total[resultError].Inc()
		m.errors.Inc()
		if IsTerminal(err) {
			m.terminal.Inc()
		}
		if errors.Is(err, errPanic) {
			m.panics.Inc()
		}
	case res.RequeueAfter > 0:
		m.total[resultRequeueAfter].Inc()
	default:
		m.total[resultSuccess].Inc()
	}
}

// queueProvider is the workqueue.MetricsProvider given to a controller's
// queue: client-go's queue calls it once per metric at construction, and
// updates the series itself (depth, adds, latency, work duration, and
// every 500 ms the unfinished and longest-running gauges). The queue's
// name is the controller's name, so both labels carry it.
type queueProvider struct {
	m          *queueMetrics
	controller string
}

func (p queueProvider) NewDepthMetric(name string) workqueue.GaugeMetric {
	return p.m.depth.WithLabelValues(name, p.controller)
}

func (p queueProvider) NewAddsMetric(name string) workqueue.CounterMetric {
	return p.m.adds.WithLabelValues(name, p.controller)
}

func (p queueProvider) NewLatencyMetric(name string) workqueue.HistogramMetric {
	return p.m.latency.WithLabelValues(name, p.controller)
}

func (p queueProvider) NewWorkDurationMetric(name string) workqueue.HistogramMetric {
	return p.m.workDuration.WithLabelValues(name, p.controller)
}

func (p queueProvider) NewUnfinishedWorkSecondsMetric(name string) workqueue.SettableGaugeMetric {
	return p.m.unfinished.WithLabelValues(name, p.controller)
}

func (p queueProvider) NewLongestRunningProcessorSecondsMetric(name string) workqueue.SettableGaugeMetric {
	return p.m.longest.WithLabelValues(name, p.controller)
}

func (p queueProvider) NewRetriesMetric(name string) workqueue.CounterMetric {
	return p.m.retries.WithLabelValues(name, p.controller)
}
