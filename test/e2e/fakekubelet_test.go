package e2e

// Self-tests of the fake kubelet (test/internal/fakekubelet), with client-go
// alone: they show that the fake is sound independently of kobj, so that a
// failure of kobj's streaming tests points at kobj.
//
// Real: the kube-apiserver and etcd — authorization of pods/log, pods/exec
// and pods/portforward, the node address look-up, TLS proxying to the
// kubelet port, the connection upgrades, and on 1.30+ (exec) / 1.31+
// (port-forward) the WebSocket→SPDY translation — and client-go's
// executors and port forwarder. Played: the kubelet (logs are lines the
// test feeds, commands are a tiny interpreter, every port reaches an echo
// server). Not covered: real containers, real log rotation, the kubelet's
// idle timeouts.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj/test/internal/fakekubelet"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/client-go/transport/spdy"
	utilexec "k8s.io/client-go/util/exec"
	"k8s.io/utils/ptr"
)

// fakePod is a Pod bound to a fake kubelet of the test's own.
type fakePod struct {
	Kubelet   *fakekubelet.Kubelet
	Namespace string
	Name      string
}

// Ref names the pod's container c.
func (p fakePod) Ref(c string) fakekubelet.Ref {
	return fakekubelet.Ref{Namespace: p.Namespace, Pod: p.Name, Container: c}
}

// newFakePod starts a fake kubelet (its own Node), creates a namespace and
// a running Pod with the given containers ("main" when none) on that node.
// Everything is torn down at the end of the test.
func newFakePod(t *testing.T, containers ...string) fakePod {
	t.Helper()
	if len(containers) == 0 {
		containers = []string{"main"}
	}
	ctx := testContext(t, time.Minute)
	ns := newNamespace(t, newClient(t))
	k, err := fakekubelet.Start(ctx, cfg, uniqueName(t, "node"))
	if err != nil {
		t.Fatalf("starting the fake kubelet: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := k.Close(ctx); err != nil {
			t.Logf("closing the fake kubelet: %v", err)
		}
	})
	name := uniqueName(t, "pod")
	if _, err := k.CreatePod(ctx, ns, name, containers...); err != nil {
		t.Fatal(err)
	}
	return fakePod{Kubelet: k, Namespace: ns, Name: name}
}

