package operator_test

// Tests of r.SetCondition and the write after the reconcile (issue 19,
// behaviour 7), through a running Manager (helpOperator).

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	"github.com/kobj-dev/kobj/test/internal/testkit"
)

// helpCondition returns the condition typ of the Website ns/name as the
// server holds it (nil: none), with the object.
func helpCondition(ctx context.Context, t *testing.T, c *kobj.Client, apiVersion, ns, name, typ string) (map[string]any, *kobj.Object) {
	t.Helper()
	o, err := helpRead(ctx, t, c, apiVersion, "Website", ns, name)
	if err != nil {
		t.Fatal(err)
	}
	conds, _ := o.GetSlice("status.conditions")
	for _, cd := range conds {
		if m, _ := cd.(map[string]any); m["type"] == typ {
			return m, o
		}
	}
	return nil, o
}

// helpSetConditions runs a reconcile of the Website name, once it has
// reached resourceVersion after, that sets conds (type, status, reason,
// message each), and returns the writes it sent and the error the
// controller logged for it (the write of the conditions fails there).
func helpSetConditions(ctx context.Context, t *testing.T, h *helpOperator, name, after string, conds ...[4]string) ([]string, error) {
	t.Helper()
	res := h.step(ctx, name, after, func(ctx context.Context, r *operator.Reconcile) (*kobj.ChangeSet, error) {
		for _, cd := range conds {
			r.SetCondition(cd[0], cd[1], cd[2], cd[3])
		}
		return nil, nil
	})
	if len(res.logged) > 0 {
		return res.writes, errors.New(strings.Join(res.logged, "\n"))
	}
	return res.writes, nil
}

