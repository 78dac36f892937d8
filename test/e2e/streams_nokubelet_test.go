package e2e

// Streams (logs, exec, port-forward) against a real kube-apiserver with no
// kubelet: what the server answers on its own, before it would proxy to a
// node. A Pod not scheduled on a node has no log yet (the server answers
// 204 No Content, which kobj reads as an empty stream), and cannot be
// exec'd into or port-forwarded to (400 "does not have a host assigned");
// a container the Pod does not have is a 400 for all three. These check
// URL building, the WebSocket then SPDY fallback, and how the server's
// refusals come back, honestly. Real container processes, log rotation,
// kubelet idle time-outs and node networking need a kubelet and a runtime,
// which envtest lacks: the fake kubelet tests go further.

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

const unscheduledPodYAML = `
apiVersion: v1
kind: Pod
metadata:
  name: $NAME
spec:
  automountServiceAccountToken: false
  containers:
  - name: app
    image: busybox
`

func TestStreamsOfAnUnscheduledPod(t *testing.T) {
	ctx := testContext(t, time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	name := uniqueName(t, "nohost")
	pod := load(t, strings.ReplaceAll(unscheduledPodYAML, "$NAME", name)).SetNamespace(ns).SetClient(c)
	if _, err := pod.Create(ctx); err != nil {
		t.Fatal(err)
	}

	t.Run("logs are an empty stream", func(t *testing.T) {
		for _, opts := range [][]kobj.LogOption{nil, {kobj.Follow()}, {kobj.Container("app"), kobj.Timestamps(), kobj.TailLines(10)}} {
			rc, err := pod.Logs(ctx, opts...)
			if err != nil {
				t.Fatalf("Logs%v: %v", opts, err)
			}
			body, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || len(body) != 0 {
				t.Errorf("Logs%v = %q, %v; want an empty stream", opts, body, err)
			}
		}
		n := 0
		for line, err := range pod.LogLines(ctx, kobj.Follow()) {
			n++
			t.Errorf("LogLines yielded %q, %v", line, err)
		}
		if n != 0 {
			t.Errorf("LogLines yielded %d items", n)
		}
	})

	t.Run("CallStream answers 204", func(t *testing.T) {
		resp, err := c.CallStream(ctx, "readCoreV1NamespacedPodLog", kobj.Args{"namespace": ns, "name": name, "follow": true})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.Code != 204 {
			t.Errorf("code = %d, want 204", resp.Code)
		}
	})

	noHost := func(t *testing.T, err error) {
		t.Helper()
		var status *apierrors.StatusError
		if !errors.As(err, &status) || !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "does not have a host assigned") {
			t.Errorf("error = %v, want the server's 400 'does not have a host assigned' as a StatusError", err)
		}
	}
	t.Run("exec is refused: no host", func(t *testing.T) {
		res, err := pod.Exec(ctx, []string{"ls", "-l"}, kobj.Stdin(strings.NewReader("x")))
		if res != nil {
			t.Errorf("result = %+v", res)
		}
		noHost(t, err)
	})
	t.Run("port-forward is refused: no host", func(t *testing.T) {
		pf, err := pod.PortForward(ctx, []string{":80"})
		if pf != nil {
			pf.Close()
		}
		noHost(t, err)
	})

	unknown := func(t *testing.T, err error) {
		t.Helper()
		if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "container nope is not valid") {
			t.Errorf("error = %v, want the server's 400 'container nope is not valid'", err)
		}
	}
	t.Run("an unknown container is refused", func(t *testing.T) {
		_, err := pod.Logs(ctx, kobj.Container("nope"))
		unknown(t, err)
		_, err = pod.Exec(ctx, []string{"ls"}, kobj.Container("nope"))
		unknown(t, err)
	})

	t.Run("a missing Pod is NotFound", func(t *testing.T) {
		gone := kobj.New("v1", "Pod").SetNamespace(ns).SetName("gone").SetClient(c)
		if _, err := gone.Logs(ctx); !apierrors.IsNotFound(err) {
			t.Errorf("Logs = %v, want NotFound", err)
		}
		if _, err := gone.Exec(ctx, []string{"ls"}); !apierrors.IsNotFound(err) {
			t.Errorf("Exec = %v, want NotFound", err)
		}
	})
}