func clientset(t *testing.T) kubernetes.Interface {
	t.Helper()
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestFakeKubeletLogsFollowReceivesLaterLines(t *testing.T) {
	p := newFakePod(t)
	ctx := testContext(t, time.Minute)
	if err := p.Kubelet.Log(p.Ref("main"), "before"); err != nil {
		t.Fatal(err)
	}
	body, err := clientset(t).CoreV1().Pods(p.Namespace).GetLogs(p.Name, &corev1.PodLogOptions{Follow: true}).Stream(ctx)
	if err != nil {
		t.Fatalf("GetLogs follow: %v", err)
	}
	defer body.Close()
	if err := p.Kubelet.WaitFollows(ctx, p.Ref("main"), 1); err != nil {
		t.Fatal(err)
	}
	if err := p.Kubelet.Log(p.Ref("main"), "after 1", "after 2"); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(body)
	for _, want := range []string{"before\n", "after 1\n", "after 2\n"} {
		got, err := r.ReadString('\n')
		if err != nil || got != want {
			t.Fatalf("read %q, %v; want %q", got, err, want)
		}
	}
	// The stream ends when the fake ends it, while the container runs.
	if n := p.Kubelet.EndFollowStreams(); n != 1 {
		t.Fatalf("EndFollowStreams ended %d streams, want 1", n)
	}
	if rest, err := io.ReadAll(r); err != nil || len(rest) != 0 {
		t.Fatalf("after the end of the stream: %q, %v; want EOF and nothing", rest, err)
	}
}

func TestFakeKubeletLogOptionsAsTheKubelet(t *testing.T) {
	p := newFakePod(t)
	ctx := testContext(t, time.Minute)
	base := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	lines := []fakekubelet.Line{
		{Time: base, Text: "one"},
		{Time: base.Add(500 * time.Millisecond), Text: "two"},
		{Time: base.Add(time.Second + 250*time.Millisecond), Text: "three"},
		{Time: base.Add(2 * time.Second), Text: "four"},
	}
	if err := p.Kubelet.Append(p.Ref("main"), lines...); err != nil {
		t.Fatal(err)
	}
	since := metav1.NewTime(base.Add(time.Second + 900*time.Millisecond))
	tests := []struct {
		name string
		opts corev1.PodLogOptions
		want string
	}{
		{"all", corev1.PodLogOptions{}, "one\ntwo\nthree\nfour\n"},
		{"tailLines", corev1.PodLogOptions{TailLines: ptr.To[int64](2)}, "three\nfour\n"},
		{"tailLines 0", corev1.PodLogOptions{TailLines: ptr.To[int64](0)}, ""},
		{"limitBytes cuts a line", corev1.PodLogOptions{LimitBytes: ptr.To[int64](6)}, "one\ntw"},
		// The apiserver forwards sinceTime in whole seconds: 03:00:01.9 becomes
		// 03:00:01, so "three" (03:00:01.25) is kept.
		{"sinceTime whole seconds", corev1.PodLogOptions{SinceTime: &since}, "three\nfour\n"},
		{"timestamps", corev1.PodLogOptions{Timestamps: true, TailLines: ptr.To[int64](1)}, "2026-12-01T03:00:02.000000000Z four\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := clientset(t).CoreV1().Pods(p.Namespace).GetLogs(p.Name, &tt.opts).DoRaw(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
	var sent []string
	for _, r := range p.Kubelet.Requests() {
		if strings.Contains(r, "sinceTime=") {
			sent = append(sent, r)
		}
	}
	if len(sent) != 1 || !strings.Contains(sent[0], "sinceTime=2026-12-01T03%3A00%3A01Z") {
		t.Fatalf("the apiserver forwarded %q, want one request with sinceTime 2026-12-01T03:00:01Z", sent)
	}
}

func TestFakeKubeletRestartKeepsThePreviousLog(t *testing.T) {
	p := newFakePod(t)
	ctx := testContext(t, time.Minute)
	cs := clientset(t)
	if err := p.Kubelet.Log(p.Ref("main"), "old"); err != nil {
		t.Fatal(err)
	}
	body, err := cs.CoreV1().Pods(p.Namespace).GetLogs(p.Name, &corev1.PodLogOptions{Follow: true}).Stream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	if err := p.Kubelet.WaitFollows(ctx, p.Ref("main"), 1); err != nil {
		t.Fatal(err)
	}
	if err := p.Kubelet.RestartContainer(ctx, p.Ref("main")); err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(body); err != nil || string(got) != "old\n" {
		t.Fatalf("follow across the restart read %q, %v; want \"old\\n\" then EOF", got, err)
	}
	if err := p.Kubelet.Log(p.Ref("main"), "new"); err != nil {
		t.Fatal(err)
	}
	pod, err := cs.CoreV1().Pods(p.Namespace).Get(ctx, p.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s := pod.Status.ContainerStatuses[0]; s.RestartCount != 1 || s.State.Running == nil || s.LastTerminationState.Terminated == nil {
		t.Fatalf("container status after the restart: %+v", s)
	}
	for previous, want := range map[bool]string{true: "old\n", false: "new\n"} {
		got, err := cs.CoreV1().Pods(p.Namespace).GetLogs(p.Name, &corev1.PodLogOptions{Previous: previous}).DoRaw(ctx)
		if err != nil || string(got) != want {
			t.Fatalf("previous=%v: %q, %v; want %q", previous, got, err, want)
		}
	}
}

func TestFakeKubeletStopEndsFollow(t *testing.T) {
	p := newFakePod(t)
	ctx := testContext(t, time.Minute)
	cs := clientset(t)
	if err := p.Kubelet.Log(p.Ref("main"), "done"); err != nil {
		t.Fatal(err)
	}
	follow := func() io.ReadCloser {
		body, err := cs.CoreV1().Pods(p.Namespace).GetLogs(p.Name, &corev1.PodLogOptions{Follow: true}).Stream(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return body
	}
	body := follow()
	defer body.Close()
	if err := p.Kubelet.WaitFollows(ctx, p.Ref("main"), 1); err != nil {
		t.Fatal(err)
	}
	if err := p.Kubelet.StopContainer(ctx, p.Ref("main")); err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(body); err != nil || string(got) != "done\n" {
		t.Fatalf("follow across the stop: %q, %v; want \"done\\n\" then EOF", got, err)
	}
	// A follow of a container that is not running is its log, then EOF.
	again := follow()
	defer again.Close()
	if got, err := io.ReadAll(again); err != nil || string(got) != "done\n" {
		t.Fatalf("follow after the stop: %q, %v; want \"done\\n\" then EOF", got, err)
	}
	pod, err := cs.CoreV1().Pods(p.Namespace).Get(ctx, p.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pod.Status.Phase != corev1.PodSucceeded || pod.Status.ContainerStatuses[0].State.Terminated == nil {
		t.Fatalf("pod after the stop: phase %s, container %+v", pod.Status.Phase, pod.Status.ContainerStatuses[0].State)
	}
}

// execURL is the pods/exec URL of p's container main for command.
func execURL(t *testing.T, p fakePod, opts corev1.PodExecOptions) *url.URL {
	opts.Container = "main"
	return clientset(t).CoreV1().RESTClient().Post().Resource("pods").Namespace(p.Namespace).Name(p.Name).
		SubResource("exec").VersionedParams(&opts, scheme.ParameterCodec).URL()
}

func spdyExecutor(t *testing.T, u *url.URL) remotecommand.Executor {
	t.Helper()
	e, err := remotecommand.NewSPDYExecutor(cfg, "POST", u)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func webSocketExecutor(t *testing.T, u *url.URL) remotecommand.Executor {
	t.Helper()
	requireServerVersion(t, "1.30", "the apiserver translates WebSocket exec to the kubelet's SPDY from 1.30 (TranslateStreamCloseWebsocketRequests)")
	e, err := remotecommand.NewWebSocketExecutor(cfg, "GET", u.String())
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestFakeKubeletExec(t *testing.T) {
	p := newFakePod(t)
	type executorFor func(*testing.T, *url.URL) remotecommand.Executor
	for proto, newExecutor := range map[string]executorFor{"SPDY": spdyExecutor, "WebSocket": webSocketExecutor} {
		tests := []struct {
			name             string
			command          []string
			stdin            string
			tty              bool
			wantOut, wantErr string
			wantCode         int
		}{
			{name: "cat returns stdin once stdin ends", command: []string{"cat"}, stdin: "hello\nworld\n", wantOut: "hello\nworld\n"},
			{name: "exit code", command: []string{"echo", "out", ";", "exit", "3"}, wantOut: "out\n", wantCode: 3},
			{name: "stderr apart", command: []string{"echo", "out", ";", "stderr", "err"}, wantOut: "out\n", wantErr: "err\n"},
			{name: "tty merges stderr", command: []string{"echo", "out", ";", "stderr", "err"}, tty: true, wantOut: "out\r\nerr\r\n"},
		}
		for _, tt := range tests {
			t.Run(proto+"/"+tt.name, func(t *testing.T) {
				ctx := testContext(t, time.Minute)
				opts := corev1.PodExecOptions{Command: tt.command, Stdout: true, Stderr: !tt.tty, TTY: tt.tty, Stdin: tt.stdin != ""}
				e := newExecutor(t, execURL(t, p, opts))
				var out, errOut bytes.Buffer
				so := remotecommand.StreamOptions{Stdout: &out, Tty: tt.tty}
				if !tt.tty {
					so.Stderr = &errOut
				}
				if tt.stdin != "" {
					so.Stdin = strings.NewReader(tt.stdin)
				}
				err := e.StreamWithContext(ctx, so)
				code := 0
				var exitErr utilexec.CodeExitError
				if errors.As(err, &exitErr) {
					code = exitErr.Code
				} else if err != nil {
					t.Fatalf("StreamWithContext: %v", err)
				}
				if code != tt.wantCode || out.String() != tt.wantOut || errOut.String() != tt.wantErr {
					t.Fatalf("exit %d, stdout %q, stderr %q; want %d, %q, %q", code, out.String(), errOut.String(), tt.wantCode, tt.wantOut, tt.wantErr)
				}
			})
		}
	}
}

// forward starts a client-go port forwarder to p's port 80 on a free local
// port over dialer and returns the local port and the channel ForwardPorts'
// result arrives on.
func forward(t *testing.T, ctx context.Context, dialer httpstream.Dialer) (uint16, <-chan error) {
	t.Helper()
	ready := make(chan struct{})
	fw, err := portforward.NewOnAddressesWithContext(ctx, dialer, []string{"127.0.0.1"}, []string{":80"}, ready, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- fw.ForwardPorts() }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("ForwardPorts before ready: %v", err)
	}
	ports, err := fw.GetPorts()
	if err != nil {
		t.Fatal(err)
	}
	return ports[0].Local, done
}

func portForwardURL(t *testing.T, p fakePod) *url.URL {
	return clientset(t).CoreV1().RESTClient().Post().Resource("pods").Namespace(p.Namespace).Name(p.Name).SubResource("portforward").URL()
}

func spdyDialer(t *testing.T, u *url.URL) httpstream.Dialer {
	t.Helper()
	rt, upgrader, err := spdy.RoundTripperFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return spdy.NewDialer(upgrader, &http.Client{Transport: rt}, "POST", u)
}

func webSocketDialer(t *testing.T, u *url.URL) httpstream.Dialer {
	t.Helper()
	requireServerVersion(t, "1.31", "the apiserver tunnels WebSocket port-forward from 1.31 (PortForwardWebsockets)")
	d, err := portforward.NewSPDYOverWebsocketDialer(u, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestFakeKubeletPortForward(t *testing.T) {
	p := newFakePod(t)
	type dialerFor func(*testing.T, *url.URL) httpstream.Dialer
	for proto, newDialer := range map[string]dialerFor{"SPDY": spdyDialer, "WebSocket": webSocketDialer} {
		t.Run(proto, func(t *testing.T) {
			ctx := testContext(t, time.Minute)
			local, done := forward(t, ctx, newDialer(t, portForwardURL(t, p)))
			for i := range 2 {
				conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", local))
				if err != nil {
					t.Fatal(err)
				}
				msg := fmt.Sprintf("ping %d\n", i)
				if _, err := io.WriteString(conn, msg); err != nil {
					t.Fatal(err)
				}
				got, err := bufio.NewReader(conn).ReadString('\n')
				conn.Close()
				if err != nil || got != msg {
					t.Fatalf("echo: %q, %v; want %q", got, err, msg)
				}
			}
			if n := p.Kubelet.CloseTunnels(); n != 1 {
				t.Fatalf("CloseTunnels closed %d tunnels, want 1", n)
			}
			if err := <-done; err == nil {
				t.Fatal("ForwardPorts returned nil after the kubelet closed the tunnel, want an error")
			}
		})
	}
}
