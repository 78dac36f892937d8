package operator_test

// Tests of r.Apply (issue 19, behaviour 6, and "Writes per converged
// reconcile: 0"), through a running Manager (helpOperator).

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

// TestApplyConvergedReconcileSendsNoWrites: a converged reconcile of a
// parent with 3 children (and its Ready condition) sends 0 writes, and no
// read either: everything is answered from the cache.
func TestApplyConvergedReconcileSendsNoWrites(t *testing.T) {
	t.Parallel()
	ctx := helpContext(t, 2*time.Minute)
	c := helpClient(t, nil)
	apiVersion := helpCRD(ctx, t, c, true)
	ns := testkit.NewNamespace(t, c, "help")
	site := helpWebsite(ctx, t, c, apiVersion, ns, "web", map[string]any{"color": "blue"})
	h := helpSites(t, apiVersion)
	reconcile := func(ctx context.Context, r *operator.Reconcile) (*kobj.ChangeSet, error) {
		cs, err := r.Apply(ctx, helpChildren(r)...)
		r.SetCondition("Ready", "True", "Rendered", "3 children")
		return cs, err
	}

	res := h.step(ctx, "web", "", reconcile)
	if res.err != nil {
		t.Fatal(res.err)
	}
	want := []string{"ConfigMap/web-a=Created", "ConfigMap/web-b=Created", "Secret/web-secret=Created"}
	if got := helpActions(res.cs); !slices.Equal(got, want) {
		t.Fatalf("first reconcile: %v; want %v", got, want)
	}
	for _, ch := range res.cs.Changes {
		refs := ch.Object.OwnerReferences()
		if len(refs) != 1 || refs[0].UID != site.UID() || refs[0].Controller == nil || !*refs[0].Controller {
			t.Errorf("%s ownerReferences = %+v; want one controller reference to %s", ch.Object, refs, site.UID())
		}
		if mf := ch.Object.Unstructured().GetManagedFields(); len(mf) != 1 || mf[0].Manager != helpManagerName || mf[0].Operation != "Apply" {
			t.Errorf("%s managedFields = %+v; want one Apply entry of %s", ch.Object, mf, helpManagerName)
		}
	}
	if len(res.writes) != 4 {
		t.Errorf("first reconcile sent %v; want 3 applies and the status write", res.writes)
	}

	res = h.step(ctx, "web", "", reconcile)
	if res.err != nil {
		t.Fatal(res.err)
	}
	want = []string{"ConfigMap/web-a=Unchanged", "ConfigMap/web-b=Unchanged", "Secret/web-secret=Unchanged"}
	if got := helpActions(res.cs); !slices.Equal(got, want) {
		t.Errorf("converged reconcile: %v; want %v", got, want)
	}
	if len(res.writes) != 0 {
		t.Errorf("converged reconcile sent %d writes: %v; want 0", len(res.writes), res.writes)
	}
	if len(res.reads) != 0 {
		t.Errorf("converged reconcile sent %d reads: %v; want 0 (cache)", len(res.reads), res.reads)
	}
	t.Logf("converged reconcile, 3 children + 1 condition: %d writes, %d reads", len(res.writes), len(res.reads))
}

