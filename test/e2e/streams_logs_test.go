package e2e

// kobj's Logs and LogLines end to end (a Pod on no node, without any
// kubelet: streams_nokubelet_test.go).
//
// Real: the kube-apiserver — authorization of pods/log, the node look-up,
// the proxying to the kubelet with the query it rewrites (sinceTime in
// whole seconds) — and kobj's whole streaming path. Played: the kubelet
// (test/internal/fakekubelet): a log is the lines the test feeds, a
// rotation or dropped connection is EndFollowStreams, a restart is
// RestartContainer (the Pod's status, then a fresh log), an exit for good
// is StopContainer. Not covered: real log files and their rotation, the
// kubelet's own follow polling.

import (
	"context"
	"errors"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/test/internal/fakekubelet"
	"go.uber.org/goleak"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/rest"
)

// idleClosers keeps every transport client-go builds for a client (kobj
// builds one per streaming protocol), to close their idle connections
// before goroutines are counted.
type idleClosers struct {
	mu    sync.Mutex
	bases []http.RoundTripper
}

func (ic *idleClosers) closeIdle() {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	for _, rt := range ic.bases {
		utilnet.CloseIdleConnectionsFor(rt)
	}
}

// leakCheckedClient is a kobj client whose transports' idle connections
// closeIdle closes, for the tests that count goroutines.
func leakCheckedClient(t *testing.T) (*kobj.Client, *idleClosers) {
	t.Helper()
	ic := &idleClosers{}
	cc := rest.CopyConfig(cfg)
	cc.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		ic.mu.Lock()
		ic.bases = append(ic.bases, rt)
		ic.mu.Unlock()
		return rt
	}
	c, err := kobj.NewClient(cc, kobj.CacheDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ic.closeIdle)
	return c, ic
}

