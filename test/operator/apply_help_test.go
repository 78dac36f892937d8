package operator_test

// Tests of r.Apply (issue 19, behaviour 6, and "Writes per converged
// reconcile: 0"). TEMPORARY: they build each Reconcile with the stub hook
// operator.TestManager.NewReconcileForTest (zz_stub_help.go) and call
// FlushForTest where the controller would flush; the lead rewires them
// through For(...).Reconcile(...) once the real controller lands.

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	"github.com/kobj-dev/kobj/test/internal/testkit"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

const helpManagerName = "kobj-operator-website"

// helpSiteController is the controller of the tests: Websites owning
// ConfigMaps and Secrets.
func helpSiteController(apiVersion string) operator.TestController {
	return operator.TestController{APIVersion: apiVersion, Kind: "Website",
		Owns:         [][2]string{{"v1", "ConfigMap"}, {"v1", "Secret"}},
		FieldManager: helpManagerName}
}

// helpReconcile runs one reconcile of the Website ns/name: render
// returns what it applies; conditions are flushed as the controller
// would after it returns.
func helpReconcile(ctx context.Context, t *testing.T, m *operator.TestManager, tc operator.TestController, ns, name string,
	body func(r *operator.Reconcile) (*kobj.ChangeSet, error)) (*kobj.ChangeSet, error) {
	t.Helper()
	r, err := m.NewReconcileForTest(ctx, tc, operator.Request{APIVersion: tc.APIVersion, Kind: tc.Kind, Namespace: ns, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := body(r)
	if ferr := r.FlushForTest(ctx); ferr != nil && err == nil {
		err = ferr
	}
	return cs, err
}

// helpChildren renders the Website's three children from its spec.
func helpChildren(r *operator.Reconcile) []*kobj.Object {
	color, _ := r.Object.GetString("spec.color")
	s := kobj.New("v1", "Secret").SetName(r.Object.Name() + "-secret")
	// data, not stringData: the server turns stringData into data, so
	// an apply of stringData can never be seen converged (see the note).
	_ = s.Set("data", map[string]any{"token": "dDA="})
	return []*kobj.Object{
		helpConfigMap(r.Object.Name()+"-a", map[string]any{"color": color}),
		helpConfigMap(r.Object.Name()+"-b", map[string]any{"k": "v"}),
		s,
	}
}

// TestApplyConvergedReconcileSendsNoWrites: a converged reconcile of a
// parent with 3 children (and its Ready condition) sends 0 writes, and no
// read either: everything is answered from the cache.
func TestApplyConvergedReconcileSendsNoWrites(t *testing.T) {
	t.Parallel()
	ctx := helpContext(t, 2*time.Minute)
	log := &testkit.RequestLog{}
	c := helpClient(t, log)
	apiVersion := helpCRD(ctx, t, c, true)
	ns := testkit.NewNamespace(t, c, "help")
	site := helpWebsite(ctx, t, c, apiVersion, ns, "web", map[string]any{"color": "blue"})
	m := helpManager(t, c)
	tc := helpSiteController(apiVersion)
	reconcile := func(r *operator.Reconcile) (*kobj.ChangeSet, error) {
		cs, err := r.Apply(ctx, helpChildren(r)...)
		r.SetCondition("Ready", "True", "Rendered", "3 children")
		return cs, err
	}

	cs, err := helpReconcile(ctx, t, m, tc, ns, "web", reconcile)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ConfigMap/web-a=Created", "ConfigMap/web-b=Created", "Secret/web-secret=Created"}
	if got := helpActions(cs); !slices.Equal(got, want) {
		t.Fatalf("first reconcile: %v; want %v", got, want)
	}
	for _, ch := range cs.Changes {
		refs := ch.Object.OwnerReferences()
		if len(refs) != 1 || refs[0].UID != site.UID() || refs[0].Controller == nil || !*refs[0].Controller {
			t.Errorf("%s ownerReferences = %+v; want one controller reference to %s", ch.Object, refs, site.UID())
		}
		if mf := ch.Object.Unstructured().GetManagedFields(); len(mf) != 1 || mf[0].Manager != helpManagerName || mf[0].Operation != "Apply" {
			t.Errorf("%s managedFields = %+v; want one Apply entry of %s", ch.Object, mf, helpManagerName)
		}
	}

	log.Reset()
	cs, err = helpReconcile(ctx, t, m, tc, ns, "web", reconcile)
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"ConfigMap/web-a=Unchanged", "ConfigMap/web-b=Unchanged", "Secret/web-secret=Unchanged"}
	if got := helpActions(cs); !slices.Equal(got, want) {
		t.Errorf("converged reconcile: %v; want %v", got, want)
	}
	if w := helpWrites(log); len(w) != 0 {
		t.Errorf("converged reconcile sent %d writes: %v; want 0", len(w), w)
	}
	if rd := helpReads(log); len(rd) != 0 {
		t.Errorf("converged reconcile sent %d reads: %v; want 0 (cache)", len(rd), rd)
	}
	t.Logf("converged reconcile, 3 children + 1 condition: %d writes, %d requests in all", len(helpWrites(log)), log.Count())
}

// TestApplyChangedChildIsConfigured: a spec change reaches the one child
// it renders differently; the others send nothing.
func TestApplyChangedChildIsConfigured(t *testing.T) {
	t.Parallel()
	ctx := helpContext(t, 2*time.Minute)
	log := &testkit.RequestLog{}
	c := helpClient(t, log)
	apiVersion := helpCRD(ctx, t, c, true)
	ns := testkit.NewNamespace(t, c, "help")
	site := helpWebsite(ctx, t, c, apiVersion, ns, "web", map[string]any{"color": "blue"})
	m := helpManager(t, c)
	tc := helpSiteController(apiVersion)
	apply := func(r *operator.Reconcile) (*kobj.ChangeSet, error) { return r.Apply(ctx, helpChildren(r)...) }
	if _, err := helpReconcile(ctx, t, m, tc, ns, "web", apply); err != nil {
		t.Fatal(err)
	}
	if _, err := site.Edit(ctx, func(o *kobj.Object) error { return o.Set("spec.color", "green") }, kobj.RetryOnConflict()); err != nil {
		t.Fatal(err)
	}
	// The stub cache must see the edit before the next reconcile, as the
	// controller's would before queueing it.
	m.ExpectForTest(apiVersion, "Website", ns, "web", site.ResourceVersion())

	log.Reset()
	cs, err := helpReconcile(ctx, t, m, tc, ns, "web", apply)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ConfigMap/web-a=Configured", "ConfigMap/web-b=Unchanged", "Secret/web-secret=Unchanged"}
	if got := helpActions(cs); !slices.Equal(got, want) {
		t.Errorf("after the spec change: %v; want %v", got, want)
	}
	if w := helpWrites(log); len(w) != 1 || !strings.Contains(w[0], "/configmaps/web-a") {
		t.Errorf("writes %v; want one, to web-a", w)
	}
	back, err := helpRead(ctx, t, c, "v1", "ConfigMap", ns, "web-a")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := back.GetString("data.color"); got != "green" {
		t.Errorf("web-a data.color = %q; want green", got)
	}

	// At once again: the cache waited for the write (expect), so the
	// check sees web-a converged.
	log.Reset()
	if cs, err = helpReconcile(ctx, t, m, tc, ns, "web", apply); err != nil {
		t.Fatal(err)
	}
	want = []string{"ConfigMap/web-a=Unchanged", "ConfigMap/web-b=Unchanged", "Secret/web-secret=Unchanged"}
	if got := helpActions(cs); !slices.Equal(got, want) {
		t.Errorf("right after the write: %v; want %v", got, want)
	}
	if w := helpWrites(log); len(w) != 0 {
		t.Errorf("right after the write: writes %v; want none", w)
	}
}

// TestApplyPrunesChildrenNoLongerRendered: a child rendered before and not
// now is deleted; objects of the same kinds that this parent does not
// control, and kinds the controller does not own, are left alone.
func TestApplyPrunesChildrenNoLongerRendered(t *testing.T) {
	t.Parallel()
	ctx := helpContext(t, 2*time.Minute)
	c := helpClient(t, nil)
	apiVersion := helpCRD(ctx, t, c, true)
	ns := testkit.NewNamespace(t, c, "help")
	helpWebsite(ctx, t, c, apiVersion, ns, "web", map[string]any{"color": "blue"})
	helpWebsite(ctx, t, c, apiVersion, ns, "other", map[string]any{"color": "red"})
	m := helpManager(t, c)
	tc := helpSiteController(apiVersion)
	tc.Owns = [][2]string{{"v1", "ConfigMap"}} // not Secret

	// Another parent's child, and a ConfigMap nobody owns.
	if _, err := helpReconcile(ctx, t, m, tc, ns, "other", func(r *operator.Reconcile) (*kobj.ChangeSet, error) {
		return r.Apply(ctx, helpConfigMap("other-a", nil))
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := helpConfigMap("loose", nil).SetNamespace(ns).Create(ctx, kobj.WithClient(c)); err != nil {
		t.Fatal(err)
	}
	if _, err := helpReconcile(ctx, t, m, tc, ns, "web", func(r *operator.Reconcile) (*kobj.ChangeSet, error) {
		return r.Apply(ctx, helpChildren(r)...)
	}); err != nil {
		t.Fatal(err)
	}

	cs, err := helpReconcile(ctx, t, m, tc, ns, "web", func(r *operator.Reconcile) (*kobj.ChangeSet, error) {
		return r.Apply(ctx, helpChildren(r)[:1]...) // web-a only
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ConfigMap/web-a=Unchanged", "ConfigMap/web-b=Pruned"}
	if got := helpActions(cs); !slices.Equal(got, want) {
		t.Errorf("changes %v; want %v", got, want)
	}
	if _, err := helpRead(ctx, t, c, "v1", "ConfigMap", ns, "web-b"); !apierrors.IsNotFound(err) {
		t.Errorf("web-b after prune: %v; want NotFound", err)
	}
	for _, keep := range []struct{ kind, name string }{{"ConfigMap", "other-a"}, {"ConfigMap", "loose"}, {"Secret", "web-secret"}} {
		if _, err := helpRead(ctx, t, c, "v1", keep.kind, ns, keep.name); err != nil {
			t.Errorf("%s %s: %v; want it kept", keep.kind, keep.name, err)
		}
	}
}

// TestApplyRefusesChildrenItCannotOwn: a child in another namespace, a
// cluster-scoped child of a namespaced parent, a child with another
// controller and a child given twice are refused, with a clear error,
// and nothing is written, not even the valid children.
func TestApplyRefusesChildrenItCannotOwn(t *testing.T) {
	t.Parallel()
	ctx := helpContext(t, 2*time.Minute)
	log := &testkit.RequestLog{}
	c := helpClient(t, log)
	apiVersion := helpCRD(ctx, t, c, true)
	ns := testkit.NewNamespace(t, c, "help")
	helpWebsite(ctx, t, c, apiVersion, ns, "web", nil)
	m := helpManager(t, c)
	tc := helpSiteController(apiVersion)

	other := helpConfigMap("elsewhere", nil).SetNamespace("default")
	foreign := helpConfigMap("foreign", nil)
	foreignOwner := kobj.New("v1", "ConfigMap").SetName("boss").SetNamespace(ns)
	_ = foreignOwner.Set("metadata.uid", "00000000-0000-0000-0000-000000000001")
	if err := foreign.SetNamespace(ns).AddOwnerReference(foreignOwner, true); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		children []*kobj.Object
		want     string
	}{
		{"other namespace", []*kobj.Object{helpConfigMap("ok", nil), other}, `in namespace "default", the parent in "` + ns},
		{"cluster-scoped", []*kobj.Object{helpConfigMap("ok", nil), kobj.New("rbac.authorization.k8s.io/v1", "ClusterRole").SetName("help-cr")},
			"cluster-scoped and the parent is namespaced"},
		{"another controller", []*kobj.Object{helpConfigMap("ok", nil), foreign}, "already has a controller"},
		{"twice", []*kobj.Object{helpConfigMap("ok", nil), helpConfigMap("ok", nil)}, "given twice"},
		{"nil", []*kobj.Object{helpConfigMap("ok", nil), nil}, "child 1 is nil"},
		{"no name", []*kobj.Object{kobj.New("v1", "ConfigMap")}, "no metadata.name"},
	}
	for _, tt := range cases {
		log.Reset()
		_, err := helpReconcile(ctx, t, m, tc, ns, "web", func(r *operator.Reconcile) (*kobj.ChangeSet, error) {
			return r.Apply(ctx, tt.children...)
		})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v; want one saying %q", tt.name, err, tt.want)
		}
		if w := helpWrites(log); len(w) != 0 {
			t.Errorf("%s: writes %v; want none", tt.name, w)
		}
		if tt.children[0] != nil && len(tt.children[0].OwnerReferences()) != 0 {
			t.Errorf("%s: the valid child got an owner reference although the call was refused", tt.name)
		}
	}
	if _, err := helpRead(ctx, t, c, "v1", "ConfigMap", ns, "ok"); !apierrors.IsNotFound(err) {
		t.Errorf("ConfigMap ok: %v; want NotFound (nothing written)", err)
	}
}
