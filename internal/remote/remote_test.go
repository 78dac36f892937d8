package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
)

// refusingServer answers every request with a 400 Status, as a server
// does for a Pod without a node, and records the requests' method and
// Upgrade header.
func refusingServer(t *testing.T) (*rest.Config, *url.URL, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.Header.Get("Upgrade"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		io.WriteString(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"BadRequest","code":400,"message":"pod p does not have a host assigned"}`)
	}))
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL + "/api/v1/namespaces/ns/pods/p/exec?command=ls")
	if err != nil {
		t.Fatal(err)
	}
	return &rest.Config{Host: srv.URL}, u, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

// A server that refuses both upgrades with a Status sees a WebSocket GET
// then a SPDY POST, and its Status is the error, for Run and StartForward.
func TestRefusalTriesWebSocketThenSPDY(t *testing.T) {
	tests := []struct {
		name string
		call func(cfg *rest.Config, u *url.URL) error
		want []string
	}{
		{"Run", func(cfg *rest.Config, u *url.URL) error {
			r, err := Run(context.Background(), cfg, u, Streams{})
			if r != nil {
				return fmt.Errorf("a Result %+v with %w", r, err)
			}
			return err
		}, []string{"GET websocket", "POST SPDY/3.1"}},
		{"StartForward", func(cfg *rest.Config, u *url.URL) error {
			throttled := 0
			f, err := StartForward(context.Background(), cfg, u, []string{"127.0.0.1"}, []string{":80"}, func(context.Context) error { throttled++; return nil })
			if f != nil {
				f.Close()
				return fmt.Errorf("a running forward with %w", err)
			}
			if throttled != 1 {
				return fmt.Errorf("throttled %d times, want 1, and %w", throttled, err)
			}
			return err
		}, []string{"GET websocket", "POST SPDY/3.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, u, seen := refusingServer(t)
			err := tt.call(cfg, u)
			var status *apierrors.StatusError
			if !errors.As(err, &status) || !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "does not have a host assigned") {
				t.Fatalf("error = %#v, want the server's 400 as a StatusError", err)
			}
			if got := strings.Join(seen(), ","); got != strings.Join(tt.want, ",") {
				t.Errorf("the server saw %q, want %q", got, tt.want)
			}
		})
	}
}

// An ended context, or a throttle that fails, dials nothing.
func TestStartForwardThatCannotStartDialsNothing(t *testing.T) {
	errLimit := errors.New("rate limiter: would exceed the context's deadline")
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name     string
		ctx      context.Context
		throttle func(context.Context) error
		want     error
	}{
		{"an ended context", ended, func(context.Context) error { return nil }, context.Canceled},
		{"a refused throttle", context.Background(), func(context.Context) error { return errLimit }, errLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, u, seen := refusingServer(t)
			f, err := StartForward(tt.ctx, cfg, u, nil, []string{":80"}, tt.throttle)
			if f != nil || err != tt.want {
				t.Errorf("StartForward = %v, %v; want %v itself", f, err, tt.want)
			}
			if got := seen(); len(got) != 0 {
				t.Errorf("requests sent: %q", got)
			}
		})
	}
}

// Why a forward ended: nothing after Close, the context's end, a lost
// connection with or without client-go's error.
func TestForwardFinish(t *testing.T) {
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	other := errors.New("listener failed")
	tests := []struct {
		name   string
		closed bool
		ctx    context.Context
		err    error
		check  func(error) bool
	}{
		{"closed", true, ended, other, func(err error) bool { return err == nil }},
		{"context ended", false, ended, nil, func(err error) bool { return err == context.Canceled }},
		{"the tunnel ended without an error", false, context.Background(), nil,
			func(err error) bool { return err == portforward.ErrLostConnectionToPod }},
		{"client-go's lost connection", false, context.Background(), fmt.Errorf("copying: %w", portforward.ErrLostConnectionToPod),
			func(err error) bool {
				return errors.Is(err, portforward.ErrLostConnectionToPod) && strings.HasPrefix(err.Error(), "port-forward: copying")
			}},
		{"another error", false, context.Background(), other, func(err error) bool { return err == other }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			canceled := false
			p := &Forward{ready: make(chan struct{}), done: make(chan struct{}), cancel: func() { canceled = true }, closed: tt.closed}
			p.finish(tt.ctx, tt.err)
			select {
			case <-p.Done():
			default:
				t.Fatal("Done is open after finish")
			}
			if !canceled {
				t.Error("finish left the forward's context running")
			}
			if err := p.Err(); !tt.check(err) {
				t.Errorf("Err() = %v", err)
			}
			if err := p.Close(); !tt.check(err) {
				t.Errorf("Close() after the end = %v, want Err's", err)
			}
		})
	}
}
