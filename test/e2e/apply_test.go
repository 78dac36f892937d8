package e2e

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// applyCM applies a ConfigMap holding data as manager, from a fresh object
// (never read from the server), and returns the server's answer.
func applyCM(ctx context.Context, t *testing.T, c *kobj.Client, ns, name, manager string, data map[string]any, opts ...kobj.ApplyOption) (*kobj.Object, error) {
	t.Helper()
	o := newConfigMap(name, ns, data).SetClient(c)
	if manager != "" {
		opts = append(opts, kobj.FieldManager(manager))
	}
	return o.Apply(ctx, opts...)
}

// appliedFields returns the fieldsV1 of manager's Apply entry for the
// subresource ("" for the main resource) in o's managedFields; nil when the
// manager owns nothing there.
func appliedFields(t *testing.T, o *kobj.Object, manager, subresource string) map[string]any {
	t.Helper()
	entries, err := o.GetSlice("metadata.managedFields")
	if err != nil {
		t.Fatalf("%s: managedFields: %v", o, err)
	}
	for _, e := range entries {
		m, _ := e.(map[string]any)
		sub, _ := m["subresource"].(string)
		if m["manager"] == manager && m["operation"] == "Apply" && sub == subresource {
			fields, _ := m["fieldsV1"].(map[string]any)
			return fields
		}
	}
	return nil
}

// owns reports whether fieldsV1 names the field at the path of "f:" steps,
// such as owns(f, "data", "k").
func owns(fields map[string]any, path ...string) bool { return ownedAt(fields, path...) != nil }

// ownedAt returns the fieldsV1 node at the path of "f:" steps; nil when
// there is none.
func ownedAt(fields map[string]any, path ...string) map[string]any {
	cur := fields
	for _, p := range path {
		next, ok := cur["f:"+p].(map[string]any)
		if !ok {
			return nil
		}
		cur = next
	}
	return cur
}

// TestApplyCreatesThenWritesNothing is issue 11, Apply item 1: apply on a
// missing object creates it; the same content again writes nothing.
func TestApplyCreatesThenWritesNothing(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	created, err := applyCM(ctx, t, c, ns, "upsert", "deployer", map[string]any{"k": "v"})
	if err != nil {
		t.Fatalf("first Apply: %v", err)
	}
	if created.UID() == "" || created.ResourceVersion() == "" {
		t.Fatalf("first Apply: answer has uid %q, resourceVersion %q; want the created object", created.UID(), created.ResourceVersion())
	}
	rv := created.ResourceVersion()
	again, err := applyCM(ctx, t, c, ns, "upsert", "deployer", map[string]any{"k": "v"})
	if err != nil {
		t.Fatalf("second Apply of a fresh object: %v", err)
	}
	if again.ResourceVersion() != rv || again.UID() != created.UID() {
		t.Errorf("second Apply of a fresh object: resourceVersion %s → %s, uid %s → %s; want no write",
			rv, again.ResourceVersion(), created.UID(), again.UID())
	}
	// The object as answered (it holds managedFields and resourceVersion)
	// applied again unchanged writes nothing either.
	if _, err := created.Apply(ctx, kobj.FieldManager("deployer")); err != nil {
		t.Fatalf("Apply of the answer: %v", err)
	}
	if created.ResourceVersion() != rv {
		t.Errorf("Apply of the unchanged answer: resourceVersion %s → %s; want no write", rv, created.ResourceVersion())
	}
}

