package e2e

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/kobj-dev/kobj"
)

// The control plane of these tests runs kube-apiserver and etcd only: no
// kube-controller-manager, scheduler or kubelet. Where a controller would
// write an object's status (a Deployment's replicas, a Job's conditions),
// the test plays the controller by writing /status itself, and says so.
// A CRD's Established condition is real: the apiserver sets it.

// waitAsync runs o.Wait in a goroutine; its result arrives on the channel.
func waitAsync(ctx context.Context, o *kobj.Object, conds ...kobj.Condition) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := o.Wait(ctx, conds...)
		done <- err
	}()
	return done
}

// expectUnmet waits with a short deadline for conds, which cannot hold in
// the object's current state, and checks that the wait ends at its
// deadline with an error naming what was last seen.
func expectUnmet(t *testing.T, o *kobj.Object, seen string, conds ...kobj.Condition) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	_, err := o.Wait(ctx, conds...)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait: %v, want a deadline error", err)
	}
	if !strings.Contains(err.Error(), seen) {
		t.Errorf("Wait: %v\nwant the error to name %q", err, seen)
	}
}

func TestWaitCRDEstablished(t *testing.T) {
	c := newClient(t)
	group := "wait" + suffix() + ".example.com"
	ctx := testContext(t, time.Minute)
	crd := load(t, crdYAML(group, "Namespaced")).SetClient(c)
	if _, err := crd.Create(ctx); err != nil {
		t.Fatalf("Create CRD: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = kobj.New("apiextensions.k8s.io/v1", "CustomResourceDefinition").Delete(ctx, kobj.Named("widgets."+group), kobj.WithClient(c))
	})
	// Real: the apiserver's own controllers establish the CRD.
	got, err := crd.Wait(ctx, kobj.ConditionTrue("Established"))
	if err != nil {
		t.Fatalf("Wait Established: %v", err)
	}
	if got != crd {
		t.Error("Wait returned another object than the one it was called on")
	}
	if r := crd.Readiness(); r.State != kobj.Current {
		t.Errorf("after Wait, Readiness = %v, want Current: o was not refreshed", r)
	}
	if _, err := crd.Wait(ctx, kobj.Ready()); err != nil {
		t.Errorf("Wait Ready on an established CRD: %v", err)
	}
}

func TestWaitGoneHeldByFinalizer(t *testing.T) {
	c := newClient(t)
	ns := newNamespace(t, c)
	ctx := testContext(t, time.Minute)
	cm := load(t, `
apiVersion: v1
kind: ConfigMap
metadata:
  name: held
  finalizers: [kobj.dev/test-hold]
data: {k: v}
`).SetNamespace(ns).SetClient(c)
	if _, err := cm.Create(ctx); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if _, err := cm.Delete(ctx); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := cm.Read(ctx); err != nil {
		t.Fatalf("Read: %v", err)
	}
	if r := cm.Readiness(); r.State != kobj.Terminating {
		t.Fatalf("Readiness of a ConfigMap held by a finalizer = %v, want Terminating", r)
	}
	// The finalizer holds it: Gone cannot hold, whatever the deadline.
	expectUnmet(t, cm, "held by finalizers kobj.dev/test-hold", kobj.Gone())

	done := waitAsync(ctx, cm.DeepCopy(), kobj.Gone())
	if _, err := cm.Edit(ctx, func(o *kobj.Object) error {
		o.Remove("metadata.finalizers")
		return nil
	}); err != nil {
		t.Fatalf("removing the finalizer: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Wait Gone after the finalizer went: %v", err)
	}
	if _, err := cm.Read(ctx); !apierrors.IsNotFound(err) {
		t.Errorf("Read after Wait Gone: %v, want NotFound", err)
	}
	// Not found at the start: Gone holds at once.
	if _, err := cm.Wait(ctx, kobj.Gone()); err != nil {
		t.Errorf("Wait Gone on a missing object: %v", err)
	}
}

