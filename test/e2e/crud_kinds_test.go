package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// kindCase is one kind's round trip: the object to create (with $NAME and
// $NS to fill in), and the changes an update makes, as path → new value.
type kindCase struct {
	kind       string
	apiVersion string
	namespaced bool
	yaml       string
	changes    map[string]any
	// finalized kinds get finalizers on create (from admission), so a
	// delete leaves them pending until the finalizers are cleared.
	finalized bool
}

const podTemplate = `
    metadata:
      labels: {app: $NAME}
    spec:
      automountServiceAccountToken: false
      containers:
      - name: c
        image: busybox:1.36`

var kindCases = []kindCase{
	{kind: "Namespace", apiVersion: "v1", yaml: `
apiVersion: v1
kind: Namespace
metadata:
  name: $NAME
  annotations: {note: first}`,
		changes: map[string]any{"metadata.annotations.note": "second"}},
	{kind: "Pod", apiVersion: "v1", namespaced: true, yaml: `
apiVersion: v1
kind: Pod
metadata:
  name: $NAME
  namespace: $NS
spec:
  automountServiceAccountToken: false
  containers:
  - name: c
    image: busybox:1.36
    command: [sleep, "3600"]`,
		changes: map[string]any{"spec.containers[0].image": "busybox:1.37"}},
	{kind: "Service", apiVersion: "v1", namespaced: true, yaml: `
apiVersion: v1
kind: Service
metadata:
  name: $NAME
  namespace: $NS
spec:
  selector: {app: one}
  ports:
  - port: 80
    targetPort: 8080`,
		changes: map[string]any{"spec.selector.app": "two"}},
	{kind: "ConfigMap", apiVersion: "v1", namespaced: true, yaml: `
apiVersion: v1
kind: ConfigMap
metadata:
  name: $NAME
  namespace: $NS
data: {a: "1"}`,
		changes: map[string]any{"data.a": "2", "data.b": "3"}},
	{kind: "Secret", apiVersion: "v1", namespaced: true, yaml: `
apiVersion: v1
kind: Secret
metadata:
  name: $NAME
  namespace: $NS
type: Opaque
stringData: {user: admin}`,
		changes: map[string]any{"data.password": "aHVudGVyMg=="}},
	{kind: "ServiceAccount", apiVersion: "v1", namespaced: true, yaml: `
apiVersion: v1
kind: ServiceAccount
metadata:
  name: $NAME
  namespace: $NS`,
		changes: map[string]any{"automountServiceAccountToken": false}},
	{kind: "Deployment", apiVersion: "apps/v1", namespaced: true, yaml: `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $NAME
  namespace: $NS
spec:
  replicas: 1
  selector:
    matchLabels: {app: $NAME}
  template:` + podTemplate,
		changes: map[string]any{"spec.replicas": 3}},
	{kind: "ReplicaSet", apiVersion: "apps/v1", namespaced: true, yaml: `
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: $NAME
  namespace: $NS
spec:
  replicas: 1
  selector:
    matchLabels: {app: $NAME}
  template:` + podTemplate,
		changes: map[string]any{"spec.replicas": 2}},
	{kind: "DaemonSet", apiVersion: "apps/v1", namespaced: true, yaml: `
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: $NAME
  namespace: $NS
spec:
  selector:
    matchLabels: {app: $NAME}
  template:` + podTemplate,
		changes: map[string]any{"spec.minReadySeconds": 7}},
	{kind: "StatefulSet", apiVersion: "apps/v1", namespaced: true, yaml: `
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: $NAME
  namespace: $NS
spec:
  serviceName: $NAME
  replicas: 1
  selector:
    matchLabels: {app: $NAME}
  template:` + podTemplate,
		changes: map[string]any{"spec.replicas": 4}},
	{kind: "Job", apiVersion: "batch/v1", namespaced: true, yaml: `
apiVersion: batch/v1
kind: Job
metadata:
  name: $NAME
  namespace: $NS
spec:
  parallelism: 1
  template:
    spec:
      automountServiceAccountToken: false
      restartPolicy: Never
      containers:
      - name: c
        image: busybox:1.36`,
		changes: map[string]any{"spec.parallelism": 2}},
	{kind: "CronJob", apiVersion: "batch/v1", namespaced: true, yaml: `
apiVersion: batch/v1
kind: CronJob
metadata:
  name: $NAME
  namespace: $NS
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          automountServiceAccountToken: false
          restartPolicy: OnFailure
          containers:
          - name: c
            image: busybox:1.36`,
		changes: map[string]any{"spec.schedule": "*/10 * * * *"}},
	{kind: "ReplicationController", apiVersion: "v1", namespaced: true, yaml: `
apiVersion: v1
kind: ReplicationController
metadata:
  name: $NAME
  namespace: $NS
spec:
  replicas: 1
  selector: {app: $NAME}
  template:` + podTemplate,
		changes: map[string]any{"spec.replicas": 2}},
	{kind: "PersistentVolume", apiVersion: "v1", finalized: true, yaml: `
apiVersion: v1
kind: PersistentVolume
metadata:
  name: $NAME
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  hostPath: {path: /tmp/$NAME}`,
		changes: map[string]any{"spec.capacity.storage": "2Gi"}},
	{kind: "PersistentVolumeClaim", apiVersion: "v1", namespaced: true, finalized: true, yaml: `
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: $NAME
  namespace: $NS
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests: {storage: 1Gi}`,
		// An unbound claim's spec is immutable but for binding it, once.
		changes: map[string]any{"spec.volumeName": "pv-for-claim"}},
	{kind: "Role", apiVersion: "rbac.authorization.k8s.io/v1", namespaced: true, yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: $NAME
  namespace: $NS
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get]`,
		changes: map[string]any{"rules[0].verbs": []any{"get", "list", "watch"}}},
	{kind: "RoleBinding", apiVersion: "rbac.authorization.k8s.io/v1", namespaced: true, yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: $NAME
  namespace: $NS
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: some-role}
subjects:
- {kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}`,
		changes: map[string]any{"subjects[0].name": "bob"}},
	{kind: "ClusterRole", apiVersion: "rbac.authorization.k8s.io/v1", yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: $NAME
rules:
- apiGroups: [""]
  resources: [nodes]
  verbs: [get]`,
		changes: map[string]any{"rules[0].resources": []any{"nodes", "pods"}}},
	{kind: "ClusterRoleBinding", apiVersion: "rbac.authorization.k8s.io/v1", yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: $NAME
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: some-cluster-role}
subjects:
- {kind: Group, name: devs, apiGroup: rbac.authorization.k8s.io}`,
		changes: map[string]any{"subjects[0].name": "ops"}},
	{kind: "NetworkPolicy", apiVersion: "networking.k8s.io/v1", namespaced: true, yaml: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: $NAME
  namespace: $NS
spec:
  podSelector: {}
  policyTypes: [Ingress]`,
		changes: map[string]any{"spec.podSelector.matchLabels": map[string]any{"app": "db"}}},
	{kind: "PriorityClass", apiVersion: "scheduling.k8s.io/v1", yaml: `
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: $NAME
value: 1000
description: first`,
		// value is immutable
		changes: map[string]any{"description": "second"}},
	{kind: "ResourceQuota", apiVersion: "v1", namespaced: true, yaml: `
apiVersion: v1
kind: ResourceQuota
metadata:
  name: $NAME
  namespace: $NS
spec:
  hard: {pods: "100"}`,
		changes: map[string]any{"spec.hard.pods": "200"}},
	{kind: "LimitRange", apiVersion: "v1", namespaced: true, yaml: `
apiVersion: v1
kind: LimitRange
metadata:
  name: $NAME
  namespace: $NS
spec:
  limits:
  - type: Container
    default: {cpu: 100m}`,
		changes: map[string]any{"spec.limits[0].default.cpu": "200m"}},
	{kind: "HorizontalPodAutoscaler", apiVersion: "autoscaling/v2", namespaced: true, yaml: `
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: $NAME
  namespace: $NS
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 3
  metrics:
  - type: Resource
    resource:
      name: cpu
      target: {type: Utilization, averageUtilization: 80}`,
		changes: map[string]any{"spec.maxReplicas": 5}},
	{kind: "PodDisruptionBudget", apiVersion: "policy/v1", namespaced: true, yaml: `
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: $NAME
  namespace: $NS
spec:
  minAvailable: 1
  selector:
    matchLabels: {app: web}`,
		changes: map[string]any{"spec.minAvailable": 2}},
	{kind: "Ingress", apiVersion: "networking.k8s.io/v1", namespaced: true, yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: $NAME
  namespace: $NS
spec:
  defaultBackend:
    service:
      name: web
      port: {number: 80}`,
		changes: map[string]any{"spec.defaultBackend.service.port.number": 8080}},
	{kind: "StorageClass", apiVersion: "storage.k8s.io/v1", yaml: `
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: $NAME
provisioner: example.com/none
allowVolumeExpansion: false`,
		changes: map[string]any{"allowVolumeExpansion": true}},
	{kind: "APIService", apiVersion: "apiregistration.k8s.io/v1", yaml: `
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1.$NAME.example.com
spec:
  group: $NAME.example.com
  version: v1
  groupPriorityMinimum: 1000
  versionPriority: 15`,
		changes: map[string]any{"spec.versionPriority": 20}},
}

