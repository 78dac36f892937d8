package e2e

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
)

// TestApplyAllFailsAtOnceOnATerminatingNamespace (issue 17, defect 1): a
// set holding a Namespace that is being deleted fails at once with an
// error saying it is terminating, rather than waiting for it to turn
// Active until the deadline. This control plane runs no namespace
// controller: a deleted Namespace keeps its "kubernetes" finalizer and
// stays Terminating, as one does on a cluster while it is emptied.
func TestApplyAllFailsAtOnceOnATerminatingNamespace(t *testing.T) {
	t.Parallel()
	// The deadline only ends a wait that never would (before the fix);
	// the test asserts that ApplyAll returned before it.
	ctx := testContext(t, 30*time.Second)
	c := newClient(t)
	ns := uniqueName(t, "term")
	if _, err := load(t, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n").Create(ctx, kobj.WithClient(c)); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	if _, err := kobj.New("v1", "Namespace").SetName(ns).Delete(ctx, kobj.WithClient(c)); err != nil {
		t.Fatalf("delete namespace: %v", err)
	}
	live, err := readFresh(ctx, c, "v1", "Namespace", "", ns)
	if err != nil {
		t.Fatalf("the deleted namespace is not there to test with: %v", err)
	}
	if phase := mustString(t, live, "status.phase"); phase != "Terminating" {
		t.Fatalf("deleted namespace %s has phase %q, want Terminating", ns, phase)
	}

	set := loadSet(t, strings.NewReplacer("$NS", ns).Replace(`
apiVersion: v1
kind: Namespace
metadata:
  name: $NS
  labels: {team: shop}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: $NS
data:
  color: blue
`))
	cs, err := c.ApplyAll(ctx, set)
	switch {
	case ctx.Err() != nil:
		t.Fatalf("ApplyAll ran to the deadline: %v", err)
	case err == nil:
		t.Fatalf("ApplyAll succeeded into a terminating namespace: %v", actions(cs))
	case !errors.Is(err, kobj.ErrConditionFailed) || !strings.Contains(err.Error(), "namespace "+ns+" is terminating"):
		t.Fatalf("error %v, want ErrConditionFailed saying namespace %s is terminating", err, ns)
	}
	if len(cs.Changes) != 1 || cs.Changes[0].Object.Kind() != "Namespace" || cs.Changes[0].Err == nil {
		t.Fatalf("changes %v, want the Namespace alone, with its error", actions(cs))
	}
}