func TestWaitGoneCountsARecreatedObject(t *testing.T) {
	c := newClient(t)
	ns := newNamespace(t, c)
	ctx := testContext(t, time.Minute)
	first := kobj.New("v1", "ConfigMap").SetName("again").SetNamespace(ns).SetClient(c)
	if _, err := first.Create(ctx); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if _, err := first.DeepCopy().Delete(ctx); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	second := kobj.New("v1", "ConfigMap").SetName("again").SetNamespace(ns).SetClient(c)
	if _, err := second.Create(ctx); err != nil {
		t.Fatalf("Create again: %v", err)
	}
	if first.UID() == second.UID() {
		t.Fatalf("the recreated object has the same UID %s", first.UID())
	}
	// first still carries the old UID: an object under its name with
	// another UID is another object, so the one first names is gone.
	if _, err := first.Wait(ctx, kobj.Gone()); err != nil {
		t.Fatalf("Wait Gone with a recreated object: %v", err)
	}
	if first.UID() != second.UID() {
		t.Errorf("after Wait, o holds uid %s, want the last observed %s", first.UID(), second.UID())
	}
}

func TestWaitMissingObject(t *testing.T) {
	c := newClient(t)
	ns := newNamespace(t, c)
	ctx := testContext(t, time.Minute)
	o := kobj.New("v1", "ConfigMap").SetName("later").SetNamespace(ns).SetClient(c)
	_, err := o.Wait(ctx, kobj.ConditionTrue("Ready"))
	if !apierrors.IsNotFound(err) || !strings.Contains(err.Error(), "Exists()") {
		t.Fatalf("Wait ConditionTrue on a missing object: %v, want NotFound with a hint about Exists()", err)
	}
	done := waitAsync(ctx, o.DeepCopy(), kobj.Exists(), kobj.PathEquals("data.k", "v"))
	made := kobj.New("v1", "ConfigMap").SetName("later").SetNamespace(ns).SetClient(c)
	if err := made.Set("data.k", "v"); err != nil {
		t.Fatal(err)
	}
	if _, err := made.Create(ctx); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Wait Exists: %v", err)
	}
}

const deploymentYAML = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: registry.k8s.io/pause:3.10}]
`

func TestWaitDeploymentReadyWhenStatusCatchesUp(t *testing.T) {
	c := newClient(t)
	ns := newNamespace(t, c)
	ctx := testContext(t, time.Minute)
	d := load(t, deploymentYAML).SetNamespace(ns).SetClient(c)
	if _, err := d.Create(ctx); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if r := d.Readiness(); r.State != kobj.InProgress || r.Reason != "LessReplicas" {
		t.Fatalf("Readiness of a new Deployment = %v, want InProgress (LessReplicas)", r)
	}
	expectUnmet(t, d, "readiness InProgress (LessReplicas)", kobj.Ready())

	// The test plays the deployment controller: it writes the status a
	// controller would once its one replica is up.
	done := waitAsync(ctx, d.DeepCopy(), kobj.Ready())
	writeDeploymentStatus(t, ctx, c, ns, d.Generation())
	if err := <-done; err != nil {
		t.Fatalf("Wait Ready: %v", err)
	}
	if _, err := d.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if r := d.Readiness(); r.State != kobj.Current {
		t.Fatalf("Readiness after the status caught up = %v, want Current", r)
	}

	// A new spec is a new generation, which the status has not observed.
	if _, err := d.Edit(ctx, func(o *kobj.Object) error {
		return o.Set("spec.template.metadata.annotations.rev", "2")
	}); err != nil {
		t.Fatalf("Edit: %v", err)
	}
	if r := d.Readiness(); r.State != kobj.InProgress || r.Reason != "LatestGenerationNotObserved" {
		t.Fatalf("Readiness after a spec change = %v, want InProgress (LatestGenerationNotObserved)", r)
	}
	done = waitAsync(ctx, d.DeepCopy(), kobj.Ready())
	writeDeploymentStatus(t, ctx, c, ns, d.Generation())
	if err := <-done; err != nil {
		t.Fatalf("Wait Ready for generation %d: %v", d.Generation(), err)
	}
}

// writeDeploymentStatus writes, as the deployment controller would, the
// status of a Deployment "web" whose one replica is up at generation gen.
func writeDeploymentStatus(t *testing.T, ctx context.Context, c *kobj.Client, ns string, gen int64) {
	t.Helper()
	_, err := c.Call(ctx, "patchAppsV1NamespacedDeploymentStatus", kobj.Args{"namespace": ns, "name": "web", "body": map[string]any{
		"status": map[string]any{
			"observedGeneration": gen, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1, "availableReplicas": 1,
			"conditions": []any{
				map[string]any{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
				map[string]any{"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
			},
		},
	}}, kobj.PatchAs(kobj.MergePatch))
	if err != nil {
		t.Fatalf("writing the Deployment's status: %v", err)
	}
}

func TestWaitFailedJobEndsReadyAtOnce(t *testing.T) {
	c := newClient(t)
	ns := newNamespace(t, c)
	ctx := testContext(t, time.Minute)
	job := load(t, `
