package testkit

import (
	"context"
	"testing"

	"github.com/kobj-dev/kobj"
)

// NextEvent returns the watch's next event, failing the test when the
// watch ends or ctx ends first.
func NextEvent(ctx context.Context, t testing.TB, w *kobj.Watcher) kobj.WatchEvent {
	t.Helper()
	select {
	case ev, ok := <-w.Events():
		if !ok {
			t.Fatalf("the watch ended: %v", w.Err())
		}
		return ev
	case <-ctx.Done():
		t.Fatalf("no event: %v", ctx.Err())
	}
	return kobj.WatchEvent{}
}