// verifyGoroutinesEnd fails t unless, within grace, no goroutine is left
// but those ignore (goleak.IgnoreCurrent() taken earlier) allows. The
// grace is for client-go's WebSocket executor, whose ping goroutine
// notices a closed connection only at its next tick (every 5 s) unless the
// server sent a close frame; a goroutine still there after grace is a leak.
func verifyGoroutinesEnd(t *testing.T, ignore goleak.Option, grace time.Duration) {
	t.Helper()
	deadline := time.Now().Add(grace)
	for {
		err := goleak.Find(ignore)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("goroutines left %v after the end: %v", grace, err)
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// object is the Pod as a kobj object that names it.
func (p fakePod) object() *kobj.Object {
	return kobj.New("v1", "Pod").SetName(p.Name).SetNamespace(p.Namespace)
}

// pull starts seq and returns its next function, stopping it at the end of
// the test.
func pull(t *testing.T, seq iter.Seq2[string, error]) func() (string, error, bool) {
	next, stop := iter.Pull2(seq)
	t.Cleanup(stop)
	return next
}

// nextLine returns the next line of a log, failing the test on an error
// or the end.
func nextLine(t *testing.T, next func() (string, error, bool)) string {
	t.Helper()
	line, err, ok := next()
	if !ok || err != nil {
		t.Fatalf("next line: %q, %v, more=%v", line, err, ok)
	}
	return line
}

// followRequests returns the follow requests for container logs the fake
// received.
func followRequests(k *fakekubelet.Kubelet) []string {
	var out []string
	for _, r := range k.Requests() {
		if strings.Contains(r, "/containerLogs/") && strings.Contains(r, "follow=true") {
			out = append(out, r)
		}
	}
	return out
}

func TestLogsFollowReceivesLaterLines(t *testing.T) {
	p := newFakePod(t)
	c := newClient(t)
	ctx := testContext(t, time.Minute)
	if err := p.Kubelet.Log(p.Ref("main"), "before"); err != nil {
		t.Fatal(err)
	}
	next, stop := iter.Pull2(p.object().LogLines(ctx, kobj.WithClient(c), kobj.Container("main"), kobj.Follow()))
	defer stop()
	if got := nextLine(t, next); got != "before" {
		t.Fatalf("first line %q, want \"before\"", got)
	}
	if err := p.Kubelet.WaitFollows(ctx, p.Ref("main"), 1); err != nil {
		t.Fatal(err)
	}
	if err := p.Kubelet.Log(p.Ref("main"), "after 1", "after 2"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"after 1", "after 2"} {
		if got := nextLine(t, next); got != want {
			t.Fatalf("line %q, want %q", got, want)
		}
	}
	// Leaving the loop closes the stream, down to the kubelet.
	stop()
	if err := p.Kubelet.WaitFollows(ctx, p.Ref("main"), 0); err != nil {
		t.Fatal(err)
	}
}

func TestLogsOptions(t *testing.T) {
	p := newFakePod(t)
	c := newClient(t)
	ctx := testContext(t, time.Minute)
	base := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	if err := p.Kubelet.Append(p.Ref("main"),
		fakekubelet.Line{Time: base, Text: "one"},
		fakekubelet.Line{Time: base.Add(500 * time.Millisecond), Text: "two"},
		fakekubelet.Line{Time: base.Add(time.Second + 250*time.Millisecond), Text: "three"},
		fakekubelet.Line{Time: base.Add(2 * time.Second), Text: "four"},
	); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts []kobj.LogOption
		want string
	}{
		{"all", nil, "one\ntwo\nthree\nfour\n"},
		{"TailLines", []kobj.LogOption{kobj.TailLines(2)}, "three\nfour\n"},
		{"TailLines 0", []kobj.LogOption{kobj.TailLines(0)}, ""},
		{"LimitBytes cuts a line", []kobj.LogOption{kobj.LimitBytes(6)}, "one\ntw"},
		// The API takes whole seconds: 03:00:01.9 asks from 03:00:01.
		{"SinceTime whole seconds", []kobj.LogOption{kobj.SinceTime(base.Add(time.Second + 900*time.Millisecond))}, "three\nfour\n"},
		{"Timestamps", []kobj.LogOption{kobj.Timestamps(), kobj.TailLines(1)}, "2026-12-01T03:00:02.000000000Z four\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, err := p.object().Logs(ctx, append([]kobj.LogOption{kobj.WithClient(c)}, tt.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			got, err := io.ReadAll(rc)
			if err != nil || string(got) != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// FollowRestarts opens the log again when the stream ends while the
// container runs (a rotation, a dropped kubelet connection) or after it
// restarted, and no line is delivered twice although the apiserver asks
// the kubelet from the whole second of the last line.
func TestLogsFollowRestarts(t *testing.T) {
	tests := []struct {
		name                string
		dropped, timestamps bool
		end                 func(ctx context.Context, p fakePod) error
	}{
		{"stream dropped", true, false, func(_ context.Context, p fakePod) error {
			if n := p.Kubelet.EndFollowStreams(); n != 1 {
				return errors.New("no follow stream to end")
			}
			return nil
		}},
		{"stream dropped, with Timestamps", true, true, func(_ context.Context, p fakePod) error {
			if n := p.Kubelet.EndFollowStreams(); n != 1 {
				return errors.New("no follow stream to end")
			}
			return nil
		}},
		{"container restarted", false, false, func(ctx context.Context, p fakePod) error {
			return p.Kubelet.RestartContainer(ctx, p.Ref("main"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newFakePod(t)
			c := newClient(t)
			ctx := testContext(t, time.Minute)
			// Three lines within one second, so that the reopened stream
			// (sinceTime in whole seconds) repeats the first two.
			base := time.Now().Add(-time.Minute).Truncate(time.Second)
			line := func(ms int, text string) fakekubelet.Line {
				return fakekubelet.Line{Time: base.Add(time.Duration(ms) * time.Millisecond), Text: text}
			}
			if err := p.Kubelet.Append(p.Ref("main"), line(100, "a"), line(200, "b")); err != nil {
				t.Fatal(err)
			}
			opts := []kobj.LogOption{kobj.WithClient(c), kobj.Container("main"), kobj.FollowRestarts()}
			if tt.timestamps {
				opts = append(opts, kobj.Timestamps())
			}
			next := pull(t, p.object().LogLines(ctx, opts...))
			text := func(l string) string {
				if !tt.timestamps {
					return l
				}
				ts, rest, _ := strings.Cut(l, " ")
				if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
					t.Fatalf("line %q: no timestamp: %v", l, err)
				}
				return rest
			}
			for _, want := range []string{"a", "b"} {
				if got := text(nextLine(t, next)); got != want {
					t.Fatalf("line %q, want %q", got, want)
				}
			}
			if err := tt.end(ctx, p); err != nil {
				t.Fatal(err)
			}
			if err := p.Kubelet.Append(p.Ref("main"), line(300, "c")); err != nil {
				t.Fatal(err)
			}
			if got := text(nextLine(t, next)); got != "c" {
				t.Fatalf("line after the reopening %q, want \"c\" (no line twice)", got)
			}
			reqs := followRequests(p.Kubelet)
			if len(reqs) != 2 {
				t.Fatalf("the kubelet saw %d follow requests, want 2 (the first and the reopening): %q", len(reqs), reqs)
			}
			// A dropped stream is reopened from the last line's second.
			since := "sinceTime=" + url.QueryEscape(base.UTC().Format(time.RFC3339))
			if tt.dropped && !strings.Contains(reqs[1], since) {
				t.Fatalf("the reopening asked %q, want %s", reqs[1], since)
			}
		})
	}
}

// FollowRestarts ends the log, without an error, once the container has
// ended for good (it exited 0 and the restart policy is OnFailure).
func TestLogsFollowRestartsEndsWhenTheContainerEnds(t *testing.T) {
	p := newFakePod(t)
	c := newClient(t)
	ctx := testContext(t, time.Minute)
	if err := p.Kubelet.Log(p.Ref("main"), "last words"); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for line, err := range p.object().LogLines(ctx, kobj.WithClient(c), kobj.FollowRestarts()) {
		if err != nil {
			t.Fatalf("LogLines: %v", err)
		}
		lines = append(lines, line)
		if len(lines) == 1 {
			if err := p.Kubelet.StopContainer(ctx, p.Ref("main")); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(lines) != 1 || lines[0] != "last words" {
		t.Fatalf("lines %q, want [last words] and the end", lines)
	}
}

// Ending the context ends a followed log: LogLines yields the context's
// error last, the kubelet sees its stream closed, and no goroutine stays.
func TestLogsFollowEndsWithTheContext(t *testing.T) {
	p := newFakePod(t)
	c, tr := leakCheckedClient(t)
	ctx := testContext(t, time.Minute)
	if err := p.Kubelet.Log(p.Ref("main"), "first"); err != nil {
		t.Fatal(err)
	}
	// One request first, so that the client's connections exist before the
	// goroutines are counted.
	rc, err := p.object().Logs(ctx, kobj.WithClient(c))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, rc); err != nil {
		t.Fatal(err)
	}
	rc.Close()
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	defer tr.closeIdle()

	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var lines []string
	var last error
	for line, err := range p.object().LogLines(lctx, kobj.WithClient(c), kobj.Follow()) {
		if err != nil {
			last = err
			continue
		}
		lines = append(lines, line)
		cancel()
	}
	if len(lines) != 1 || lines[0] != "first" || !errors.Is(last, context.Canceled) {
		t.Fatalf("lines %q, last error %v; want [first] and context.Canceled", lines, last)
	}
	if err := p.Kubelet.WaitFollows(ctx, p.Ref("main"), 0); err != nil {
		t.Fatal(err)
	}
}

// A line written after the drop with the very timestamp of the last line
// delivered (runtimes stamp with a clock that can repeat) is a new line:
// FollowRestarts delivers it, it drops only what it delivered already.
func TestLogsFollowRestartsKeepsALineOfTheSameInstant(t *testing.T) {
	p := newFakePod(t)
	c := newClient(t)
	ctx := testContext(t, time.Minute)
	at := time.Now().Add(-time.Minute).Truncate(time.Second).Add(500 * time.Millisecond)
	if err := p.Kubelet.Append(p.Ref("main"), fakekubelet.Line{Time: at, Text: "first"}); err != nil {
		t.Fatal(err)
	}
	next := pull(t, p.object().LogLines(ctx, kobj.WithClient(c), kobj.FollowRestarts()))
	if got := nextLine(t, next); got != "first" {
		t.Fatalf("line %q, want \"first\"", got)
	}
	if n := p.Kubelet.EndFollowStreams(); n != 1 {
		t.Fatalf("EndFollowStreams ended %d streams, want 1", n)
	}
	if err := p.Kubelet.Append(p.Ref("main"), fakekubelet.Line{Time: at, Text: "second, same instant"}, fakekubelet.Line{Time: at.Add(time.Millisecond), Text: "third"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"second, same instant", "third"} {
		if got := nextLine(t, next); got != want {
			t.Fatalf("line %q, want %q", got, want)
		}
	}
}
