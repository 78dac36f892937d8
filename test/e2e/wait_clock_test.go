package e2e

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
)

// Issue 17, item 4: a Pod that cannot be scheduled is InProgress for 15 s
// after its creation, then Failed, with no change of the object in
// between. Wait(Ready()) ends with ErrConditionFailed then, not at its
// deadline. There is no scheduler here: the test plays it by writing the
// PodScheduled condition through /status.
func TestWaitReadyEndsWhenAnUnschedulablePodRunsOutOfTime(t *testing.T) {
	c := newClient(t)
	ns := newNamespace(t, c)
	// The deadline is far beyond the 15 s window: a wait that ends only
	// at it fails the test with a deadline error.
	ctx := testContext(t, 2*time.Minute)
	pod := load(t, `
apiVersion: v1
kind: Pod
metadata: {name: stuck}
spec:
  containers: [{name: app, image: registry.k8s.io/pause:3.10}]
`).SetNamespace(ns).SetClient(c)
	if _, err := pod.Create(ctx); err != nil {
		t.Fatalf("Create: %v", err)
	}
	_, err := c.Call(ctx, "patchCoreV1NamespacedPodStatus", kobj.Args{"namespace": ns, "name": "stuck", "body": map[string]any{
		"status": map[string]any{
			"phase": "Pending",
			"conditions": []any{map[string]any{
				"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
				"message": "0/0 nodes are available", "lastTransitionTime": time.Now().UTC().Format(time.RFC3339),
			}},
		},
	}}, kobj.PatchAs(kobj.MergePatch))
	if err != nil {
		t.Fatalf("writing the Pod's status: %v", err)
	}
	if _, err := pod.Read(ctx); err != nil {
		t.Fatal(err)
	}
	r := pod.Readiness()
	if r.State == kobj.InProgress && r.Reason != "PodNotScheduled" || r.State != kobj.InProgress && r.State != kobj.Failed {
		t.Fatalf("Readiness of an unschedulable Pod = %v, want InProgress (PodNotScheduled) or, past its window, Failed", r)
	}
	t.Logf("readiness before the wait: %v, recheck at %s", r, r.RecheckAt.Format(time.RFC3339Nano))
	start := time.Now()
	_, err = pod.Wait(ctx, kobj.Ready())
	t.Logf("Wait(Ready()) ended after %s: %v", time.Since(start).Round(time.Millisecond), err)
	if !errors.Is(err, kobj.ErrConditionFailed) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait Ready on an unschedulable Pod: %v, want ErrConditionFailed before the deadline", err)
	}
	if !strings.Contains(err.Error(), "PodUnschedulable") {
		t.Errorf("Wait Ready: %v, want the error to say PodUnschedulable", err)
	}
	if r := pod.Readiness(); r.State != kobj.Failed {
		t.Errorf("Readiness after the wait = %v, want Failed", r)
	}
}
