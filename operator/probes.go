package operator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"k8s.io/klog/v2"
)

// The probe endpoints follow the Kubernetes components' format (as
// controller-runtime's healthz package does): /healthz and /readyz answer
// 200 "ok" when every check passes, else 500 with one line per check
// ("[+]name ok", "[-]name failed: reason"); ?verbose lists the checks on
// success too, ?exclude=name skips one, and /healthz/<name> runs one
// check. Unlike controller-runtime the reason of a failed check is shown:
// it names kinds and Leases, not secrets, and it is what an operator
// author looks for when a pod is not ready.

// Built-in checks.
const (
	checkPing     = "ping"           // /healthz: the process answers
	checkLeader   = "leaderElection" // /healthz: the elector's watchdog
	checkCaches   = "caches"         // /readyz: the informers have synced
	checkKinds    = "kinds"          // /readyz: every controller's kinds are served
	checkShutdown = "running"        // /readyz: Run is not stopping, the Lease is not lost
)

// probeShutdownTimeout bounds how long Run waits for the endpoints'
// requests in flight when it stops.
const probeShutdownTimeout = 5 * time.Second

// check is one named health or readiness check.
type check struct {
	name string
	fn   func(*http.Request) error
}

// checks is a set of checks, the Manager's built-in ones first.
type checks struct {
	what string // "healthz" or "readyz"
	mu   sync.Mutex
	list []check
}

