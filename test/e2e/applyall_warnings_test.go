package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/kobj-dev/kobj"
)

// deprecationCounter counts the warnings that say a kind is deprecated.
type deprecationCounter struct {
	mu    sync.Mutex
	texts []string
}

func (d *deprecationCounter) HandleWarningHeaderWithContext(_ context.Context, _ int, _, text string) {
	if strings.Contains(text, "deprecated") {
		d.mu.Lock()
		defer d.mu.Unlock()
		d.texts = append(d.texts, text)
	}
}

func (d *deprecationCounter) take() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	t := d.texts
	d.texts = nil
	return t
}

// TestApplyAllWarnsOncePerCall: the server warns that v1 Endpoints is
// deprecated on the read and on the apply of an Endpoints object; each
// ApplyAll (a create, then a change) hands the warning to the handler
// once, as kubectl shows it once (it reached the handler twice).
func TestApplyAllWarnsOncePerCall(t *testing.T) {
	requireServerVersion(t, "1.33", "v1 Endpoints is deprecated, and warned about, from v1.33")
	t.Parallel()
	ctx := testContext(t, time.Minute)
	counter := &deprecationCounter{}
	cc := rest.CopyConfig(cfg)
	cc.WarningHandler, cc.WarningHandlerWithContext = nil, counter
	c, err := kobj.NewClient(cc, kobj.CacheDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	ns := newNamespace(t, c)
	for round, want := range []kobj.ChangeAction{kobj.Created, kobj.Configured} {
		ep := load(t, fmt.Sprintf(`{apiVersion: v1, kind: Endpoints, metadata: {name: ep, namespace: %s, labels: {round: "%d"}}}`, ns, round))
		cs, err := c.ApplyAll(ctx, []*kobj.Object{ep})
		if err != nil {
			t.Fatal(err)
		}
		if got := cs.Changes[0].Action; got != want {
			t.Fatalf("round %d: %s, want %s", round+1, got, want)
		}
		if got := counter.take(); len(got) != 1 {
			t.Errorf("round %d: deprecation warnings handed on %q, want one", round+1, got)
		}
	}
}
