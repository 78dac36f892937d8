package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// worstOrderYAML is a set in the worst order for applying it one object
// after another: a Widget, a ConfigMap in namespace ns, the Namespace ns,
// and the CRD of Widget (in group, namespaced). The Namespace has a label:
// a bare Namespace, whose apply owns no field, is created without
// managedFields, and the next apply writes once to record its fields as
// the server's "before-first-apply" manager's (Configured, not Unchanged).
func worstOrderYAML(group, ns, data string) string {
	return strings.NewReplacer("$GROUP", group, "$NS", ns, "$DATA", data).Replace(`
apiVersion: $GROUP/v1
kind: Widget
metadata:
  name: w1
  namespace: $NS
spec:
  size: 3
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: $NS
data:
  color: $DATA
---
apiVersion: v1
kind: Namespace
metadata:
  name: $NS
  labels: {team: shop}
---`) + crdYAML(group, "Namespaced")
}

// loadSet loads every object of a YAML literal.
func loadSet(t *testing.T, yaml string) []*kobj.Object {
	t.Helper()
	objs, err := kobj.LoadString(yaml)
	if err != nil {
		t.Fatalf("LoadString: %v", err)
	}
	return objs
}

// actions returns "Kind/name=Action" for each change, in order.
func actions(cs *kobj.ChangeSet) []string {
	var out []string
	for _, ch := range cs.Changes {
		out = append(out, ch.Object.Kind()+"/"+ch.Object.Name()+"="+string(ch.Action))
	}
	return out
}

// firstRequest returns the index in reqs of the first request with the
// method whose path ends with pathSuffix; -1 when there is none.
func firstRequest(reqs []string, method, pathSuffix string) int {
	return slices.IndexFunc(reqs, func(r string) bool {
		m, rest, _ := strings.Cut(r, " ")
		path, _, _ := strings.Cut(rest, "?")
		return m == method && strings.HasSuffix(path, pathSuffix)
	})
}

// deleteSetAtEnd removes a set at the end of the test, without waiting
// (a Namespace never finishes deleting in this control plane).
func deleteSetAtEnd(t *testing.T, c *kobj.Client, yaml string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.DeleteAll(ctx, loadSet(t, yaml)); err != nil {
			t.Logf("DeleteAll at cleanup: %v", err)
		}
	})
}

// TestApplyAllOrdersCreatesThenLeavesUnchanged: a set in the worst order
// applies in one call, the CRD and Namespace before the others; all are
// Created. Applying the same manifests again reports all Unchanged and
// writes nothing; changing one reports it alone Configured.
func TestApplyAllOrdersCreatesThenLeavesUnchanged(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	c, log := newCountingClient(t)
	group := "applyall-" + suffix() + ".kobj.example.com"
	ns := uniqueName(t, "aa")
	yaml := worstOrderYAML(group, ns, "blue")
	deleteSetAtEnd(t, c, yaml)

	cs, err := c.ApplyAll(ctx, loadSet(t, yaml), kobj.FieldManager("deployer"))
	if err != nil {
		t.Fatalf("ApplyAll: %v\nrequests: %v", err, log.Requests())
	}
	// Stage 1 (Namespace, CRD), then stage 2 (Widget, ConfigMap), each in
	// the order of the YAML.
	want := []string{"Namespace/" + ns + "=Created", "CustomResourceDefinition/widgets." + group + "=Created",
		"Widget/w1=Created", "ConfigMap/settings=Created"}
	if got := actions(cs); !slices.Equal(got, want) {
		t.Fatalf("first ApplyAll: changes %v, want %v", got, want)
	}
	reqs := log.Requests()
	crdApply := firstRequest(reqs, "PATCH", "/customresourcedefinitions/widgets."+group)
	nsApply := firstRequest(reqs, "PATCH", "/api/v1/namespaces/"+ns)
	cmApply := firstRequest(reqs, "PATCH", "/namespaces/"+ns+"/configmaps/settings")
	widgetApply := firstRequest(reqs, "PATCH", "/namespaces/"+ns+"/widgets/w1")
	for _, first := range []int{crdApply, nsApply} {
		for _, second := range []int{cmApply, widgetApply} {
			if first < 0 || second < 0 || first > second {
				t.Fatalf("want the CRD (#%d) and Namespace (#%d) applied before the ConfigMap (#%d) and Widget (#%d); requests: %v",
					crdApply, nsApply, cmApply, widgetApply, reqs)
			}
		}
	}
	// The server's own controllers write the CRD's status after the apply:
	// what counts is each object's resourceVersion now.
	rvs := map[string]string{}
	for _, ch := range cs.Changes {
		o := ch.Object
		fresh, err := readFresh(ctx, c, o.APIVersion(), o.Kind(), o.Namespace(), o.Name())
		if err != nil {
			t.Fatalf("read %s: %v", o, err)
		}
		rvs[o.Kind()] = fresh.ResourceVersion()
	}

	// The same manifests, loaded again as a deploy run would load them.
	log.Reset()
	cs, err = c.ApplyAll(ctx, loadSet(t, yaml), kobj.FieldManager("deployer"))
	if err != nil {
		t.Fatalf("second ApplyAll: %v", err)
	}
	for i := range want {
		want[i] = strings.Replace(want[i], "=Created", "=Unchanged", 1)
	}
	if got := actions(cs); !slices.Equal(got, want) {
		t.Fatalf("second ApplyAll: changes %v, want %v", got, want)
	}
	// "No writes": an apply that would change nothing is not sent, and
	// the server still holds the version each object had.
	reqs = log.Requests()
	for _, r := range reqs {
		if method, _, _ := strings.Cut(r, " "); method != "GET" {
			t.Errorf("second ApplyAll sent %s", r)
		}
	}
	for _, ch := range cs.Changes {
		o := ch.Object
		fresh, err := readFresh(ctx, c, o.APIVersion(), o.Kind(), o.Namespace(), o.Name())
		if err != nil {
			t.Fatalf("read %s: %v", o, err)
		}
		if rv := fresh.ResourceVersion(); rv != rvs[o.Kind()] || o.ResourceVersion() != rv {
			t.Errorf("%s: resourceVersion %s after the second apply (answer %s), %s before it",
				o, rv, o.ResourceVersion(), rvs[o.Kind()])
		}
	}

	// One change: only its object is Configured.
	cs, err = c.ApplyAll(ctx, loadSet(t, worstOrderYAML(group, ns, "green")), kobj.FieldManager("deployer"))
	if err != nil {
		t.Fatalf("third ApplyAll: %v", err)
	}
	want[3] = "ConfigMap/settings=Configured"
	if got := actions(cs); !slices.Equal(got, want) {
		t.Fatalf("third ApplyAll: changes %v, want %v", got, want)
	}
	if got := mustString(t, cs.Changes[3].Object, "data.color"); got != "green" {
		t.Errorf("ConfigMap data.color %q after the third apply, want green", got)
	}
}