// TestApplyFieldManagerAndRemoval is issue 11, Apply item 2.
func TestApplyFieldManagerAndRemoval(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)

	t.Run("the default manager is kobj, or the client's", func(t *testing.T) {
		o, err := applyCM(ctx, t, c, ns, "default-manager", "", map[string]any{"k": "v"})
		if err != nil {
			t.Fatal(err)
		}
		if !owns(appliedFields(t, o, "kobj", ""), "data", "k") {
			t.Errorf("manager kobj does not own data.k: %v", o.Map()["metadata"])
		}
		ci := newClient(t, kobj.DefaultFieldManager("ci"))
		o, err = applyCM(ctx, t, ci, ns, "client-manager", "", map[string]any{"k": "v"})
		if err != nil {
			t.Fatal(err)
		}
		if !owns(appliedFields(t, o, "ci", ""), "data", "k") || appliedFields(t, o, "kobj", "") != nil {
			t.Errorf("want manager ci alone to own data.k: %v", o.Map()["metadata"])
		}
	})

	t.Run("a field no longer applied is removed", func(t *testing.T) {
		if _, err := applyCM(ctx, t, c, ns, "removal", "a", map[string]any{"k1": "1", "k2": "2"}); err != nil {
			t.Fatal(err)
		}
		o, err := applyCM(ctx, t, c, ns, "removal", "a", map[string]any{"k1": "1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, found := o.Get("data.k2"); found {
			t.Errorf("data.k2 still on the server: %v", o.Map()["data"])
		}
		// The same through the applied object: remove locally, apply.
		o.Remove("data.k1")
		o.Set("data.k3", "3")
		if _, err := o.Apply(ctx, kobj.FieldManager("a")); err != nil {
			t.Fatal(err)
		}
		back, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "removal")
		if err != nil {
			t.Fatal(err)
		}
		if data, _ := back.GetMap("data"); len(data) != 1 || data["k3"] != "3" {
			t.Errorf("data on the server %v, want only k3=3", data)
		}
	})

	t.Run("a field another manager co-owns stays", func(t *testing.T) {
		if _, err := applyCM(ctx, t, c, ns, "co-owned", "a", map[string]any{"k1": "1", "k2": "2"}); err != nil {
			t.Fatal(err)
		}
		if _, err := applyCM(ctx, t, c, ns, "co-owned", "b", map[string]any{"k2": "2"}); err != nil {
			t.Fatalf("b applying the same value: %v", err)
		}
		o, err := applyCM(ctx, t, c, ns, "co-owned", "a", map[string]any{"k1": "1"})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := o.GetString("data.k2"); got != "2" {
			t.Errorf("data.k2 = %q, want 2 kept for manager b", got)
		}
		if owns(appliedFields(t, o, "a", ""), "data", "k2") || !owns(appliedFields(t, o, "b", ""), "data", "k2") {
			t.Errorf("want b alone to own data.k2: %v", o.Map()["metadata"])
		}
	})
}

// TestApplyConflictAndForce is issue 11, Apply item 3.
func TestApplyConflictAndForce(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	if _, err := applyCM(ctx, t, c, ns, "contested", "a", map[string]any{"k": "1"}); err != nil {
		t.Fatal(err)
	}
	_, err := applyCM(ctx, t, c, ns, "contested", "b", map[string]any{"k": "2"})
	var ace *kobj.ApplyConflictError
	if !errors.As(err, &ace) {
		t.Fatalf("b's Apply: error %v (%T), want an *kobj.ApplyConflictError", err, err)
	}
	if len(ace.Conflicts) != 1 || ace.Conflicts[0].Manager != "a" || ace.Conflicts[0].Field != ".data.k" {
		t.Errorf("conflicts %+v, want one: manager a, field .data.k", ace.Conflicts)
	}
	if !apierrors.IsConflict(err) {
		t.Errorf("apierrors.IsConflict(%v) = false", err)
	}
	for _, way := range []string{"kobj.Force()", "remove the fields", "co-own"} {
		if !strings.Contains(err.Error(), way) {
			t.Errorf("error text lacks %q:\n%s", way, err)
		}
	}
	o, err := applyCM(ctx, t, c, ns, "contested", "b", map[string]any{"k": "2"}, kobj.Force())
	if err != nil {
		t.Fatalf("b's Apply with Force: %v", err)
	}
	if got, _ := o.GetString("data.k"); got != "2" {
		t.Errorf("data.k = %q after Force, want 2", got)
	}
	if !owns(appliedFields(t, o, "b", ""), "data", "k") || owns(appliedFields(t, o, "a", ""), "data", "k") {
		t.Errorf("want b alone to own data.k after Force: %v", o.Map()["metadata"])
	}
}