// TestApplyChangedChildIsConfigured: a spec change reaches the one child
// it renders differently; the others send nothing; at once again, all
// are Unchanged (the cache waited for the write).
func TestApplyChangedChildIsConfigured(t *testing.T) {
	t.Parallel()
	ctx := helpContext(t, 2*time.Minute)
	c := helpClient(t, nil)
	apiVersion := helpCRD(ctx, t, c, true)
	ns := testkit.NewNamespace(t, c, "help")
	site := helpWebsite(ctx, t, c, apiVersion, ns, "web", map[string]any{"color": "blue"})
	h := helpSites(t, apiVersion)
	if res := h.apply(ctx, "web", ""); res.err != nil {
		t.Fatal(res.err)
	}
	if _, err := site.Edit(ctx, func(o *kobj.Object) error { return o.Set("spec.color", "green") }, kobj.RetryOnConflict()); err != nil {
		t.Fatal(err)
	}

	res := h.apply(ctx, "web", site.ResourceVersion())
	if res.err != nil {
		t.Fatal(res.err)
	}
	want := []string{"ConfigMap/web-a=Configured", "ConfigMap/web-b=Unchanged", "Secret/web-secret=Unchanged"}
	if got := helpActions(res.cs); !slices.Equal(got, want) {
		t.Errorf("after the spec change: %v; want %v", got, want)
	}
	if len(res.writes) != 1 || !strings.Contains(res.writes[0], "/configmaps/web-a") {
		t.Errorf("writes %v; want one, to web-a", res.writes)
	}
	back, err := helpRead(ctx, t, c, "v1", "ConfigMap", ns, "web-a")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := back.GetString("data.color"); got != "green" {
		t.Errorf("web-a data.color = %q; want green", got)
	}

	res = h.apply(ctx, "web", "")
	want = []string{"ConfigMap/web-a=Unchanged", "ConfigMap/web-b=Unchanged", "Secret/web-secret=Unchanged"}
	if got := helpActions(res.cs); res.err != nil || !slices.Equal(got, want) {
		t.Errorf("right after the write: %v, %v; want %v", got, res.err, want)
	}
	if len(res.writes) != 0 {
		t.Errorf("right after the write: writes %v; want none", res.writes)
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
	h := helpOperatorFor(t, apiVersion, operator.For(apiVersion, "Website").Owns("v1", "ConfigMap")) // not Secret

	// Another parent's child, and a ConfigMap nobody owns.
	if res := h.step(ctx, "other", "", func(ctx context.Context, r *operator.Reconcile) (*kobj.ChangeSet, error) {
		return r.Apply(ctx, helpConfigMap("other-a", nil))
	}); res.err != nil {
		t.Fatal(res.err)
	}
	if _, err := helpConfigMap("loose", nil).SetNamespace(ns).Create(ctx, kobj.WithClient(c)); err != nil {
		t.Fatal(err)
	}
	if res := h.apply(ctx, "web", ""); res.err != nil {
		t.Fatal(res.err)
	}

	res := h.step(ctx, "web", "", func(ctx context.Context, r *operator.Reconcile) (*kobj.ChangeSet, error) {
		return r.Apply(ctx, helpChildren(r)[:1]...) // web-a only
	})
	if res.err != nil {
		t.Fatal(res.err)
	}
	want := []string{"ConfigMap/web-a=Unchanged", "ConfigMap/web-b=Pruned"}
	if got := helpActions(res.cs); !slices.Equal(got, want) {
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
// controller, a child given twice, nil and a child with no name are
// refused, with a clear error, and nothing is written, not even the valid
// children.
func TestApplyRefusesChildrenItCannotOwn(t *testing.T) {
	t.Parallel()
	ctx := helpContext(t, 2*time.Minute)
	c := helpClient(t, nil)
	apiVersion := helpCRD(ctx, t, c, true)
	ns := testkit.NewNamespace(t, c, "help")
	helpWebsite(ctx, t, c, apiVersion, ns, "web", nil)
	h := helpSites(t, apiVersion)

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
		res := h.step(ctx, "web", "", func(ctx context.Context, r *operator.Reconcile) (*kobj.ChangeSet, error) {
			return r.Apply(ctx, tt.children...)
		})
		if res.err == nil || !strings.Contains(res.err.Error(), tt.want) {
			t.Errorf("%s: error %v; want one saying %q", tt.name, res.err, tt.want)
		}
		if len(res.writes) != 0 {
			t.Errorf("%s: writes %v; want none", tt.name, res.writes)
		}
		if tt.children[0] != nil && len(tt.children[0].OwnerReferences()) != 0 {
			t.Errorf("%s: the valid child got an owner reference although the call was refused", tt.name)
		}
	}
	if _, err := helpRead(ctx, t, c, "v1", "ConfigMap", ns, "ok"); !apierrors.IsNotFound(err) {
		t.Errorf("ConfigMap ok: %v; want NotFound (nothing written)", err)
	}
}

// helpDeployment renders a Deployment child of the Website (no kubelet
// runs: its Pod stays Pending, but kube-controller-manager writes the
// Deployment's status).
func helpDeployment(name string) *kobj.Object {
	labels := map[string]any{"app": name}
	d := kobj.New("apps/v1", "Deployment").SetName(name)
	_ = d.Set("spec", map[string]any{
		"replicas": int64(1),
		"selector": map[string]any{"matchLabels": labels},
		"template": map[string]any{
			"metadata": map[string]any{"labels": labels},
			"spec":     map[string]any{"containers": []any{map[string]any{"name": "web", "image": "nginx:1.27"}}},
		},
	})
	return d
}

// TestApplyUnchangedChildHoldsServerState: after r.Apply, a child that
// was converged (Unchanged, nothing sent) holds the object as the server
// holds it, status included, so that the reconciler reads its readiness
// from it; Change.Object is that child.
func TestApplyUnchangedChildHoldsServerState(t *testing.T) {
	t.Parallel()
	ctx := helpContext(t, 2*time.Minute)
	c := helpClient(t, nil)
	apiVersion := helpCRD(ctx, t, c, true)
	ns := testkit.NewNamespace(t, c, "help")
	helpWebsite(ctx, t, c, apiVersion, ns, "web", nil)
	h := helpOperatorFor(t, apiVersion, operator.For(apiVersion, "Website").Owns("apps/v1", "Deployment"))

	if res := h.step(ctx, "web", "", func(ctx context.Context, r *operator.Reconcile) (*kobj.ChangeSet, error) {
		return r.Apply(ctx, helpDeployment("web"))
	}); res.err != nil || len(res.cs.Changes) != 1 || res.cs.Changes[0].Action != kobj.Created {
		t.Fatalf("first apply: %v, %v; want the Deployment Created", helpActions(res.cs), res.err)
	}
	// Reconcile until the cache holds a status (written by the
	// Deployment controller) and the apply is Unchanged.
	for {
		var child, cached *kobj.Object
		res := h.step(ctx, "web", "", func(ctx context.Context, r *operator.Reconcile) (*kobj.ChangeSet, error) {
			child = helpDeployment("web")
			cs, err := r.Apply(ctx, child)
			if err != nil {
				return cs, err
			}
			cached, err = h.m.Cache().Get(ctx, "apps/v1", "Deployment", ns, "web")
			return cs, err
		})
		if res.err != nil {
			t.Fatal(res.err)
		}
		if _, ok := cached.Get("status.observedGeneration"); !ok || res.cs.Changes[0].Action != kobj.Unchanged {
			if len(res.writes) > 0 && res.cs.Changes[0].Action != kobj.Unchanged {
				t.Fatalf("a converged Deployment was sent again: %v, %v", helpActions(res.cs), res.writes)
			}
			select {
			case <-ctx.Done():
				t.Fatalf("no status in the cache, or never Unchanged: %v; last cached %s", helpActions(res.cs), cached)
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		if res.cs.Changes[0].Object != child {
			t.Error("Change.Object is not the child given")
		}
		if len(res.writes) != 0 {
			t.Errorf("Unchanged apply sent %v", res.writes)
		}
		if child.ResourceVersion() != cached.ResourceVersion() || !child.Equal(cached) {
			t.Errorf("the Unchanged child differs from the cached Deployment: %v", child.Diff(cached))
		}
		st, _ := child.GetMap("status")
		if len(st) == 0 {
			t.Fatalf("the Unchanged child has no status: %s", child)
		}
		if got, want := child.Readiness(), cached.Readiness(); got != want {
			t.Errorf("child.Readiness() = %+v; want the cached Deployment's, %+v", got, want)
		}
		t.Logf("Unchanged Deployment child: status %v, readiness %+v", st, child.Readiness())
		return
	}
}
