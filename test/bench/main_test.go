// Package bench measures kobj against raw client-go on a real control
// plane, side by side in one run. `make bench` runs it fully and prints the
// table of doc/performance.md; `make test` runs every benchmark once
// (-benchtime=1x) as a smoke test.
package bench

import (
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kobj-dev/kobj/test/internal/controlplane"
	"k8s.io/client-go/rest"
)

var cfg *rest.Config

func TestMain(m *testing.M) {
	plane, err := controlplane.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	cfg = plane.Config
	code := m.Run()
	printTable()
	_ = plane.Stop()
	os.Exit(code)
}

// row is one line of the comparison table.
type row struct {
	what, kobj, peer, ratio, target string
}

var (
	tableMu sync.Mutex
	table   = map[string]row{}
)

// record keeps the latest figures of a comparison for the table.
func record(r row) {
	tableMu.Lock()
	defer tableMu.Unlock()
	table[r.what] = r
}

func printTable() {
	tableMu.Lock()
	defer tableMu.Unlock()
	if len(table) == 0 {
		return
	}
	keys := make([]string, 0, len(table))
	for k := range table {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("\n| what | kobj | peer, same run | ratio | target |\n|---|---|---|---|---|\n")
	for _, k := range keys {
		r := table[k]
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.what, r.kobj, r.peer, r.ratio, r.target)
	}
	fmt.Print(b.String())
}

// counter counts the requests and response bytes of one client.
type counter struct {
	requests, bytes atomic.Int64
	mu              sync.Mutex
	paths           []string
}

func (c *counter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		c.requests.Add(1)
		c.mu.Lock()
		c.paths = append(c.paths, r.URL.Path)
		c.mu.Unlock()
		resp, err := rt.RoundTrip(r)
		if err == nil && resp.ContentLength > 0 {
			c.bytes.Add(resp.ContentLength)
		}
		if err == nil && resp.ContentLength < 0 {
			resp.Body = &countingBody{resp.Body, &c.bytes}
		}
		return resp, err
	})
}

// discoveryRequests counts requests to discovery and OpenAPI paths.
func (c *counter) discoveryRequests() (discovery, openapi int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.paths {
		switch {
		case strings.HasPrefix(p, "/openapi"):
			openapi++
		case p == "/api" || p == "/apis" || strings.Count(p, "/") <= 3 && !strings.Contains(p, "/namespaces"):
			discovery++
		}
	}
	return
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type countingBody struct {
	body interface {
		Read([]byte) (int, error)
		Close() error
	}
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	b.n.Add(int64(n))
	return n, err
}

func (b *countingBody) Close() error { return b.body.Close() }

// countedConfig is cfg with a counter on its transport.
func countedConfig() (*rest.Config, *counter) {
	c := &counter{}
	cc := rest.CopyConfig(cfg)
	cc.WrapTransport = c.wrap
	return cc, c
}
