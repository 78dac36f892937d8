package operatortest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kobj-dev/kobj/operator"
)

// stopTimeout bounds how long the cleanup of RunManager waits for Run to
// return: past the Manager's own graceful shutdown timeout (30 s by
// default).
const stopTimeout = 90 * time.Second

// errCleanup is the cause of the context RunManager returns once the test
// ends.
var errCleanup = errors.New("operatortest: the test ended")

// RunManager runs m.Run in a goroutine until t ends; then it cancels Run's
// context, waits for Run to return, and fails t if Run returned an error
// (a clean stop returns nil) or did not return within 90 s.
//
// It returns a context that ends when Run returns early, with Run's error
// as its cause (context.Cause), or when t ends. Give it to Eventually, so
// that a test whose manager died fails at once with the manager's error
// instead of waiting out its timeout.
func (e *Env) RunManager(t testing.TB, m *operator.Manager) context.Context {
	t.Helper()
	if m == nil {
		t.Fatalf("operatortest: RunManager: nil Manager")
	}
	runCtx, stop := context.WithCancel(context.Background())
	alive, died := context.WithCancelCause(context.Background())
	done := make(chan error, 1)
	go func() {
		err := m.Run(runCtx)
		if runCtx.Err() == nil {
			if err == nil {
				err = errors.New("returned nil before the test ended")
			}
			died(fmt.Errorf("operatortest: the Manager stopped: %w", err))
		}
		done <- err
	}()
	t.Cleanup(func() {
		stop()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("operatortest: the Manager's Run returned: %v", err)
			}
		case <-time.After(stopTimeout):
			t.Errorf("operatortest: the Manager's Run did not return within %v of its context's end", stopTimeout)
		}
		died(errCleanup)
	})
	return alive
}