// TestApplyAllFailureStopsAtTheEndOfItsStage: an invalid object fails with
// the server's error; the other object of its stage is still applied, the
// next stage is not.
func TestApplyAllFailureStopsAtTheEndOfItsStage(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	c, log := newCountingClient(t)
	ns := uniqueName(t, "aa")
	yaml := strings.ReplaceAll(`
apiVersion: v1
kind: Namespace
metadata: {name: $NS}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: good, namespace: $NS}
data: {k: v}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: bad, namespace: $NS}
data: {"not a valid key!": v}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: after
  namespace: $NS
  annotations:
    config.kubernetes.io/depends-on: /namespaces/$NS/ConfigMap/good
data: {k: v}
`, "$NS", ns)
	deleteSetAtEnd(t, c, yaml)

	cs, err := c.ApplyAll(ctx, loadSet(t, yaml))
	if err == nil {
		t.Fatalf("ApplyAll of a set with an invalid ConfigMap succeeded: %v", actions(cs))
	}
	if !apierrors.IsInvalid(err) {
		t.Errorf("ApplyAll error %v: want apierrors.IsInvalid to find the server's 422 within", err)
	}
	want := []string{"Namespace/" + ns + "=Created", "ConfigMap/good=Created", "ConfigMap/bad="}
	if got := actions(cs); !slices.Equal(got, want) {
		t.Fatalf("changes %v, want %v (nothing of the third stage)", got, want)
	}
	if bad := cs.Changes[2]; !apierrors.IsInvalid(bad.Err) {
		t.Errorf("the bad ConfigMap's Err %v, want the server's Invalid", bad.Err)
	}
	for _, ch := range cs.Changes[:2] {
		if ch.Err != nil {
			t.Errorf("%s: Err %v", ch.Object, ch.Err)
		}
	}
	if _, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "after"); !apierrors.IsNotFound(err) {
		t.Errorf("ConfigMap after, of the stage after the failure: read error %v, want NotFound", err)
	}
	if i := firstRequest(log.Requests(), "PATCH", "/configmaps/after"); i >= 0 {
		t.Errorf("ConfigMap after was applied: %v", log.Requests())
	}
}

// TestApplyAllRefusesACycleBeforeAnyRequest: a dependency cycle is an
// error, and nothing is sent.
func TestApplyAllRefusesACycleBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c, log := newCountingClient(t)
	objs := loadSet(t, `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: a
  annotations: {config.kubernetes.io/depends-on: rbac.authorization.k8s.io/ClusterRole/b}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: b
  annotations: {config.kubernetes.io/depends-on: rbac.authorization.k8s.io/ClusterRole/a}
`)
	// Warm discovery, which ApplyAll reads to tell a namespaced kind.
	if _, err := kobj.New("rbac.authorization.k8s.io/v1", "ClusterRoleList").Read(ctx, kobj.WithClient(c), kobj.Limit(1)); err != nil {
		t.Fatalf("warming discovery: %v", err)
	}
	log.Reset()
	cs, err := c.ApplyAll(ctx, objs)
	if err == nil || !strings.Contains(err.Error(), "a dependency cycle") {
		t.Fatalf("ApplyAll of a cycle: error %v, want a dependency cycle", err)
	}
	if len(cs.Changes) != 0 || log.Count() != 0 {
		t.Errorf("ApplyAll of a cycle: changes %v, requests %v; want none", actions(cs), log.Requests())
	}
}

