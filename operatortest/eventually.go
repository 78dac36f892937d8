package operatortest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
)

// DefaultTimeout bounds Eventually when its context has no deadline.
const DefaultTimeout = 30 * time.Second

// Eventually waits until every condition holds on one observed version of
// o (Object.Wait: o's kind, namespace and name, bound to its client), and
// returns o, updated in place to that version. The wait is bounded by
// ctx's deadline or, when ctx has none, DefaultTimeout.
//
// It fails t when the conditions do not hold in time, when one fails
// (FailWhen; Ready() on a Failed object) and when the wait cannot be made
// (no name, no client, an unknown kind); the message names the object, the
// conditions, what was last observed of each (Wait's error), and the
// cause of ctx's end when it ended for another reason than the deadline
// (the Manager's error, from the context RunManager returns).
func Eventually(t testing.TB, ctx context.Context, o *kobj.Object, conds ...kobj.Condition) *kobj.Object {
	t.Helper()
	if o == nil {
		t.Fatalf("operatortest: Eventually: nil object")
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	start := time.Now()
	if _, err := o.Wait(ctx, conds...); err != nil {
		msg := fmt.Sprintf("operatortest: %s not met after %v: %v", describe(o, conds), time.Since(start).Round(time.Millisecond), err)
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.DeadlineExceeded) && !errors.Is(cause, context.Canceled) {
			msg += "\n" + cause.Error()
		}
		t.Fatal(msg)
	}
	return o
}

// describe names o and conds: `Website ns/hello: ConditionTrue(Ready)`.
func describe(o *kobj.Object, conds []kobj.Condition) string {
	name := o.Name()
	if ns := o.Namespace(); ns != "" {
		name = ns + "/" + name
	}
	cs := make([]string, len(conds))
	for i, c := range conds {
		cs[i] = c.String()
	}
	return fmt.Sprintf("%s %s %s: %s", o.APIVersion(), o.Kind(), name, strings.Join(cs, ", "))
}