// TestApplyAfterReadKeepsOthersFields is issue 11, Apply item 4: an object
// read from the server and changed applies only its manager's fields and
// the change, so a second manager's fields stay its own.
func TestApplyAfterReadKeepsOthersFields(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	theirs := newConfigMap("shared", ns, map[string]any{"theirs": "1"}).SetClient(c)
	theirs.SetLabel("team", "x")
	if _, err := theirs.Apply(ctx, kobj.FieldManager("x")); err != nil {
		t.Fatal(err)
	}
	o, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "shared")
	if err != nil {
		t.Fatal(err)
	}
	o.Set("data.mine", "2")
	if _, err := o.Apply(ctx, kobj.FieldManager("me")); err != nil {
		t.Fatalf("Apply after Read: %v", err)
	}
	mine, xs := appliedFields(t, o, "me", ""), appliedFields(t, o, "x", "")
	if !owns(mine, "data", "mine") || owns(mine, "data", "theirs") || owns(mine, "metadata", "labels", "team") {
		t.Errorf("me owns %v; want data.mine and nothing of x's", mine)
	}
	if !owns(xs, "data", "theirs") || !owns(xs, "metadata", "labels", "team") {
		t.Errorf("x owns %v; want data.theirs and the label still", xs)
	}
	// So x changes its field without a conflict.
	theirs = newConfigMap("shared", ns, map[string]any{"theirs": "3"}).SetClient(c)
	theirs.SetLabel("team", "x")
	if _, err := theirs.Apply(ctx, kobj.FieldManager("x")); err != nil {
		t.Errorf("x applying its own field after me: %v", err)
	}
	// Applying what was read, unchanged, by a manager that owns nothing
	// takes nothing either.
	if _, err := o.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Apply(ctx, kobj.FieldManager("reader")); err != nil {
		t.Fatal(err)
	}
	if f := appliedFields(t, o, "reader", ""); owns(f, "data") {
		t.Errorf("reader owns %v; want no data", f)
	}
}

// statusCRDYAML is a namespaced CRD of kind Gauge with a status subresource.
func statusCRDYAML(group string) string {
	return strings.ReplaceAll(`
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gauges.$GROUP
spec:
  group: $GROUP
  scope: Namespaced
  names: {plural: gauges, singular: gauge, kind: Gauge, listKind: GaugeList}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
          status:
            type: object
            properties:
              level: {type: integer}
`, "$GROUP", group)
}

// TestApplyStatusWritesStatusOnly is issue 11, Apply item 5.
func TestApplyStatusWritesStatusOnly(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	group := "s" + suffix() + ".apply.kobj.dev"
	crd := load(t, statusCRDYAML(group)).SetClient(c)
	if _, err := crd.Apply(ctx, kobj.FieldManager("installer")); err != nil {
		t.Fatalf("Apply CRD: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = crd.Delete(ctx)
	})
	waitEstablished(ctx, t, crd)

	g := kobj.New(group+"/v1", "Gauge").SetName("g").SetNamespace(ns).SetClient(c)
	g.Set("spec.size", 1)
	if _, err := g.Apply(ctx, kobj.FieldManager("user")); err != nil {
		t.Fatalf("Apply Gauge: %v", err)
	}
	g.Set("spec.size", 9) // not status: must not be written
	g.Set("status.level", 5)
	if _, err := g.ApplyStatus(ctx, kobj.FieldManager("controller")); err != nil {
		t.Fatalf("ApplyStatus: %v", err)
	}
	back, err := readFresh(ctx, c, group+"/v1", "Gauge", ns, "g")
	if err != nil {
		t.Fatal(err)
	}
	size, _ := back.GetInt64("spec.size")
	level, _ := back.GetInt64("status.level")
	if size != 1 || level != 5 {
		t.Errorf("on the server spec.size = %d, status.level = %d; want 1 and 5", size, level)
	}
	if f := appliedFields(t, back, "controller", "status"); !owns(f, "status", "level") || owns(f, "spec") {
		t.Errorf("controller's status entry %v; want status.level and no spec", f)
	}
	// Apply (not status) sends no status: the user's apply leaves it alone.
	back.Set("status.level", 0)
	if _, err := back.Apply(ctx, kobj.FieldManager("user")); err != nil {
		t.Fatal(err)
	}
	if level, _ := back.GetInt64("status.level"); level != 5 {
		t.Errorf("status.level = %d after the user's Apply, want 5", level)
	}
}

