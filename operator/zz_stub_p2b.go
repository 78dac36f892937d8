package operator

// TEMPORARY (helper P2b): a minimal MetricsAddress until P2a's listeners
// (manager_options.go, probes.go) land; the lead merges P2a's real one
// and deletes this file and its call in Run. It carries the address
// through CacheOptions only to stay out of P2a's files.

import (
	"context"
	"fmt"
	"net"
	"net/http"
)

// MetricsAddress serves the Manager's metrics on addr at /metrics while
// Run runs. TEMPORARY stub, replaced by P2a's.
func MetricsAddress(addr string) ManagerOption { return CacheOptions(metricsAddressStub(addr)) }

type metricsAddressStub string

func (metricsAddressStub) applyToCache(*cacheConfig) error { return nil }

// serveMetricsStub starts the MetricsAddress listener, if one is set; stop
// shuts it down.
func (m *Manager) serveMetricsStub() (stop func(), err error) {
	addr := ""
	for _, o := range m.opts.cache {
		if a, ok := o.(metricsAddressStub); ok {
			addr = string(a)
		}
	}
	if addr == "" {
		return func() {}, nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("operator: MetricsAddress(%q): %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.metricsHandler())
	srv := &http.Server{Handler: mux}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l) // http.ErrServerClosed after Shutdown
	}()
	return func() {
		_ = srv.Shutdown(context.Background())
		<-done
	}, nil
}
