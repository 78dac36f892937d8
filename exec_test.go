package kobj_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/streaming/pkg/httpstream"
	"k8s.io/streaming/pkg/httpstream/spdy"
)

// Exec against the in-memory API server: what it sends and how refusals
// come back. Running commands needs a kubelet: test/e2e does that with a
// fake one.

func TestExecOfAnotherKindFailsBeforeAnyRequest(t *testing.T) {
	f := newFakeAPI(t, "")
	c := f.client()
	tests := []struct {
		name    string
		obj     *kobj.Object
		command []string
		want    string
	}{
		{"a ConfigMap", kobj.New("v1", "ConfigMap").SetNamespace("ns").SetName("p"), []string{"ls"}, "has no exec subresource"},
		{"a custom kind", kobj.New("example.com/v1", "Widget").SetNamespace("ns").SetName("p"), []string{"ls"}, "has no exec subresource"},
		{"no command", podObject("ns", "p"), nil, "no command"},
		{"no name", kobj.New("v1", "Pod").SetNamespace("ns"), []string{"ls"}, "no name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.requests()
			_, err := tt.obj.Exec(context.Background(), tt.command, kobj.WithClient(c))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "kobj: Exec") {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
			if got := f.requests(); len(got) != 0 {
				t.Errorf("requests sent: %+v", got)
			}
		})
	}
	if _, err := kobj.New("v1", "ConfigMap").SetNamespace("ns").SetName("p").Exec(context.Background(), []string{"ls"}, kobj.WithClient(c)); !errors.Is(err, kobj.ErrUnsupported) {
		t.Errorf("error = %v, want ErrUnsupported", err)
	}
}

// TestExecRefusedTriesWebSocketThenSPDY: a server that refuses both
// upgrades with a Status (a Pod without a node) sees a WebSocket GET, then
// a SPDY POST, both with the command as repeated parameters, below the
// server's path prefix; its Status is the error.
func TestExecRefusedTriesWebSocketThenSPDY(t *testing.T) {
	f := newFakeAPI(t, "/prefix")
	var mu sync.Mutex
	var upgrades []string
	c := withSubresource(t, f, "exec", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		upgrades = append(upgrades, r.Method+" "+r.Header.Get("Upgrade"))
		mu.Unlock()
		writeStatus(w, 400, "BadRequest", `pod p does not have a host assigned`)
	})
	_, err := podObject("ns", "p").Exec(context.Background(), []string{"ls", "-l"}, kobj.WithClient(c), kobj.Container("app"))
	var status *apierrors.StatusError
	if !errors.As(err, &status) || !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "does not have a host assigned") {
		t.Fatalf("error = %#v, want the server's 400 as a StatusError", err)
	}
	const query = "command=ls&command=-l&container=app&stderr=true&stdout=true" // as kubectl sends it: false is left out
	want := []recorded{{Method: "GET", Path: "/api/v1/namespaces/ns/pods/p/exec", Query: query}, {Method: "POST", Path: "/api/v1/namespaces/ns/pods/p/exec", Query: query}}
	if got := f.requests(); !slices.Equal(got, want) {
		t.Errorf("requests = %+v, want %+v", got, want)
	}
	if want := []string{"GET websocket", "POST SPDY/3.1"}; !slices.Equal(upgrades, want) {
		t.Errorf("upgrades = %q, want %q", upgrades, want)
	}
}

func TestExecOptionsQuery(t *testing.T) {
	f := newFakeAPI(t, "")
	c := withSubresource(t, f, "exec", func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, 400, "BadRequest", "no")
	})
	f.requests()
	_, err := podObject("ns", "p").Exec(context.Background(), []string{"sh"}, kobj.WithClient(c), kobj.TTY(), kobj.Stdin(strings.NewReader("x")))
	if !apierrors.IsBadRequest(err) {
		t.Fatalf("error = %v", err)
	}
	got := f.requests()
	if len(got) == 0 || got[0].Query != "command=sh&stdin=true&stdout=true&tty=true" { // stderr false: left out, as kubectl does
		t.Errorf("requests = %+v", got)
	}
}

