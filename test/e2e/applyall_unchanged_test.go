package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
)

// TestApplyAllBareNamespaceIsUnchanged (issue 17, defect 5): a Namespace
// whose manifest sets nothing beyond its name is created without a
// managedFields entry for its manager; applying it again is Unchanged and
// sends no write (it sent an apply that wrote once, Configured).
func TestApplyAllBareNamespaceIsUnchanged(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c, log := newCountingClient(t)
	name := uniqueName(t, "bare")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := kobj.New("v1", "Namespace").Delete(ctx, kobj.Named(name), kobj.WithClient(c)); err != nil {
			t.Logf("deleting Namespace %s: %v", name, err)
		}
	})
	for round, want := range []kobj.ChangeAction{kobj.Created, kobj.Unchanged, kobj.Unchanged} {
		log.Reset()
		ns := load(t, fmt.Sprintf("{apiVersion: v1, kind: Namespace, metadata: {name: %s}}", name))
		cs, err := c.ApplyAll(ctx, []*kobj.Object{ns})
		if err != nil {
			t.Fatal(err)
		}
		if got := cs.Changes[0].Action; got != want {
			t.Errorf("round %d: %s, want %s", round+1, got, want)
		}
		if round > 0 {
			if w := writeRequests(log.Requests()); len(w) > 0 {
				t.Errorf("round %d: writes %v, want none", round+1, w)
			}
		}
	}
}