// TestConditionWrittenOnlyWhenChanged: a condition is written once;
// setting it again unchanged writes nothing; a new reason or message is
// written and keeps lastTransitionTime; a new status moves it; a new
// generation is written as observedGeneration.
func TestConditionWrittenOnlyWhenChanged(t *testing.T) {
	t.Parallel()
	ctx := helpContext(t, 2*time.Minute)
	c := helpClient(t, nil)
	apiVersion := helpCRD(ctx, t, c, true)
	ns := testkit.NewNamespace(t, c, "help")
	site := helpWebsite(ctx, t, c, apiVersion, ns, "web", map[string]any{"color": "blue"})
	h := helpSites(t, apiVersion)

	w, err := helpSetConditions(ctx, t, h, "web", "", [4]string{"Ready", "False", "Waiting", "children pending"})
	if err != nil {
		t.Fatal(err)
	}
	if len(w) != 1 || !strings.HasSuffix(strings.Split(w[0], "?")[0], "/websites/web/status") {
		t.Fatalf("first SetCondition wrote %v; want one write of the status", w)
	}
	cond, o := helpCondition(ctx, t, c, apiVersion, ns, "web", "Ready")
	if cond == nil || cond["status"] != "False" || cond["reason"] != "Waiting" || cond["message"] != "children pending" {
		t.Fatalf("Ready = %v", cond)
	}
	if g, _ := cond["observedGeneration"].(int64); g != site.Generation() {
		t.Errorf("observedGeneration = %v; want %d", cond["observedGeneration"], site.Generation())
	}
	applied := false
	for _, mf := range o.Unstructured().GetManagedFields() {
		applied = applied || mf.Manager == helpManagerName && mf.Subresource == "status" && mf.Operation == "Apply"
	}
	if !applied {
		t.Errorf("no Apply entry of %s on status: %+v", helpManagerName, o.Unstructured().GetManagedFields())
	}

	// An old lastTransitionTime, to see whether it moves.
	const old = "2020-01-01T00:00:00Z"
	seed := kobj.New(apiVersion, "Website").SetName("web").SetNamespace(ns).SetClient(c)
	_ = seed.Set("status.conditions", []any{map[string]any{"type": "Ready", "status": "False", "reason": "Waiting",
		"message": "children pending", "observedGeneration": site.Generation(), "lastTransitionTime": old}})
	if _, err := seed.ApplyStatus(ctx, kobj.FieldManager(helpManagerName)); err != nil {
		t.Fatal(err)
	}

	if w, err := helpSetConditions(ctx, t, h, "web", seed.ResourceVersion(), [4]string{"Ready", "False", "Waiting", "children pending"}); err != nil || len(w) != 0 {
		t.Errorf("unchanged condition: writes %v, err %v; want none", w, err)
	}
	if w, err := helpSetConditions(ctx, t, h, "web", "", [4]string{"Ready", "False", "Waiting", "1 child pending"}); err != nil || len(w) != 1 {
		t.Errorf("new message: writes %v, err %v; want one", w, err)
	}
	if cond, _ := helpCondition(ctx, t, c, apiVersion, ns, "web", "Ready"); cond["message"] != "1 child pending" || cond["lastTransitionTime"] != old {
		t.Errorf("after a new message, Ready = %v; want the message and lastTransitionTime %s", cond, old)
	}
	if w, err := helpSetConditions(ctx, t, h, "web", "", [4]string{"Ready", "True", "Available", "all ready"}); err != nil || len(w) != 1 {
		t.Errorf("new status: writes %v, err %v; want one", w, err)
	}
	if cond, _ := helpCondition(ctx, t, c, apiVersion, ns, "web", "Ready"); cond["status"] != "True" || cond["lastTransitionTime"] == old {
		t.Errorf("after a new status, Ready = %v; want True and lastTransitionTime moved from %s", cond, old)
	}

	if _, err := site.Edit(ctx, func(o *kobj.Object) error { return o.Set("spec.color", "green") }, kobj.RetryOnConflict()); err != nil {
		t.Fatal(err)
	}
	if w, err := helpSetConditions(ctx, t, h, "web", site.ResourceVersion(), [4]string{"Ready", "True", "Available", "all ready"}); err != nil || len(w) != 1 {
		t.Errorf("new generation: writes %v, err %v; want one", w, err)
	}
	if cond, _ := helpCondition(ctx, t, c, apiVersion, ns, "web", "Ready"); cond["observedGeneration"] != site.Generation() {
		t.Errorf("after a spec change, observedGeneration = %v; want %d", cond["observedGeneration"], site.Generation())
	}
}

