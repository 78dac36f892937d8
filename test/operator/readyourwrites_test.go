package operator_test

// Read your own writes (issue 19, behaviour 2): after r.Apply, the
// manager's cache answers with the version just written, in the same
// reconcile; after the status write that follows a reconcile, the next
// reconcile is handed the object with it.

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	"github.com/kobj-dev/kobj/test/internal/testkit"
)

// TestReadYourOwnWrites: each of 20 reconciles applies a child 5 times,
// each time with new data, and reads it back from m.Cache() at once: every
// read has the resourceVersion and the data just written. Each reconcile
// also sets a condition; the next one is handed the Website with it, and
// m.Cache() answers with it too. It fails when the cache does not wait for
// the operator's writes (the informer has not seen them yet). It logs the
// latency of a cache Get right after a write (p50, p99), and of one
// without a write before it.
func TestReadYourOwnWrites(t *testing.T) {
	t.Parallel()
	ctx := helpContext(t, 3*time.Minute)
	c := helpClient(t, nil)
	apiVersion := helpCRD(ctx, t, c, true)
	ns := testkit.NewNamespace(t, c, "help")
	helpWebsite(ctx, t, c, apiVersion, ns, "web", nil)
	h := helpSites(t, apiVersion)
	cache := h.m.Cache()

	const steps, writes = 20, 5
	var afterWrite, plain []time.Duration
	for s := range steps {
		res := h.step(ctx, "web", "", func(ctx context.Context, r *operator.Reconcile) (*kobj.ChangeSet, error) {
			var problems []string
			if s > 0 {
				want := strconv.Itoa(s - 1)
				if got := helpConditionMessage(r.Object, "Written"); got != want {
					problems = append(problems, fmt.Sprintf("handed the Website with condition message %q; want %q (the last reconcile's)", got, want))
				}
				site, err := cache.Get(ctx, apiVersion, "Website", ns, "web")
				if err != nil {
					return nil, err
				}
				if got := helpConditionMessage(site, "Written"); got != want {
					problems = append(problems, fmt.Sprintf("Cache().Get of the Website: condition message %q; want %q", got, want))
				}
			}
			for w := range writes {
				i := strconv.Itoa(s*writes + w)
				cs, err := r.Apply(ctx, helpConfigMap("web-a", map[string]any{"i": i}))
				if err != nil {
					return cs, err
				}
				rv := cs.Changes[0].Object.ResourceVersion()
				start := time.Now()
				got, err := cache.Get(ctx, "v1", "ConfigMap", ns, "web-a")
				afterWrite = append(afterWrite, time.Since(start))
				if err != nil {
					return cs, err
				}
				start = time.Now()
				if _, err := cache.Get(ctx, "v1", "ConfigMap", ns, "web-a"); err != nil {
					return cs, err
				}
				plain = append(plain, time.Since(start))
				if v, _ := got.GetString("data.i"); got.ResourceVersion() != rv || v != i {
					problems = append(problems, fmt.Sprintf("write %s: Cache().Get right after it: resourceVersion %s, data.i %q; want %s, %q",
						i, got.ResourceVersion(), v, rv, i))
				}
			}
			r.SetCondition("Written", "True", "Step", strconv.Itoa(s))
			if len(problems) > 0 {
				return nil, fmt.Errorf("reconcile %d: %v", s, problems)
			}
			return nil, nil
		})
		if res.err != nil {
			t.Error(res.err)
		}
		if len(res.logged) > 0 {
			t.Errorf("reconcile %d: %v", s, res.logged)
		}
	}
	t.Logf("Cache().Get right after r.Apply (%d): p50 %v, p99 %v; a Get with no write before it: p50 %v, p99 %v",
		len(afterWrite), helpPercentile(afterWrite, 50), helpPercentile(afterWrite, 99), helpPercentile(plain, 50), helpPercentile(plain, 99))
}

// helpConditionMessage returns the message of o's condition typ ("" when
// it has none).
func helpConditionMessage(o *kobj.Object, typ string) string {
	conds, _ := o.GetSlice("status.conditions")
	for _, cd := range conds {
		if m, _ := cd.(map[string]any); m["type"] == typ {
			s, _ := m["message"].(string)
			return s
		}
	}
	return ""
}

// helpPercentile returns the p-th percentile of ds (nearest rank).
func helpPercentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p+99)/100 - 1
	return s[max(i, 0)]
}
