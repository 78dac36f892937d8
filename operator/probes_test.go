package operator

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestChecksServeHTTP(t *testing.T) {
	cs := &checks{what: "readyz"}
	failing := errors.New("waiting for the caches of v1 ConfigMap to sync")
	var broken error
	if err := cs.add(true, "caches", func(*http.Request) error { return broken }); err != nil {
		t.Fatal(err)
	}
	if err := cs.add(false, "db", func(*http.Request) error { return nil }); err != nil {
		t.Fatal(err)
	}
	h := http.StripPrefix("/readyz", cs)
	get := func(url string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", url, nil))
		return rec.Code, rec.Body.String()
	}
	for _, tc := range []struct {
		name     string
		err      error
		url      string
		code     int
		contains []string
	}{
		{"all pass", nil, "/readyz", 200, []string{"ok"}},
		{"verbose", nil, "/readyz?verbose", 200, []string{"[+]caches ok\n", "[+]db ok\n", "readyz check passed"}},
		{"one fails", failing, "/readyz", 500, []string{"[-]caches failed: " + failing.Error(), "[+]db ok", "readyz check failed"}},
		{"excluded", failing, "/readyz?exclude=caches", 200, []string{"ok"}},
		{"one check", failing, "/readyz/db", 200, []string{"ok"}},
		{"one failing check", failing, "/readyz/caches", 500, []string{"internal server error: " + failing.Error()}},
		{"unknown check", nil, "/readyz/nope", 404, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			broken = tc.err
			code, body := get(tc.url)
			if code != tc.code {
				t.Errorf("%s: %d %q, want %d", tc.url, code, body, tc.code)
			}
			for _, c := range tc.contains {
				if !strings.Contains(body, c) {
					t.Errorf("%s: body %q, want %q in it", tc.url, body, c)
				}
			}
		})
	}
}

func TestAddChecksRefusesBadInput(t *testing.T) {
	m, err := NewManager(testClient(t), LeaderElection("op", "x"))
	if err != nil {
		t.Fatal(err)
	}
	ok := func(*http.Request) error { return nil }
	for _, tc := range []struct {
		name string
		add  func() error
		want string
	}{
		{"empty name", func() error { return m.AddHealthCheck("", ok) }, "AddHealthCheck: \"\": a check needs a name"},
		{"slash", func() error { return m.AddReadyCheck("a/b", ok) }, "without '/'"},
		{"nil", func() error { return m.AddReadyCheck("x", nil) }, "nil check"},
		{"built-in", func() error { return m.AddReadyCheck("caches", ok) }, "the Manager's own readyz check"},
		{"built-in leader", func() error { return m.AddHealthCheck("leaderElection", ok) }, "the Manager's own healthz check"},
		{"twice", func() error { _ = m.AddHealthCheck("db", ok); return m.AddHealthCheck("db", ok) }, "is added already"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.add(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("= %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestListenAddressInUse(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct {
		name string
		opts []ManagerOption
		want string
	}{
		{"probes", []ManagerOption{ProbeAddress(busy.Addr().String())}, `ProbeAddress("` + busy.Addr().String() + `")`},
		{"metrics", []ManagerOption{ProbeAddress("127.0.0.1:0"), MetricsAddress(busy.Addr().String())}, `MetricsAddress("` + busy.Addr().String() + `")`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewManager(testClient(t), tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			err = m.Run(t.Context())
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "address already in use") {
				t.Fatalf("Run = %v, want an error naming %s and the address in use", err, tc.want)
			}
		})
	}
}

func TestProbesBeforeRun(t *testing.T) {
	m, err := NewManager(testClient(t))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.probeMux())
	defer srv.Close()
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 500} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s before Run: %d %q, want %d", path, resp.StatusCode, body, want)
		}
	}
}