// TestConditionKeepsOtherConditions: with a map list, another writer's
// condition stays its own, and a condition this controller set before and
// not in this reconcile stays as it was.
func TestConditionKeepsOtherConditions(t *testing.T) {
	t.Parallel()
	ctx := helpContext(t, 2*time.Minute)
	c := helpClient(t, nil)
	apiVersion := helpCRD(ctx, t, c, true)
	ns := testkit.NewNamespace(t, c, "help")
	helpWebsite(ctx, t, c, apiVersion, ns, "web", nil)
	h := helpSites(t, apiVersion)

	other := kobj.New(apiVersion, "Website").SetName("web").SetNamespace(ns).SetClient(c)
	_ = other.Set("status.conditions", []any{map[string]any{"type": "External", "status": "True", "reason": "Seen",
		"message": "by another controller", "lastTransitionTime": "2021-01-01T00:00:00Z"}})
	if _, err := other.ApplyStatus(ctx, kobj.FieldManager("someone-else")); err != nil {
		t.Fatal(err)
	}
	if _, err := helpSetConditions(ctx, t, h, "web", other.ResourceVersion(), [4]string{"Ready", "False", "Waiting", "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := helpSetConditions(ctx, t, h, "web", "", [4]string{"Progressing", "True", "Rolling", "y"}); err != nil {
		t.Fatal(err)
	}
	_, o := helpCondition(ctx, t, c, apiVersion, ns, "web", "")
	conds, _ := o.GetSlice("status.conditions")
	var types []string
	for _, cd := range conds {
		types = append(types, cd.(map[string]any)["type"].(string))
	}
	slices.Sort(types)
	if want := []string{"External", "Progressing", "Ready"}; !slices.Equal(types, want) {
		t.Errorf("conditions %v; want %v", types, want)
	}
	for _, mf := range o.Unstructured().GetManagedFields() {
		if mf.Manager == "someone-else" && !strings.Contains(string(mf.FieldsV1.Raw), `"k:{\"type\":\"External\"}"`) {
			t.Errorf("someone-else lost the External condition: %s", mf.FieldsV1.Raw)
		}
		if mf.Manager == helpManagerName && strings.Contains(string(mf.FieldsV1.Raw), "External") {
			t.Errorf("%s took the External condition: %s", helpManagerName, mf.FieldsV1.Raw)
		}
	}
}

// TestConditionAtomicListKeepsOtherValues: a conditions list without
// x-kubernetes-list-type: map is one field for server-side apply: the
// write sends it whole, so another writer's condition keeps its value.
func TestConditionAtomicListKeepsOtherValues(t *testing.T) {
	t.Parallel()
	ctx := helpContext(t, 2*time.Minute)
	c := helpClient(t, nil)
	apiVersion := helpCRD(ctx, t, c, false)
	ns := testkit.NewNamespace(t, c, "help")
	helpWebsite(ctx, t, c, apiVersion, ns, "web", nil)
	h := helpSites(t, apiVersion)

	other := kobj.New(apiVersion, "Website").SetName("web").SetNamespace(ns).SetClient(c)
	_ = other.Set("status.conditions", []any{map[string]any{"type": "External", "status": "True", "reason": "Seen",
		"message": "by another controller", "lastTransitionTime": "2021-01-01T00:00:00Z"}})
	if _, err := other.ApplyStatus(ctx, kobj.FieldManager("someone-else")); err != nil {
		t.Fatal(err)
	}
	if _, err := helpSetConditions(ctx, t, h, "web", other.ResourceVersion(), [4]string{"Ready", "False", "Waiting", "x"}); err != nil {
		t.Fatal(err)
	}
	if ext, _ := helpCondition(ctx, t, c, apiVersion, ns, "web", "External"); ext == nil || ext["message"] != "by another controller" {
		t.Errorf("External = %v; want it kept", ext)
	}
	if ready, _ := helpCondition(ctx, t, c, apiVersion, ns, "web", "Ready"); ready == nil {
		t.Error("Ready not written")
	}
	if w, err := helpSetConditions(ctx, t, h, "web", "", [4]string{"Ready", "False", "Waiting", "x"}); err != nil || len(w) != 0 {
		t.Errorf("unchanged condition on an atomic list: writes %v, err %v; want none", w, err)
	}
}

// TestConditionBadInputWritesNothing: an empty type or reason, or a status
// other than True/False/Unknown, fails the write, naming the condition.
func TestConditionBadInputWritesNothing(t *testing.T) {
	t.Parallel()
	ctx := helpContext(t, 2*time.Minute)
	c := helpClient(t, nil)
	apiVersion := helpCRD(ctx, t, c, true)
	ns := testkit.NewNamespace(t, c, "help")
	helpWebsite(ctx, t, c, apiVersion, ns, "web", nil)
	h := helpSites(t, apiVersion)
	for _, tt := range []struct {
		cond [4]string
		want string
	}{
		{[4]string{"", "True", "R", "m"}, "empty type"},
		{[4]string{"Ready", "Yes", "R", "m"}, `status "Yes" is not True, False or Unknown`},
		{[4]string{"Ready", "True", "", "m"}, "condition Ready: empty reason"},
	} {
		w, err := helpSetConditions(ctx, t, h, "web", "", tt.cond)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v; want one saying %q", tt.cond, err, tt.want)
		}
		if len(w) != 0 {
			t.Errorf("%v: writes %v; want none", tt.cond, w)
		}
	}
}