// TestCRUDEveryKind creates, reads, updates and deletes one object of each
// kind the control plane serves without controllers, all loaded from YAML.
func TestCRUDEveryKind(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ns := newNamespace(t, c)
	for _, tc := range kindCases {
		t.Run(tc.kind, func(t *testing.T) {
			t.Parallel()
			testRoundTrip(t, c, ns, tc)
		})
	}
}

func testRoundTrip(t *testing.T, c *kobj.Client, ns string, tc kindCase) {
	ctx := testContext(t, 2*time.Minute)
	name := strings.ToLower(tc.kind) + "-" + suffix()
	o := load(t, strings.NewReplacer("$NAME", name, "$NS", ns).Replace(tc.yaml))
	o.SetClient(c)
	name = o.Name() // APIService's name is derived from $NAME
	wantNS := ""
	if tc.namespaced {
		wantNS = ns
	}

	// Create: o becomes the server's object.
	got, err := o.Create(ctx)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if got != o {
		t.Errorf("Create returned %p, want the object itself %p", got, o)
	}
	if uid, _ := o.GetString("metadata.uid"); uid == "" {
		t.Errorf("after Create, the object has no metadata.uid: the server's answer was not absorbed")
	}
	if o.ResourceVersion() == "" {
		t.Errorf("after Create, the object has no resourceVersion")
	}
	if o.Name() != name || o.Namespace() != wantNS {
		t.Errorf("after Create: name %q namespace %q, want %q %q", o.Name(), o.Namespace(), name, wantNS)
	}
	if !tc.namespaced {
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, _ = kobj.New(tc.apiVersion, tc.kind).Delete(ctx, kobj.Named(name), kobj.WithClient(c))
		})
	}

	// Read, into a fresh object, by name.
	fresh, err := readFresh(ctx, c, tc.apiVersion, tc.kind, wantNS, name)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if fresh.APIVersion() != tc.apiVersion || fresh.Kind() != tc.kind {
		t.Errorf("Read: got %s %s, want %s %s", fresh.APIVersion(), fresh.Kind(), tc.apiVersion, tc.kind)
	}
	if got, want := mustString(t, fresh, "metadata.uid"), mustString(t, o, "metadata.uid"); got != want {
		t.Errorf("Read: uid %s, created uid %s", got, want)
	}

	// Read o again in place: same object, nothing lost.
	if _, err := o.Read(ctx); err != nil {
		t.Fatalf("Read in place: %v", err)
	}
	if !o.Equal(fresh) {
		t.Errorf("Read in place and Read into a fresh object differ: %v", o.Diff(fresh))
	}

	// Update: a label and a spec field.
	rvBefore := o.ResourceVersion()
	o.SetLabel("kobj-e2e", "updated")
	for path, v := range tc.changes {
		if err := o.Set(path, v); err != nil {
			t.Fatalf("Set(%q): %v", path, err)
		}
	}
	if _, err := o.Update(ctx); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if o.ResourceVersion() == rvBefore {
		t.Errorf("after Update, resourceVersion is still %s: the server's answer was not absorbed", rvBefore)
	}
	after, err := readFresh(ctx, c, tc.apiVersion, tc.kind, wantNS, name)
	if err != nil {
		t.Fatalf("Read after Update: %v", err)
	}
	if l := after.Labels()["kobj-e2e"]; l != "updated" {
		t.Errorf("after Update, the server has label kobj-e2e=%q, want %q", l, "updated")
	}
	for path, want := range tc.changes {
		v, ok := after.Get(path)
		if !ok || !sameJSON(v, want) {
			t.Errorf("after Update, the server has %s = %v (present %v), want %v", path, v, ok, want)
		}
	}
	if !o.Equal(after) {
		t.Errorf("after Update, the object differs from the server's: %v", o.Diff(after))
	}

	// Delete. Job and ReplicationController default to orphaning their
	// dependents in v1, which needs the garbage collector to finish; ask
	// for background deletion, which does not.
	if _, err := o.Delete(ctx, kobj.PropagationPolicy(metav1.DeletePropagationBackground)); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	gone, err := readFresh(ctx, c, tc.apiVersion, tc.kind, wantNS, name)
	switch {
	case apierrors.IsNotFound(err):
		if tc.kind == "Namespace" {
			t.Errorf("a Namespace is never gone at once in this control plane, yet Read says NotFound")
		}
		return
	case err != nil:
		t.Fatalf("Read after Delete: %v", err)
	}
	if _, ok := gone.Get("metadata.deletionTimestamp"); !ok {
		t.Fatalf("after Delete, the object is still there without a deletionTimestamp")
	}
	if tc.kind == "Namespace" {
		if phase, _ := gone.GetString("status.phase"); phase != "Terminating" {
			t.Errorf("after Delete, namespace phase %q, want Terminating", phase)
		}
		return
	}
	fins, _ := gone.GetSlice("metadata.finalizers")
	if !tc.finalized || len(fins) == 0 {
		t.Fatalf("after Delete, the object is still there (finalizers %v)", fins)
	}
	t.Logf("deletion pending on finalizers %v; clearing them", fins)
	// No controller removes the protection finalizer here: clear it with a
	// merge patch that nulls the field, which completes the deletion.
	if !gone.Remove("metadata.finalizers") {
		t.Fatal("Remove(metadata.finalizers) removed nothing")
	}
	if _, err := gone.Update(ctx); err != nil {
		t.Fatalf("Update clearing finalizers: %v", err)
	}
	if _, err := readFresh(ctx, c, tc.apiVersion, tc.kind, wantNS, name); !apierrors.IsNotFound(err) {
		t.Errorf("Read after clearing finalizers: %v, want NotFound", err)
	}
}

