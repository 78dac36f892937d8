package setorder

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

// TestRunBoundedRunsEachOnceWithinTheLimit: every index runs once, and
// never more than the limit at the same time. The first limit tasks hold
// their slot until all of them are in, so the bound is also reached (a
// lower bound would never let the test end).
func TestRunBoundedRunsEachOnceWithinTheLimit(t *testing.T) {
	for _, limit := range []int{1, 3, 8} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			const n = 50
			var (
				mu       sync.Mutex
				inFlight int
				most     int
				runs     [n]int
			)
			full := make(chan struct{})
			RunBounded(n, limit, func(k int) {
				mu.Lock()
				inFlight++
				most = max(most, inFlight)
				runs[k]++
				if inFlight == limit && most == limit {
					select {
					case <-full:
					default:
						close(full)
					}
				}
				mu.Unlock()
				if k < limit {
					<-full
				}
				mu.Lock()
				inFlight--
				mu.Unlock()
			})
			if most != limit {
				t.Errorf("at most %d tasks ran at once, want %d", most, limit)
			}
			for k, r := range runs {
				if r != 1 {
					t.Errorf("task %d ran %d times", k, r)
				}
			}
		})
	}
}

func TestRunBoundedZeroTasksAndLimit(t *testing.T) {
	RunBounded(0, 8, func(int) { t.Error("ran a task of none") })
	ran := 0
	RunBounded(3, 0, func(int) { ran++ }) // one at a time: no race on ran
	if ran != 3 {
		t.Errorf("with limit 0, %d of 3 tasks ran", ran)
	}
}

var errA, errB = errors.New("a failed"), errors.New("b failed")

func TestFailure(t *testing.T) {
	describe := func(k int) string { return fmt.Sprintf("object %d", k) }
	for _, tc := range []struct {
		name    string
		errs    []error
		wantMsg string // "" for no error
		wantIs  []error
	}{
		{name: "no objects", errs: nil},
		{name: "none failed", errs: []error{nil, nil}},
		{name: "one of three", errs: []error{nil, errA, nil},
			wantMsg: "apply stage 2 of 3: 1 of 3 objects failed: object 1", wantIs: []error{errA}},
		{name: "two of two", errs: []error{errA, errB},
			wantMsg: "apply stage 2 of 3: 2 of 2 objects failed: object 0; object 1", wantIs: []error{errA, errB}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Failure("apply", 1, 3, tc.errs, describe)
			if tc.wantMsg == "" {
				if err != nil {
					t.Fatalf("Failure = %v, want nil", err)
				}
				return
			}
			if err == nil || err.Error() != tc.wantMsg {
				t.Fatalf("Failure = %v, want %q", err, tc.wantMsg)
			}
			for _, want := range tc.wantIs {
				if !errors.Is(err, want) {
					t.Errorf("errors.Is(%v, %v) = false", err, want)
				}
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Errorf("error %T is not a *Error", err)
			}
		})
	}
}
