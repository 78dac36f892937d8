package e2e

// The tests of this file are not parallel: goleak checks every goroutine
// of the process, so they run alone (parallel tests wait until the
// sequential ones are done), with IgnoreCurrent taken at their start.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"go.uber.org/goleak"
)

// Stop, and the end of the watch's context, close the channel of events
// and leave no goroutine behind; Err says which it was.
func TestWatchEndsOnStopAndOnContext(t *testing.T) {
	tests := []struct {
		name    string
		end     func(w *kobj.Watcher, cancel context.CancelFunc)
		wantErr error
	}{
		{"Stop", func(w *kobj.Watcher, _ context.CancelFunc) { w.Stop() }, nil},
		{"context canceled", func(_ *kobj.Watcher, cancel context.CancelFunc) { cancel() }, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, tr := watchClient(t, cfg, 0)
			ns := newNamespace(t, c)
			ctx := testContext(t, time.Minute)
			mustCreate(ctx, t, c, newConfigMap("a", ns, nil))
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			defer tr.closeIdle()

			wctx, cancel := context.WithCancel(ctx)
			defer cancel()
			w, err := kobj.New("v1", "ConfigMapList").Watch(wctx, kobj.WithClient(c), kobj.InNamespace(ns))
			if err != nil {
				t.Fatalf("Watch: %v", err)
			}
			initialState(ctx, t, w)
			start := time.Now()
			tt.end(w, cancel)
			for range w.Events() {
				t.Error("an event after the end")
			}
			t.Logf("channel closed %v after the end", time.Since(start))
			if err := w.Err(); err != tt.wantErr {
				t.Errorf("Err() = %v, want %v", err, tt.wantErr)
			}
			w.Stop() // waits for every goroutine of the watcher; a second Stop is harmless
			if err := w.Err(); err != tt.wantErr {
				t.Errorf("Err() after Stop = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// A consumer that stops reading holds the watch back: the events made
// meanwhile are not lost, they arrive, in order, once it reads again.
func TestWatchSlowConsumerLosesNothing(t *testing.T) {
	c, tr := watchClient(t, cfg, 0)
	defer tr.closeIdle()
	ns := newNamespace(t, c)
	ctx := testContext(t, 2*time.Minute)
	w, err := kobj.New("v1", "ConfigMapList").Watch(ctx, kobj.WithClient(c), kobj.InNamespace(ns))
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	defer w.Stop()
	initialState(ctx, t, w)
	const n = 300 // more than the watcher's queue holds
	for i := range n {
		mustCreate(ctx, t, c, newConfigMap(fmt.Sprintf("cm-%03d", i), ns, nil))
	}
	for i := range n {
		live(ctx, t, w, kobj.Added, fmt.Sprintf("cm-%03d", i), "")
	}
}