// TestDeleteAllInReverseOrderAndWaits: DeleteAll deletes the Widget and
// ConfigMap before their CRD and, asked to, returns once all are gone.
// Deleting the set again succeeds: absent objects, and a kind whose CRD is
// gone, count as deleted. (No Namespace in the set: without controllers
// a namespace never finishes deleting here.)
func TestDeleteAllInReverseOrderAndWaits(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	c, log := newCountingClient(t)
	ns := newNamespace(t, c)
	group := "deleteall-" + suffix() + ".kobj.example.com"
	yaml := strings.NewReplacer("$GROUP", group, "$NS", ns).Replace(`
apiVersion: $GROUP/v1
kind: Widget
metadata: {name: w1, namespace: $NS}
spec: {size: 1}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: $NS}
data: {k: v}
---`) + crdYAML(group, "Namespaced")
	if _, err := c.ApplyAll(ctx, loadSet(t, yaml)); err != nil {
		t.Fatalf("ApplyAll: %v", err)
	}
	log.Reset()
	if err := c.DeleteAll(ctx, loadSet(t, yaml), kobj.WaitForDeletion()); err != nil {
		t.Fatalf("DeleteAll: %v\nrequests: %v", err, log.Requests())
	}
	reqs := log.Requests()
	crdDelete := firstRequest(reqs, "DELETE", "/customresourcedefinitions/widgets."+group)
	for _, path := range []string{"/namespaces/" + ns + "/widgets/w1", "/namespaces/" + ns + "/configmaps/settings"} {
		if i := firstRequest(reqs, "DELETE", path); i < 0 || crdDelete < 0 || i > crdDelete {
			t.Errorf("want DELETE %s (#%d) before the CRD's (#%d); requests: %v", path, i, crdDelete, reqs)
		}
	}
	// Waited for: gone at once, no polling here.
	for _, o := range []struct{ apiVersion, kind, ns, name string }{
		{"apiextensions.k8s.io/v1", "CustomResourceDefinition", "", "widgets." + group},
		{"v1", "ConfigMap", ns, "settings"},
	} {
		if _, err := readFresh(ctx, c, o.apiVersion, o.kind, o.ns, o.name); !apierrors.IsNotFound(err) {
			t.Errorf("%s %s after DeleteAll with WaitForDeletion: read error %v, want NotFound", o.kind, o.name, err)
		}
	}
	if _, err := readFresh(ctx, c, group+"/v1", "Widget", ns, "w1"); !apierrors.IsNotFound(err) && !isUnknownKind(err) {
		t.Errorf("Widget after DeleteAll: read error %v, want NotFound or an unknown kind", err)
	}
	if err := c.DeleteAll(ctx, loadSet(t, yaml)); err != nil {
		t.Errorf("DeleteAll of a deleted set: %v", err)
	}
}

// TestApplyAllReadsManyOfAKindWithOneList: five ConfigMaps of one
// namespace are read before their apply with LISTs, not a GET each (one
// page of their metadata, then, when some exist, one LIST of those), and
// are still told apart: Created, then Unchanged, then one Configured.
func TestApplyAllReadsManyOfAKindWithOneList(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c, log := newCountingClient(t)
	ns := newNamespace(t, c)
	set := func(changed string) []*kobj.Object {
		var objs []*kobj.Object
		for _, name := range []string{"a", "b", "c", "d", "e"} {
			value := "v"
			if name == changed {
				value = "changed"
			}
			objs = append(objs, newConfigMap(name, ns, map[string]any{"k": value}))
		}
		return objs
	}
	for _, step := range []struct {
		changed string
		want    []string
		lists   int // none exists: the metadata page says so
	}{
		{"", []string{"a=Created", "b=Created", "c=Created", "d=Created", "e=Created"}, 1},
		{"", []string{"a=Unchanged", "b=Unchanged", "c=Unchanged", "d=Unchanged", "e=Unchanged"}, 2},
		{"c", []string{"a=Unchanged", "b=Unchanged", "c=Configured", "d=Unchanged", "e=Unchanged"}, 2},
	} {
		log.Reset()
		cs, err := c.ApplyAll(ctx, set(step.changed))
		if err != nil {
			t.Fatalf("ApplyAll: %v", err)
		}
		var got []string
		for _, ch := range cs.Changes {
			got = append(got, ch.Object.Name()+"="+string(ch.Action))
		}
		if !slices.Equal(got, step.want) {
			t.Fatalf("changes %v, want %v", got, step.want)
		}
		reads := log.Matching(func(method, path, _ string) bool { return method == "GET" })
		listPath := "GET /api/v1/namespaces/" + ns + "/configmaps"
		if len(reads) != step.lists {
			t.Errorf("reads %v, want %d LISTs: %s?...", reads, step.lists, listPath)
		}
		for _, r := range reads {
			if !strings.HasPrefix(r, listPath+"?") {
				t.Errorf("read %s, want LISTs only: %s?...", r, listPath)
			}
		}
	}
}