// waitEstablished polls a CRD until its Established condition is True.
func waitEstablished(ctx context.Context, t *testing.T, crd *kobj.Object) {
	t.Helper()
	for {
		if _, err := crd.Read(ctx); err != nil {
			t.Fatalf("Read CRD: %v", err)
		}
		conds, _ := crd.GetSlice("status.conditions")
		for _, cond := range conds {
			if m, _ := cond.(map[string]any); m["type"] == "Established" && m["status"] == "True" {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("CRD %s not Established: conditions %v", crd.Name(), conds)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// TestApplyBadInputSendsNothing is issue 11, Apply item 6: input the API
// cannot apply fails before any request (discovery warm, as in a running
// program).
func TestApplyBadInputSendsNothing(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c, log := newCountingClient(t)
	ns := newNamespace(t, c)
	if _, err := kobj.New("v1", "ConfigMapList").Read(ctx, kobj.WithClient(c), kobj.InNamespace(ns)); err != nil {
		t.Fatalf("warming up: %v", err)
	}
	cm := func() *kobj.Object { return newConfigMap("bad", ns, map[string]any{"k": "v"}).SetClient(c) }
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"no name", func() error {
			_, err := newConfigMap("", ns, nil).SetClient(c).Apply(ctx)
			return err
		}, "no name"},
		{"generateName", func() error {
			o := newConfigMap("", ns, nil).SetClient(c)
			o.Set("metadata.generateName", "bad-")
			_, err := o.Apply(ctx)
			return err
		}, "generateName"},
		{"kind List", func() error {
			o := load(t, "apiVersion: v1\nkind: List\nmetadata: {name: l}\nitems: []\n").SetClient(c)
			_, err := o.Apply(ctx)
			return err
		}, "list kind"},
		{"a typed list", func() error {
			_, err := kobj.New("v1", "ConfigMapList").SetName("l").SetClient(c).Apply(ctx)
			return err
		}, "list kind"},
		{"namespace for a cluster-scoped kind", func() error {
			_, err := kobj.New("v1", "Namespace").SetName("n").SetNamespace(ns).SetClient(c).Apply(ctx)
			return err
		}, "cluster-scoped"},
		{"empty field manager", func() error {
			_, err := cm().Apply(ctx, kobj.FieldManager(""))
			return err
		}, "needs a field manager"},
		{"field manager too long", func() error {
			_, err := cm().Apply(ctx, kobj.FieldManager(strings.Repeat("m", 129)))
			return err
		}, "at most 128 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log.Reset()
			err := tt.run()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if reqs := log.Requests(); len(reqs) != 0 {
				t.Errorf("sent %v", reqs)
			}
		})
	}
	if _, err := kobj.New("v1", "ConfigMap").SetName("bad").Read(ctx, kobj.WithClient(c), kobj.InNamespace(ns)); !apierrors.IsNotFound(err) {
		t.Errorf("after the bad inputs, Read: %v; want NotFound (nothing was created)", err)
	}
}

// TestApplyAfterReadInAKeyedList is item 4 on a keyed list: the deployer
// reads a Deployment whose sidecar container another manager applied,
// changes its own container's image and applies; the sidecar stays the
// other manager's.
func TestApplyAfterReadInAKeyedList(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	deployment := func(containers string) *kobj.Object {
		return load(t, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: `+ns+`}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: `+containers+`
`).SetClient(c)
	}
	if _, err := deployment(`[{name: app, image: "app:1"}]`).Apply(ctx, kobj.FieldManager("deployer")); err != nil {
		t.Fatal(err)
	}
	if _, err := deployment(`[{name: side, image: "side:1"}]`).Apply(ctx, kobj.FieldManager("injector")); err != nil {
		t.Fatal(err)
	}
	o, err := readFresh(ctx, c, "apps/v1", "Deployment", ns, "web")
	if err != nil {
		t.Fatal(err)
	}
	containers, _ := o.GetSlice("spec.template.spec.containers")
	if len(containers) != 2 {
		t.Fatalf("containers %v, want app and side", containers)
	}
	for _, ct := range containers {
		if m := ct.(map[string]any); m["name"] == "app" {
			m["image"] = "app:2"
		}
	}
	if _, err := o.Apply(ctx, kobj.FieldManager("deployer")); err != nil {
		t.Fatalf("deployer's Apply after Read: %v", err)
	}
	images := map[string]string{}
	containers, _ = o.GetSlice("spec.template.spec.containers")
	for _, ct := range containers {
		m := ct.(map[string]any)
		images[m["name"].(string)], _ = m["image"].(string)
	}
	if images["app"] != "app:2" || images["side"] != "side:1" {
		t.Errorf("images on the server %v, want app:2 and side:1", images)
	}
	path := []string{"spec", "template", "spec", "containers"}
	dep := ownedAt(appliedFields(t, o, "deployer", ""), path...)
	if _, ok := dep[`k:{"name":"app"}`]; !ok {
		t.Errorf("deployer does not own its container: %v", dep)
	}
	if _, ok := dep[`k:{"name":"side"}`]; ok {
		t.Errorf("deployer owns the sidecar: %v", dep)
	}
	inj := ownedAt(appliedFields(t, o, "injector", ""), path...)
	if _, ok := inj[`k:{"name":"side"}`]; !ok {
		t.Errorf("injector does not own the sidecar: %v", inj)
	}
}
