package kobj

import (
	"sync"
	"testing"
)

// TestRunBoundedRunsEachOnceAtMostEightAtATime: every index runs once, and
// never more than setConcurrency at the same time. The first
// setConcurrency tasks hold their slot until all of them are in, so the
// bound is also reached (a lower bound would never let the test end).
func TestRunBoundedRunsEachOnceAtMostEightAtATime(t *testing.T) {
	const n = 50
	var (
		mu       sync.Mutex
		inFlight int
		most     int
		runs     [n]int
	)
	full := make(chan struct{})
	runBounded(n, func(k int) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		runs[k]++
		if inFlight == setConcurrency && most == setConcurrency {
			select {
			case <-full:
			default:
				close(full)
			}
		}
		mu.Unlock()
		if k < setConcurrency {
			<-full
		}
		mu.Lock()
		inFlight--
		mu.Unlock()
	})
	if most != setConcurrency {
		t.Errorf("at most %d tasks ran at once, want %d", most, setConcurrency)
	}
	for k, r := range runs {
		if r != 1 {
			t.Errorf("task %d ran %d times", k, r)
		}
	}
}
