package bench

// Log throughput of one follow stream, through the real kube-apiserver to
// the fake kubelet (test/internal/fakekubelet): real are the apiserver's
// pods/log proxying and both clients; played is the kubelet, which writes
// the lines a test fed, flushing after each line as the kubelet does.

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/test/internal/fakekubelet"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
)

// logBench is a pod on a fake kubelet whose log holds lines lines of
// lineLen bytes each (newline included).
type logBench struct {
	kubelet   *fakekubelet.Kubelet
	namespace string
	podName   string
	lines     int
	bytes     int64
}

const (
	benchLogLines   = 80_000
	benchLogLineLen = 100
)

// newLogBench starts a fake kubelet, a pod on it, and fills the pod's log.
func newLogBench(b *testing.B, ns string) *logBench {
	b.Helper()
	ctx := context.Background()
	k, err := fakekubelet.Start(ctx, cfg, fmt.Sprintf("bench-node-%d", time.Now().UnixNano()))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = k.Close(context.Background()) })
	if _, err := k.CreatePod(ctx, ns, "logs", "main"); err != nil {
		b.Fatal(err)
	}
	text := strings.Repeat("x", benchLogLineLen-1)
	lines := make([]string, benchLogLines)
	for i := range lines {
		lines[i] = text
	}
	if err := k.Log(fakekubelet.Ref{Namespace: ns, Pod: "logs", Container: "main"}, lines...); err != nil {
		b.Fatal(err)
	}
	return &logBench{kubelet: k, namespace: ns, podName: "logs", lines: benchLogLines, bytes: benchLogLines * benchLogLineLen}
}

// clientGoFollow reads lb's log with client-go's GetLogs(follow).Stream
// until every byte arrived, and closes the stream.
func (lb *logBench) clientGoFollow(ctx context.Context, cs kubernetes.Interface) error {
	body, err := cs.CoreV1().Pods(lb.namespace).GetLogs(lb.podName, &corev1.PodLogOptions{Follow: true}).Stream(ctx)
	if err != nil {
		return err
	}
	defer body.Close()
	if _, err := io.CopyN(io.Discard, body, lb.bytes); err != nil {
		return fmt.Errorf("client-go follow: %w", err)
	}
	return nil
}

// BenchmarkLogFollowThroughput reads one follow stream of an 8 MB log
// (80,000 lines of 100 bytes) from the fake kubelet through the apiserver,
// with client-go's GetLogs(...).Stream, kobj's Logs and kobj's LogLines,
// each a sub-benchmark reporting MB/s (b.SetBytes), in the same run; the
// ratios kobj ÷ client-go go to the table.
func BenchmarkLogFollowThroughput(b *testing.B) {
	c, _ := newClients(b)
	lb := newLogBench(b, namespace(b, c))
	raw := *cfg
	raw.QPS, raw.Burst = -1, 0
	cs, err := kubernetes.NewForConfig(&raw)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	rates := map[string]float64{}
	run := func(name string, read func() error) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(lb.bytes)
			start := time.Now()
			for b.Loop() {
				if err := read(); err != nil {
					b.Fatal(err)
				}
			}
			rates[name] = float64(lb.bytes) * float64(b.N) / time.Since(start).Seconds() / 1e6
		})
	}
	run("client-go", func() error { return lb.clientGoFollow(ctx, cs) })
	run("kobj-Logs", func() error { return lb.kobjFollow(ctx, c) })
	run("kobj-LogLines", func() error { return lb.kobjFollowLines(ctx, c) })
	peer := rates["client-go"]
	for _, side := range []string{"kobj-Logs", "kobj-LogLines"} {
		record(row{
			what:   fmt.Sprintf("log follow stream of 8 MB (80,000 lines), MB/s, %s", strings.TrimPrefix(side, "kobj-")),
			kobj:   fmt.Sprintf("%.2f", rates[side]),
			peer:   fmt.Sprintf("%.2f (client-go GetLogs().Stream)", peer),
			ratio:  fmt.Sprintf("%.2f", rates[side]/peer),
			target: "≥ 0.9",
		})
	}
}

// kobjFollow reads lb's log with kobj's Logs(Follow) until every byte
// arrived, and closes the stream.
func (lb *logBench) kobjFollow(ctx context.Context, c *kobj.Client) error {
	rc, err := lb.pod().Logs(ctx, kobj.WithClient(c), kobj.Follow())
	if err != nil {
		return err
	}
	defer rc.Close()
	if _, err := io.CopyN(io.Discard, rc, lb.bytes); err != nil {
		return fmt.Errorf("kobj Logs follow: %w", err)
	}
	return nil
}

// kobjFollowLines reads lb's log with kobj's LogLines(Follow) until every
// line arrived, and leaves the loop (which closes the stream).
func (lb *logBench) kobjFollowLines(ctx context.Context, c *kobj.Client) error {
	n := 0
	for line, err := range lb.pod().LogLines(ctx, kobj.WithClient(c), kobj.Follow()) {
		if err != nil {
			return fmt.Errorf("kobj LogLines follow: %w", err)
		}
		if len(line) != benchLogLineLen-1 {
			return fmt.Errorf("kobj LogLines follow: line %d has %d bytes, want %d", n, len(line), benchLogLineLen-1)
		}
		if n++; n == lb.lines {
			return nil
		}
	}
	return fmt.Errorf("kobj LogLines follow: the stream ended after %d of %d lines", n, lb.lines)
}

func (lb *logBench) pod() *kobj.Object {
	return kobj.New("v1", "Pod").SetName(lb.podName).SetNamespace(lb.namespace)
}