// fakeExecV5 speaks the server side of the v5.channel.k8s.io protocol
// for a command that echoes its stdin to stdout until stdin is closed
// (byte 255 on the wire), writes "oops" to stderr, and exits with the
// code given as its first argument.
func fakeExecV5(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{Subprotocols: []string{"v5.channel.k8s.io"}}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	send := func(channel byte, data string) {
		conn.WriteMessage(websocket.BinaryMessage, append([]byte{channel}, data...))
	}
	if r.URL.Query().Get("stdin") == "true" {
		for {
			_, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			if len(msg) == 2 && msg[0] == 255 && msg[1] == 0 {
				break // stdin closed
			}
			if len(msg) > 0 && msg[0] == 0 {
				send(1, string(msg[1:]))
			}
		}
	}
	send(2, "oops")
	code := r.URL.Query()["command"][0]
	if code == "0" {
		send(3, `{"kind":"Status","apiVersion":"v1","status":"Success"}`)
	} else {
		send(3, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"`+code+`"}]}}`)
	}
	conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
}

func TestExecOverWebSocketV5(t *testing.T) {
	f := newFakeAPI(t, "")
	c := withSubresource(t, f, "exec", fakeExecV5)
	pod := podObject("ns", "p").SetClient(c)
	ctx := context.Background()
	tests := []struct {
		name       string
		command    []string
		opts       []kobj.ExecOption
		wantCode   int
		wantStdout string
		wantExit   bool // an *ExitError
	}{
		{"exit 0 with stdin closed at its end", []string{"0"}, []kobj.ExecOption{kobj.Stdin(strings.NewReader("hello"))}, 0, "hello", false},
		{"exit 3 is a result", []string{"3", "x"}, nil, 3, "", false},
		{"exit 3 with CheckExitCode is an error", []string{"3"}, []kobj.ExecOption{kobj.CheckExitCode()}, 3, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := pod.Exec(ctx, tt.command, tt.opts...)
			var exit *kobj.ExitError
			if got := errors.As(err, &exit); got != tt.wantExit || (!tt.wantExit && err != nil) {
				t.Fatalf("error = %v, want an ExitError: %v", err, tt.wantExit)
			}
			if exit != nil && exit.Code != tt.wantCode {
				t.Errorf("ExitError.Code = %d", exit.Code)
			}
			if res == nil || res.ExitCode != tt.wantCode || string(res.Stdout) != tt.wantStdout || string(res.Stderr) != "oops" {
				t.Errorf("result = %+v, want code %d, stdout %q, stderr oops", res, tt.wantCode, tt.wantStdout)
			}
		})
	}
	// Ending ctx ends a command that waits on stdin; once the caller's
	// reader returns, no goroutine is left.
	before := runtime.NumGoroutine()
	stdin, feed := io.Pipe()
	cctx, cancel := context.WithCancel(ctx)
	result := make(chan error, 1)
	go func() { _, err := pod.Exec(cctx, []string{"0"}, kobj.Stdin(stdin)); result <- err }()
	feed.Write([]byte("x")) // the command has started: it reads stdin
	cancel()
	if err := <-result; !errors.Is(err, context.Canceled) {
		t.Errorf("Exec after cancel = %v, want context.Canceled", err)
	}
	feed.Close()
	goroutinesSettle(t, before)

	var stdout, stderr strings.Builder
	res, err := pod.Exec(ctx, []string{"0"}, kobj.Stdin(strings.NewReader("to a writer")), kobj.Stdout(&stdout), kobj.Stderr(&stderr))
	if err != nil || res.Stdout != nil || res.Stderr != nil || stdout.String() != "to a writer" || stderr.String() != "oops" {
		t.Errorf("with writers: %+v, %v, stdout %q, stderr %q", res, err, stdout.String(), stderr.String())
	}
}

// fakeExecSPDY is a server that cannot upgrade to a WebSocket (a proxy
// that does not pass it, an old server) and speaks v4.channel.k8s.io over
// SPDY: the command echoes stdin to stdout, writes "oops" to stderr and
// exits with the code given as its first argument.
func fakeExecSPDY(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		http.Error(w, "no WebSocket here", http.StatusBadRequest)
		return
	}
	if _, err := httpstream.Handshake(r, w, []string{"v4.channel.k8s.io"}); err != nil {
		return
	}
	arrived := make(chan httpstream.Stream, 8)
	conn := spdy.NewResponseUpgrader().UpgradeResponse(w, r, func(s httpstream.Stream, _ <-chan struct{}) error {
		arrived <- s
		return nil
	})
	if conn == nil {
		return
	}
	defer conn.Close()
	q := r.URL.Query()
	want := 3 // error, stdout, stderr
	if q.Get("stdin") == "true" {
		want++
	}
	streams := map[string]httpstream.Stream{}
	for len(streams) < want {
		select {
		case s := <-arrived:
			streams[s.Headers().Get("streamType")] = s
		case <-conn.CloseChan():
			return
		}
	}
	if stdin := streams["stdin"]; stdin != nil {
		io.Copy(streams["stdout"], stdin) // until the client closes stdin
	}
	io.WriteString(streams["stderr"], "oops")
	streams["stdout"].Close()
	streams["stderr"].Close()
	code := q["command"][0]
	status := `{"kind":"Status","apiVersion":"v1","status":"Success"}`
	if code != "0" {
		status = `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"` + code + `"}]}}`
	}
	io.WriteString(streams["error"], status)
	streams["error"].Close()
	<-conn.CloseChan()
}

func TestExecFallsBackToSPDY(t *testing.T) {
	f := newFakeAPI(t, "")
	c := withSubresource(t, f, "exec", fakeExecSPDY)
	pod := podObject("ns", "p").SetClient(c)
	res, err := pod.Exec(context.Background(), []string{"0"}, kobj.Stdin(strings.NewReader("over SPDY")))
	if err != nil || res.ExitCode != 0 || string(res.Stdout) != "over SPDY" || string(res.Stderr) != "oops" {
		t.Errorf("Exec = %+v, %v", res, err)
	}
	got := f.requests()
	if len(got) != 2 || got[0].Method != "GET" || got[1].Method != "POST" {
		t.Errorf("requests = %+v, want the WebSocket GET, then the SPDY POST", got)
	}
	res, err = pod.Exec(context.Background(), []string{"7"}, kobj.CheckExitCode())
	var exit *kobj.ExitError
	if !errors.As(err, &exit) || exit.Code != 7 || res == nil || res.ExitCode != 7 {
		t.Errorf("Exec exit 7 with CheckExitCode = %+v, %v", res, err)
	}
}

// TestExecReadsNoOpenAPIDocument: the exec and port-forward URLs come from
// discovery and client-go's parameter codec, so a cold client's first
// Exec or PortForward reads no OpenAPI document (core/v1's is the largest).
func TestExecReadsNoOpenAPIDocument(t *testing.T) {
	f := newFakeAPI(t, "")
	c := withSubresource(t, f, "exec", func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, 400, "BadRequest", "no")
	})
	podObject("ns", "p").Exec(context.Background(), []string{"ls"}, kobj.WithClient(c))
	podObject("ns", "p").PortForward(context.Background(), []string{"80"}, kobj.WithClient(c))
	f.mu.Lock() // every request, documents included (requests() leaves them out)
	got := slices.Clone(f.log)
	f.mu.Unlock()
	if len(got) == 0 {
		t.Fatal("no request sent")
	}
	for _, r := range got {
		if strings.HasPrefix(r.Path, "/openapi") {
			t.Errorf("read %s", r.Path)
		}
	}
}