apiVersion: batch/v1
kind: Job
metadata: {name: task}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{name: app, image: registry.k8s.io/pause:3.10}]
`).SetNamespace(ns).SetClient(c)
	if _, err := job.Create(ctx); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if r := job.Readiness(); r.State != kobj.InProgress || r.Reason != "JobNotStarted" {
		t.Fatalf("Readiness of a new Job = %v, want InProgress (JobNotStarted)", r)
	}
	// The test plays the job controller: the Job's one pod failed.
	now := time.Now().UTC().Format(time.RFC3339)
	_, err := c.Call(ctx, "patchBatchV1NamespacedJobStatus", kobj.Args{"namespace": ns, "name": "task", "body": map[string]any{
		"status": map[string]any{
			"startTime": now, "failed": 1,
			"conditions": []any{
				map[string]any{"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded", "lastTransitionTime": now},
				map[string]any{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "lastTransitionTime": now},
			},
		},
	}}, kobj.PatchAs(kobj.MergePatch))
	if err != nil {
		t.Fatalf("writing the Job's status: %v", err)
	}
	// The context has a minute left: a failure that waited for it would
	// make the test time out rather than pass.
	_, err = job.Wait(ctx, kobj.Ready())
	if !errors.Is(err, kobj.ErrConditionFailed) || ctx.Err() != nil {
		t.Fatalf("Wait Ready on a failed Job: %v, want ErrConditionFailed before the deadline", err)
	}
	if !strings.Contains(err.Error(), "JobFailed") {
		t.Errorf("Wait Ready: %v, want the error to say JobFailed", err)
	}
	if _, err := job.Wait(ctx, kobj.AnyOf(kobj.ConditionTrue("Complete"), kobj.ConditionTrue("Failed"))); err != nil {
		t.Errorf("Wait AnyOf(Complete, Failed) on a failed Job: %v", err)
	}
	_, err = job.Wait(ctx, kobj.ConditionTrue("Complete"), kobj.FailWhen(kobj.ConditionTrue("Failed")))
	if !errors.Is(err, kobj.ErrConditionFailed) {
		t.Errorf("Wait Complete with FailWhen(Failed): %v, want ErrConditionFailed", err)
	}
}

func TestWaitReadyFailsOnACRDWhoseNamesClash(t *testing.T) {
	c := newClient(t)
	group := "clash" + suffix() + ".example.com"
	ctx := testContext(t, time.Minute)
	first := load(t, crdYAML(group, "Namespaced")).SetClient(c)
	if _, err := first.Create(ctx); err != nil {
		t.Fatalf("Create CRD: %v", err)
	}
	// Same group, same kind Widget, another plural: the apiserver's naming
	// controller (real, not played) refuses the second one's names.
	second := load(t, strings.ReplaceAll(crdYAML(group, "Namespaced"), "widgets", "gadgets")).SetClient(c)
	if err := second.Set("spec.names.singular", "gadget"); err != nil {
		t.Fatal(err)
	}
	if _, err := second.Create(ctx); err != nil {
		t.Fatalf("Create the clashing CRD: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, name := range []string{"widgets." + group, "gadgets." + group} {
			_, _ = kobj.New("apiextensions.k8s.io/v1", "CustomResourceDefinition").Delete(ctx, kobj.Named(name), kobj.WithClient(c))
		}
	})
	if _, err := first.Wait(ctx, kobj.Ready()); err != nil {
		t.Fatalf("Wait Ready on the first CRD: %v", err)
	}
	_, err := second.Wait(ctx, kobj.Ready())
	if !errors.Is(err, kobj.ErrConditionFailed) || ctx.Err() != nil {
		t.Fatalf("Wait Ready on the clashing CRD: %v, want ErrConditionFailed before the deadline", err)
	}
	if r := second.Readiness(); r.State != kobj.Failed {
		t.Errorf("Readiness of the clashing CRD = %v, want Failed", r)
	}
}

// TestWaitFollowsOneWatchNotPolling counts the requests of a wait that
// sees ten changes of the object: one watch of the object (with the
// initial list or watch-list that starts it), however many changes, and
// no GET of the object.
func TestWaitFollowsOneWatchNotPolling(t *testing.T) {
	ctx := testContext(t, time.Minute)
	admin := newClient(t)
	ns := newNamespace(t, admin)
	c, log := newCountingClient(t)
	cm := newConfigMap("counted", ns, map[string]any{"n": "0"}).SetClient(admin)
	if _, err := cm.Create(ctx); err != nil {
		t.Fatal(err)
	}
	// Warm the counting client's discovery, then count the wait alone.
	if _, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "counted"); err != nil {
		t.Fatal(err)
	}
	log.Reset()
	waited := kobj.New("v1", "ConfigMap").SetName("counted").SetNamespace(ns).SetClient(c)
	done := waitAsync(ctx, waited, kobj.PathEquals("data.n", "10"))
	for i := 1; i <= 10; i++ {
		if _, err := cm.Edit(ctx, func(o *kobj.Object) error { return o.Set("data.n", strconv.Itoa(i)) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("Wait: %v", err)
	}
	reqs := log.Requests()
	t.Logf("a wait through 10 changes sent %d requests: %v", len(reqs), reqs)
	for _, r := range reqs {
		if strings.HasPrefix(r, "GET /api/v1/namespaces/"+ns+"/configmaps/counted") {
			t.Errorf("the wait read the object by name (polling): %s", r)
		}
	}
	if len(reqs) > 3 {
		t.Errorf("a wait through 10 changes sent %d requests, want at most 3 (list or watch-list, then one watch): %v", len(reqs), reqs)
	}
	if v, _ := waited.GetString("data.n"); v != "10" {
		t.Errorf("after the wait the object has data.n %q, want 10", v)
	}
}

// TestWaitObservedGenerationJSONPathAndFunc: a condition written for an
// older generation does not count (kubectl's rule) unless the caller opts
// out; JSONPath follows kubectl's rules; Func sees the observed object.
// The test plays the deployment controller by writing /status.
func TestWaitObservedGenerationJSONPathAndFunc(t *testing.T) {
	c := newClient(t)
	ns := newNamespace(t, c)
	ctx := testContext(t, time.Minute)
	d := load(t, deploymentYAML).SetNamespace(ns).SetClient(c)
	if _, err := d.Create(ctx); err != nil {
		t.Fatalf("Create: %v", err)
	}
	writeDeploymentStatus(t, ctx, c, ns, d.Generation())
	if _, err := d.Edit(ctx, func(o *kobj.Object) error {
		return o.Set("spec.template.metadata.annotations.rev", "2")
	}, kobj.RetryOnConflict()); err != nil { // the status write made d stale
		t.Fatalf("Edit: %v", err)
	}
	// Available=True was written for the previous generation.
	expectUnmet(t, d, "Available", kobj.ConditionTrue("Available"))
	if _, err := d.Wait(ctx, kobj.IgnoreObservedGeneration(kobj.ConditionTrue("Available"))); err != nil {
		t.Fatalf("Wait with IgnoreObservedGeneration: %v", err)
	}
	if _, err := d.Wait(ctx, kobj.JSONPath("{.status.conditions[?(@.type==\"Available\")].reason}", "MinimumReplicasAvailable")); err != nil {
		t.Fatalf("Wait JSONPath: %v", err)
	}
	expectUnmet(t, d, "replicas", kobj.JSONPath("{.spec.replicas}", "7"))
	seen := 0
	_, err := d.Wait(ctx, kobj.Func(func(o *kobj.Object) (bool, error) {
		seen++
		n, err := o.GetInt64("status.readyReplicas")
		return err == nil && n == 1, nil
	}))
	if err != nil || seen == 0 {
		t.Fatalf("Wait Func: %v after %d evaluations", err, seen)
	}
}
