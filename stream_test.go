package kobj_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
)

// Tests of the streaming path, CallStream and Logs against the in-memory
// API server.

const podLogPath = "/api/v1/namespaces/ns/pods/p/log"

func podObject(ns, name string) *kobj.Object {
	return kobj.New("v1", "Pod").SetNamespace(ns).SetName(name)
}

// withLogs puts a server in front of the fake that serves the path of a
// pod's log (below prefix) with handle, recording the request as the fake
// does, and sends every other request to the fake; it returns a client of
// it, which caches nothing on disk.
func withLogs(t *testing.T, f *fakeAPI, handle http.HandlerFunc, opts ...kobj.ClientOption) *kobj.Client {
	t.Helper()
	return withSubresource(t, f, "log", handle, opts...)
}

// withSubresource is withLogs for the subresource sub.
func withSubresource(t *testing.T, f *fakeAPI, sub string, handle http.HandlerFunc, opts ...kobj.ClientOption) *kobj.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, _ := strings.CutPrefix(r.URL.Path, f.prefix)
		if !strings.HasSuffix(path, "/"+sub) {
			f.serve(w, r)
			return
		}
		f.mu.Lock()
		f.log = append(f.log, recorded{Method: r.Method, Path: path, Query: r.URL.RawQuery})
		f.mu.Unlock()
		handle(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := kobj.NewClient(&rest.Config{Host: srv.URL + f.prefix}, append([]kobj.ClientOption{kobj.CacheDir("")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// serveLines writes lines of a log, flushing each.
func serveLines(w http.ResponseWriter, lines ...string) {
	w.Header().Set("Content-Type", "text/plain")
	for _, l := range lines {
		fmt.Fprintln(w, l)
		w.(http.Flusher).Flush()
	}
}

// goroutinesSettle waits until no more goroutines run than before (those
// of the test's own client and server excepted), and fails with the stacks
// when some outlive their call. It waits up to 10s: client-go's WebSocket
// heartbeat, after a connection closed from this side, ends at its next
// ping (every 5s).
func goroutinesSettle(t *testing.T, before int) {
	t.Helper()
	// Up to 30 s: client-go's WebSocket heartbeat notices a closed
	// connection only at its next ping (every 5 s), later on a busy machine.
	for range 3000 {
		if runtime.NumGoroutine() <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	t.Errorf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:n])
}

func TestCallStreamRequestShape(t *testing.T) {
	for _, prefix := range []string{"", "/k8s/clusters/c-1"} {
		t.Run("prefix "+prefix, func(t *testing.T) {
			f := newFakeAPI(t, prefix)
			c := withLogs(t, f, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Test", "yes")
				serveLines(w, "one", "two")
			})
			resp, err := c.CallStream(context.Background(), "readCoreV1NamespacedPodLog",
				kobj.Args{"namespace": "ns", "name": "p", "follow": true, "tailLines": 2, "container": "app"})
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil || string(body) != "one\ntwo\n" {
				t.Errorf("body = %q, %v", body, err)
			}
			if resp.Code != 200 || resp.Header.Get("X-Test") != "yes" {
				t.Errorf("code %d, headers %v", resp.Code, resp.Header)
			}
			want := []recorded{{Method: "GET", Path: podLogPath, Query: "container=app&follow=true&tailLines=2"}}
			if got := f.requests(); !slices.Equal(got, want) {
				t.Errorf("requests = %+v, want %+v", got, want)
			}
		})
	}
}

// TestCallStreamProxyPath: the {path} of a proxy operation is a path
// below the proxied address, slashes and all.
func TestCallStreamProxyPath(t *testing.T) {
	f := newFakeAPI(t, "")
	c := withSubresource(t, f, "metrics", func(w http.ResponseWriter, r *http.Request) { serveLines(w, "up 1") })
	resp, err := c.CallStream(context.Background(), "connectCoreV1GetNamespacedPodProxyWithPath",
		kobj.Args{"namespace": "ns", "name": "web-0:8080", "path": "api/v1/metrics"})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if body, err := io.ReadAll(resp.Body); err != nil || string(body) != "up 1\n" {
		t.Errorf("body = %q, %v", body, err)
	}
	want := []recorded{{Method: "GET", Path: "/api/v1/namespaces/ns/pods/web-0:8080/proxy/api/v1/metrics"}}
	if got := f.requests(); !slices.Equal(got, want) {
		t.Errorf("requests = %+v, want %+v", got, want)
	}
	for _, bad := range []string{"../secrets", "a/./b"} {
		if _, err := c.CallStream(context.Background(), "connectCoreV1GetNamespacedPodProxyWithPath",
			kobj.Args{"namespace": "ns", "name": "p", "path": bad}); err == nil || !strings.Contains(err.Error(), "may not contain") {
			t.Errorf("path %q: error = %v", bad, err)
		}
	}
}

func TestStreamingOperationsNameTheirVerb(t *testing.T) {
	f := newFakeAPI(t, "")
	c := f.client()
	ctx := context.Background()
	call := func(op string, args kobj.Args) error { _, err := c.Call(ctx, op, args); return err }
	stream := func(op string, args kobj.Args) error { _, err := c.CallStream(ctx, op, args); return err }
	tests := []struct {
		name string
		do   func(string, kobj.Args) error
		op   string
		args kobj.Args
		want string
	}{
		{"Call of a followed log", call, "readCoreV1NamespacedPodLog", kobj.Args{"namespace": "ns", "name": "p", "follow": true}, "use CallStream"},
		{"Call of a proxy", call, "connectCoreV1GetNamespacedPodProxy", kobj.Args{"namespace": "ns", "name": "p"}, "use CallStream"},
		{"Call of exec", call, "connectCoreV1PostNamespacedPodExec", kobj.Args{"namespace": "ns", "name": "p"}, "use Object.Exec"},
		{"Call of port-forward", call, "connectCoreV1GetNamespacedPodPortforward", kobj.Args{"namespace": "ns", "name": "p"}, "use Object.PortForward"},
		{"Call of a watch", call, "watchCoreV1NamespacedPodList", kobj.Args{"namespace": "ns"}, "CallStream for the raw event stream"},
		{"CallStream of exec", stream, "connectCoreV1PostNamespacedPodExec", kobj.Args{"namespace": "ns", "name": "p", "command": []string{"ls"}}, "use Object.Exec"},
		{"CallStream of attach", stream, "connectCoreV1PostNamespacedPodAttach", kobj.Args{"namespace": "ns", "name": "p"}, "remotecommand"},
		{"CallStream with a wrong type", stream, "readCoreV1NamespacedPodLog", kobj.Args{"namespace": "ns", "name": "p", "follow": "yes"}, "want a bool"},
		{"CallStream of an unknown parameter", stream, "readCoreV1NamespacedPodLog", kobj.Args{"namespace": "ns", "name": "p", "folow": true}, `did you mean "follow"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.requests()
			err := tt.do(tt.op, tt.args)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
			if got := f.requests(); len(got) != 0 {
				t.Errorf("requests sent: %+v", got)
			}
		})
	}
}

// TestLogsQuery is the golden test of the query each log option sends.
func TestLogsQuery(t *testing.T) {
	since := time.Date(2026, 12, 1, 3, 4, 5, 600, time.FixedZone("x", 3600))
	tests := []struct {
		name  string
		opts  []kobj.LogOption
		query string
	}{
		{"none", nil, ""},
		{"container", []kobj.LogOption{kobj.Container("app")}, "container=app"},
		{"follow", []kobj.LogOption{kobj.Follow()}, "follow=true"},
		{"timestamps", []kobj.LogOption{kobj.Timestamps()}, "timestamps=true"},
		{"previous", []kobj.LogOption{kobj.Previous()}, "previous=true"},
		{"tail", []kobj.LogOption{kobj.TailLines(10)}, "tailLines=10"},
		{"tail zero", []kobj.LogOption{kobj.TailLines(0)}, "tailLines=0"},
		{"limit", []kobj.LogOption{kobj.LimitBytes(4096)}, "limitBytes=4096"},
		{"since seconds round up", []kobj.LogOption{kobj.SinceSeconds(90*time.Second + time.Millisecond)}, "sinceSeconds=91"},
		{"since time in UTC", []kobj.LogOption{kobj.SinceTime(since)}, "sinceTime=2026-12-01T02%3A04%3A05Z"},
		{"all", []kobj.LogOption{kobj.Container("c"), kobj.Follow(), kobj.Timestamps(), kobj.TailLines(1), kobj.LimitBytes(2)},
			"container=c&follow=true&limitBytes=2&tailLines=1&timestamps=true"},
	}
	f := newFakeAPI(t, "")
	c := withLogs(t, f, func(w http.ResponseWriter, r *http.Request) { serveLines(w, "line") })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.requests()
			rc, err := podObject("ns", "p").SetClient(c).Logs(context.Background(), tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || string(body) != "line\n" {
				t.Errorf("body = %q, %v", body, err)
			}
			want := []recorded{{Method: "GET", Path: podLogPath, Query: tt.query}}
			if got := f.requests(); !slices.Equal(got, want) {
				t.Errorf("requests = %+v, want %+v", got, want)
			}
		})
	}
}

func TestLogsRefusesBeforeAnyRequest(t *testing.T) {
	f := newFakeAPI(t, "")
	c := f.client()
	tests := []struct {
		name string
		obj  *kobj.Object
		opts []kobj.LogOption
		want string
	}{
		{"a kind without a log", kobj.New("v1", "ConfigMap").SetNamespace("ns").SetName("p"), nil, "has no log subresource"},
		{"no name", kobj.New("v1", "Pod").SetNamespace("ns"), nil, "no name"},
		{"negative tail", podObject("ns", "p"), []kobj.LogOption{kobj.TailLines(-1)}, "TailLines(-1)"},
		{"zero limit", podObject("ns", "p"), []kobj.LogOption{kobj.LimitBytes(0)}, "LimitBytes(0)"},
		{"zero since", podObject("ns", "p"), []kobj.LogOption{kobj.SinceSeconds(0)}, "SinceSeconds(0s)"},
		{"both since", podObject("ns", "p"), []kobj.LogOption{kobj.SinceSeconds(time.Minute), kobj.SinceTime(time.Now())}, "pick one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.requests()
			_, err := tt.obj.Logs(context.Background(), append(tt.opts, kobj.WithClient(c))...)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "kobj: Logs") {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
			if got := f.requests(); len(got) != 0 {
				t.Errorf("requests sent: %+v", got)
			}
		})
	}
}

func TestLogsOfAnUnscheduledPodIsAnEmptyStream(t *testing.T) {
	f := newFakeAPI(t, "")
	c := withLogs(t, f, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	rc, err := podObject("ns", "p").Logs(context.Background(), kobj.WithClient(c), kobj.Follow())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if body, err := io.ReadAll(rc); err != nil || len(body) != 0 {
		t.Errorf("body = %q, %v; want empty", body, err)
	}
	n := 0
	for line, err := range podObject("ns", "p").LogLines(context.Background(), kobj.WithClient(c)) {
		n++
		t.Errorf("line %q, %v from an empty log", line, err)
	}
	if n != 0 {
		t.Errorf("%d items", n)
	}
}

func TestLogsServerRefusalIsStatusError(t *testing.T) {
	f := newFakeAPI(t, "")
	c := withLogs(t, f, func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, 400, "BadRequest", `container nope is not valid for pod p`)
	})
	_, err := podObject("ns", "p").Logs(context.Background(), kobj.WithClient(c), kobj.Container("nope"))
	var status *apierrors.StatusError
	if !errors.As(err, &status) || !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "is not valid") {
		t.Fatalf("error = %#v, want the server's 400 as a StatusError", err)
	}
	var got []error
	for _, err := range podObject("ns", "p").LogLines(context.Background(), kobj.WithClient(c), kobj.Container("nope")) {
		got = append(got, err)
	}
	if len(got) != 1 || !apierrors.IsBadRequest(got[0]) {
		t.Errorf("LogLines yielded %v, want the one StatusError", got)
	}
}

func TestLogLinesYieldsLinesAndStopsEarly(t *testing.T) {
	f := newFakeAPI(t, "")
	c := withLogs(t, f, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		io.WriteString(w, "a\nb\n\nlast without newline")
	})
	var lines []string
	for line, err := range podObject("ns", "p").LogLines(context.Background(), kobj.WithClient(c)) {
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line)
	}
	if want := []string{"a", "b", "", "last without newline"}; !slices.Equal(lines, want) {
		t.Errorf("lines = %q, want %q", lines, want)
	}
	lines = nil
	for line := range podObject("ns", "p").LogLines(context.Background(), kobj.WithClient(c)) {
		lines = append(lines, line)
		break
	}
	if !slices.Equal(lines, []string{"a"}) {
		t.Errorf("lines = %q after break", lines)
	}
}

// holdingLogServer serves a followed log that writes one line and then
// stays open until the client leaves; started is told when it began.
func holdingLogServer(t *testing.T, opts ...kobj.ClientOption) (*fakeAPI, *kobj.Client, chan struct{}) {
	f := newFakeAPI(t, "")
	started := make(chan struct{}, 10)
	c := withLogs(t, f, func(w http.ResponseWriter, r *http.Request) {
		serveLines(w, "first")
		started <- struct{}{}
		<-r.Context().Done()
	}, opts...)
	return f, c, started
}

func TestFollowEndsWithItsContextAndLeavesNoGoroutine(t *testing.T) {
	for name, follow := range map[string]kobj.LogOption{"Follow": kobj.Follow(), "FollowRestarts": kobj.FollowRestarts()} {
		t.Run(name, func(t *testing.T) {
			_, c, started := holdingLogServer(t)
			pod := podObject("ns", "p").SetClient(c)
			if _, err := pod.Read(context.Background()); err == nil {
				t.Fatal("the fake has no pod") // warms discovery; the answer is a 404
			}
			before := runtime.NumGoroutine()
			ctx, cancel := context.WithCancel(context.Background())
			rc, err := pod.Logs(ctx, follow)
			if err != nil {
				t.Fatal(err)
			}
			<-started
			r := bufio.NewReader(rc)
			if line, err := r.ReadString('\n'); line != "first\n" || err != nil {
				t.Fatalf("first line %q, %v", line, err)
			}
			readErr := make(chan error, 1)
			go func() { _, err := r.ReadString('\n'); readErr <- err }()
			cancel()
			if err := <-readErr; !errors.Is(err, context.Canceled) {
				t.Errorf("read after cancel = %v, want context.Canceled", err)
			}
			rc.Close()
			goroutinesSettle(t, before)
		})
	}
}

func TestStreamIsNotCutByTheConfigTimeout(t *testing.T) {
	f := newFakeAPI(t, "")
	const pause = 600 * time.Millisecond // three times the client's Timeout
	f.intercept = func(w http.ResponseWriter, r *recorded) bool {
		if r.Path == "/api/v1/namespaces/ns/configmaps/slow" {
			time.Sleep(pause)
		}
		return false
	}
	logs := func(w http.ResponseWriter, r *http.Request) {
		serveLines(w, "before")
		time.Sleep(pause)
		serveLines(w, "after")
	}
	c := withLogs(t, f, logs, kobj.CacheDir(""))
	c, err := kobj.NewClient(&rest.Config{Host: c.Host(), Timeout: 200 * time.Millisecond}, kobj.CacheDir(""))
	if err != nil {
		t.Fatal(err)
	}
	// Control: the Timeout does cut a whole answer that comes late.
	if _, err := kobj.New("v1", "ConfigMap").SetNamespace("ns").SetName("slow").Read(context.Background(), kobj.WithClient(c)); err == nil || apierrors.IsNotFound(err) {
		t.Fatalf("a read slower than the Timeout = %v, want a time-out", err)
	}
	rc, err := podObject("ns", "p").Logs(context.Background(), kobj.WithClient(c), kobj.Follow())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	body, err := io.ReadAll(rc)
	if err != nil || string(body) != "before\nafter\n" {
		t.Errorf("stream = %q, %v; want both lines", body, err)
	}
}

func TestStreamTakesNoInFlightSlot(t *testing.T) {
	f, c, started := holdingLogServer(t, kobj.MaxInFlight(1))
	f.put("/api/v1/namespaces/ns/configmaps/web", map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "web", "namespace": "ns"}})
	rc, err := podObject("ns", "p").Logs(context.Background(), kobj.WithClient(c), kobj.Follow())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	<-started
	// With the stream open, the one slot is free: a Read goes through. A
	// slot taken would block it until the deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := kobj.New("v1", "ConfigMap").SetNamespace("ns").SetName("web").Read(ctx, kobj.WithClient(c)); err != nil {
		t.Fatalf("Read with a stream open and MaxInFlight(1): %v", err)
	}
}

// TestLogsAreNotReadIntoMemory streams 64 MiB of log through Logs and
// checks that what was allocated meanwhile stays far below it.
func TestLogsAreNotReadIntoMemory(t *testing.T) {
	const size = 64 << 20
	line := strings.Repeat("x", 1023) + "\n"
	f := newFakeAPI(t, "")
	c := withLogs(t, f, func(w http.ResponseWriter, r *http.Request) {
		for range size / len(line) {
			io.WriteString(w, line)
		}
	})
	pod := podObject("ns", "p").SetClient(c)
	if _, err := pod.Read(context.Background()); err == nil {
		t.Fatal("the fake has no pod") // warms discovery; the answer is a 404
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rc, err := pod.Logs(context.Background(), kobj.Follow())
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, rc)
	rc.Close()
	runtime.ReadMemStats(&after)
	if err != nil || n != size {
		t.Fatalf("read %d bytes, %v; want %d", n, err, size)
	}
	// The server's side runs in this process too; both together stay
	// well below the stream's size.
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("streamed %d MiB with %.1f MiB allocated (client and server)", size>>20, float64(alloc)/(1<<20))
	if alloc > size/4 {
		t.Errorf("allocated %d bytes while streaming %d", alloc, size)
	}
}