// add adds a user's check; it fails on an empty or taken name or a nil
// function.
func (cs *checks) add(builtin bool, name string, fn func(*http.Request) error) error {
	if name == "" || strings.Contains(name, "/") {
		return fmt.Errorf("%q: a check needs a name without '/'", name)
	}
	if fn == nil {
		return fmt.Errorf("%q: nil check", name)
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if !builtin && slices.Contains([]string{checkPing, checkLeader, checkCaches, checkKinds, checkShutdown}, name) {
		return fmt.Errorf("%q: the Manager's own %s check has that name", name, cs.what)
	}
	if slices.ContainsFunc(cs.list, func(c check) bool { return c.name == name }) {
		return fmt.Errorf("%q: a %s check of that name is added already", name, cs.what)
	}
	cs.list = append(cs.list, check{name, fn})
	return nil
}

// AddHealthCheck adds a check to /healthz: while fn returns an error the
// probe answers 500 and the kubelet, after its failureThreshold, restarts
// the container. It may be called at any time. It fails on an empty name
// or one with a '/', a name taken (also by the Manager's own checks:
// ping, leaderElection), or a nil fn.
func (m *Manager) AddHealthCheck(name string, fn func(*http.Request) error) error {
	if err := m.healthChecks.add(false, name, fn); err != nil {
		return fmt.Errorf("operator: AddHealthCheck: %w", err)
	}
	return nil
}

// AddReadyCheck adds a check to /readyz: while fn returns an error the
// probe answers 500 and the pod receives no Service traffic. It may be
// called at any time. It fails on an empty name or one with a '/', a name
// taken (also by the Manager's own checks: caches, kinds, running), or a
// nil fn.
func (m *Manager) AddReadyCheck(name string, fn func(*http.Request) error) error {
	if err := m.readyChecks.add(false, name, fn); err != nil {
		return fmt.Errorf("operator: AddReadyCheck: %w", err)
	}
	return nil
}

// ServeHTTP answers a probe: the path below the endpoint is "" or "/"
// for every check, "/name" for one.
func (cs *checks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cs.mu.Lock()
	list := slices.Clone(cs.list)
	cs.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if p := path.Clean("/" + r.URL.Path); p != "/" {
		i := slices.IndexFunc(list, func(c check) bool { return c.name == p[1:] })
		if i < 0 {
			http.NotFound(w, r)
			return
		}
		if err := list[i].fn(r); err != nil {
			http.Error(w, "internal server error: "+err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, "ok")
		return
	}
	excluded := r.URL.Query()["exclude"]
	var b strings.Builder
	failed := false
	for _, c := range list {
		if slices.Contains(excluded, c.name) {
			fmt.Fprintf(&b, "[+]%s excluded: ok\n", c.name)
			continue
		}
		if err := c.fn(r); err != nil {
			failed = true
			fmt.Fprintf(&b, "[-]%s failed: %v\n", c.name, err)
			klog.FromContext(r.Context()).V(1).Info("Probe check failed", "probe", cs.what, "check", c.name, "err", err.Error())
			continue
		}
		fmt.Fprintf(&b, "[+]%s ok\n", c.name)
	}
	_, verbose := r.URL.Query()["verbose"]
	switch {
	case failed:
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "%s%s check failed\n", b.String(), cs.what)
	case verbose:
		fmt.Fprintf(w, "%s%s check passed\n", b.String(), cs.what)
	default:
		fmt.Fprint(w, "ok")
	}
}

// newChecks makes the Manager's probes with their built-in checks.
func (m *Manager) newChecks() {
	m.healthChecks = &checks{what: "healthz"}
	m.readyChecks = &checks{what: "readyz"}
	_ = m.healthChecks.add(true, checkPing, func(*http.Request) error { return nil })
	if m.leader != nil {
		_ = m.healthChecks.add(true, checkLeader, m.leader.watchdog.Check)
	}
	_ = m.readyChecks.add(true, checkShutdown, func(*http.Request) error { return m.runState() })
	_ = m.readyChecks.add(true, checkCaches, func(*http.Request) error { return m.cachesReady() })
	_ = m.readyChecks.add(true, checkKinds, func(*http.Request) error { return m.kindsReady() })
}

// cachesReady returns nil once Run's first sync is done and no informer
// has failed since; else what is awaited or what failed.
func (m *Manager) cachesReady() error {
	synced := m.phase.Load() >= phaseSynced
	var waiting []string
	var errs []error
	m.cache.mu.Lock()
	kinds := make([]*kindCache, 0, len(m.cache.kinds))
	for _, kc := range m.cache.kinds {
		kinds = append(kinds, kc)
	}
	m.cache.mu.Unlock()
	for _, kc := range kinds {
		for _, ki := range kc.all() {
			ns := ki.namespace
			select {
			case <-ki.failed:
				errs = append(errs, ki.failure())
				continue
			default:
			}
			if !ki.inf.HasSynced() {
				where := kc.ref.APIVersion + " " + kc.ref.Kind
				if ns != "" {
					where += " in " + ns
				}
				waiting = append(waiting, where)
			}
		}
	}
	slices.Sort(waiting)
	if len(waiting) > 0 {
		errs = append(errs, fmt.Errorf("waiting for the caches of %s to sync", strings.Join(waiting, ", ")))
	}
	if len(errs) == 0 && !synced {
		errs = append(errs, errors.New("the caches have not synced yet"))
	}
	return errors.Join(errs...)
}

// endpoints are the Manager's HTTP servers: probes and metrics.
type endpoints struct {
	servers []*http.Server
	lns     []net.Listener
	done    sync.WaitGroup
}

// listen binds every address the options name, or none: it fails naming
// the option and address that cannot be bound.
func (m *Manager) listen() (*endpoints, error) {
	e := &endpoints{}
	bind := func(option, addr string, h http.Handler) error {
		if addr == "" {
			return nil
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("operator: %s(%q): %w", option, addr, err)
		}
		e.lns = append(e.lns, ln)
		e.servers = append(e.servers, &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second})
		return nil
	}
	err := bind("ProbeAddress", m.opts.probeAddress, m.probeMux())
	if err == nil {
		err = bind("MetricsAddress", m.opts.metricsAddress, m.metricsMux())
	}
	if err != nil {
		for _, ln := range e.lns {
			_ = ln.Close()
		}
		return nil, err
	}
	return e, nil
}

// probeMux routes /healthz and /readyz (and their sub-paths) to the checks.
func (m *Manager) probeMux() http.Handler {
	mux := http.NewServeMux()
	for p, h := range map[string]*checks{"/healthz": m.healthChecks, "/readyz": m.readyChecks} {
		mux.Handle(p, http.StripPrefix(p, h))
		mux.Handle(p+"/", http.StripPrefix(p, h))
	}
	return mux
}

// metricsMux serves the metrics handler at /metrics.
func (m *Manager) metricsMux() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.metricsHandler())
	return mux
}

// serve starts serving on the bound listeners, with requests logging
// through logger.
func (e *endpoints) serve(logger klog.Logger) {
	for i, srv := range e.servers {
		srv.BaseContext = func(net.Listener) context.Context { return klog.NewContext(context.Background(), logger) }
		ln := e.lns[i]
		e.done.Go(func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				logger.Error(err, "Serving", "address", ln.Addr().String())
			}
		})
	}
}

// stop stops the servers, letting requests in flight finish for a short
// while, and waits for them.
func (e *endpoints) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), probeShutdownTimeout)
	defer cancel()
	for _, srv := range e.servers {
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
		}
	}
	e.done.Wait()
}
