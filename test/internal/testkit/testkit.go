// Package testkit holds what kobj's end-to-end test packages share: a
// transport that records requests, unique names, and per-test namespaces.
package testkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
)

// RequestLog records the requests a client sent, as "METHOD /path?query".
type RequestLog struct {
	mu   sync.Mutex
	reqs []string
}

func (l *RequestLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, s)
}

// Count returns how many requests were sent since the last Reset.
func (l *RequestLog) Count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.reqs)
}

// Requests returns a copy of the requests sent since the last Reset.
func (l *RequestLog) Requests() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.reqs...)
}

// Reset forgets the requests recorded so far.
func (l *RequestLog) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = nil
}

// Matching returns the recorded requests for which keep is true.
func (l *RequestLog) Matching(keep func(method, path, query string) bool) []string {
	var out []string
	for _, r := range l.Requests() {
		method, rest, _ := strings.Cut(r, " ")
		path, query, _ := strings.Cut(rest, "?")
		if keep(method, path, query) {
			out = append(out, r)
		}
	}
	return out
}

// Tracked returns a copy of base whose transport records every request in log.
func Tracked(base *rest.Config, log *RequestLog) *rest.Config {
	cc := rest.CopyConfig(base)
	inner := cc.WrapTransport
	cc.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		if inner != nil {
			rt = inner(rt)
		}
		return &countingTransport{next: rt, log: log}
	}
	return cc
}

type countingTransport struct {
	next http.RoundTripper
	log  *RequestLog
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	s := r.Method + " " + r.URL.Path
	if r.URL.RawQuery != "" {
		s += "?" + r.URL.RawQuery
	}
	t.log.add(s)
	return t.next.RoundTrip(r)
}

// Suffix returns a short random lowercase hex string for unique names.
func Suffix() string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

var notDNS = regexp.MustCompile(`[^a-z0-9-]+`)

// UniqueName returns a DNS-label name made of prefix, a cleaned-up form of
// the test's name, and a random suffix.
func UniqueName(t testing.TB, prefix string) string {
	base := notDNS.ReplaceAllString(strings.ToLower(t.Name()), "-")
	base = strings.Trim(base, "-")
	if room := 63 - len(prefix) - 1 - 8 - 1; len(base) > room {
		base = strings.TrimRight(base[:room], "-")
	}
	return prefix + "-" + base + "-" + Suffix()
}

// NewNamespace creates, with kobj, a namespace of its own for the test and
// returns its name. The namespace is deleted at the end of the test, but
// nothing waits for it: without controllers, namespaces never finish
// deleting in this control plane.
func NewNamespace(t testing.TB, c *kobj.Client, prefix string) string {
	t.Helper()
	name := UniqueName(t, prefix)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := kobj.New("v1", "Namespace").SetName(name).Create(ctx, kobj.WithClient(c)); err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := kobj.New("v1", "Namespace").Delete(ctx, kobj.Named(name), kobj.WithClient(c)); err != nil && !apierrors.IsNotFound(err) {
			t.Logf("deleting namespace %s: %v", name, err)
		}
	})
	return name
}