// sameJSON reports whether a and b encode to the same JSON.
func sameJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// TestComponentStatusIsReadOnly: the server lists only get and list for
// ComponentStatus, so Create, Update and Delete fail before any request
// with ErrUnsupported naming those verbs, and reading works.
func TestComponentStatusIsReadOnly(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c, log := newCountingClient(t)

	list, err := kobj.New("v1", "ComponentStatusList").Read(ctx, kobj.WithClient(c))
	if err != nil {
		t.Fatalf("Read ComponentStatusList: %v", err)
	}
	items := list.Items()
	if len(items) == 0 {
		t.Fatal("ComponentStatusList has no items; the server lists at least etcd")
	}
	var names []string
	for _, it := range items {
		if it.Kind() != "ComponentStatus" || it.APIVersion() != "v1" {
			t.Errorf("item %s: want v1 ComponentStatus", it)
		}
		names = append(names, it.Name())
	}
	t.Logf("component statuses: %v", names)

	// Read one by name.
	one, err := kobj.New("v1", "ComponentStatus").Read(ctx, kobj.Named(names[0]), kobj.WithClient(c))
	if err != nil {
		t.Fatalf("Read ComponentStatus %s: %v", names[0], err)
	}
	if one.Name() != names[0] {
		t.Errorf("Read ComponentStatus: name %q, want %q", one.Name(), names[0])
	}

	log.Reset()
	cs := kobj.New("v1", "ComponentStatus").SetName(names[0]).SetClient(c)
	calls := map[string]func() error{
		"Create": func() error { _, err := cs.Create(ctx); return err },
		"Update": func() error { _, err := cs.Update(ctx); return err },
		"Delete": func() error { _, err := cs.Delete(ctx); return err },
		"Edit": func() error {
			_, err := cs.Edit(ctx, func(o *kobj.Object) error { o.SetLabel("a", "b"); return nil })
			return err
		},
	}
	for call, f := range calls {
		err := f()
		if !errors.Is(err, kobj.ErrUnsupported) {
			t.Errorf("%s ComponentStatus: %v, want an error wrapping kobj.ErrUnsupported", call, err)
			continue
		}
		var ue *kobj.UnsupportedError
		if !errors.As(err, &ue) {
			t.Errorf("%s ComponentStatus: %v is not a *kobj.UnsupportedError", call, err)
			continue
		}
		verbs := slices.Sorted(slices.Values(ue.Verbs))
		if !slices.Equal(verbs, []string{"get", "list"}) {
			t.Errorf("%s ComponentStatus: error lists verbs %v, want [get list]", call, ue.Verbs)
		}
		if !strings.Contains(err.Error(), "get") || !strings.Contains(err.Error(), "list") {
			t.Errorf("%s ComponentStatus: error %q does not name the verbs get and list", call, err)
		}
	}
	if n := log.Count(); n != 0 {
		t.Errorf("unsupported calls sent %d requests, want 0: %v", n, log.Requests())
	}
}
