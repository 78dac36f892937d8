package setorder

import (
	"fmt"
	"strings"
	"sync"
)

// RunBounded runs f(0), ..., f(n-1) concurrently, at most limit at a
// time (limit below 1 counts as 1), and returns when all have.
func RunBounded(n, limit int, f func(k int)) {
	var wg sync.WaitGroup
	slots := make(chan struct{}, max(limit, 1))
	for k := range n {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			f(k)
		})
	}
	wg.Wait()
}

// Error is the failure of some objects of a stage: its message names each
// failed object and why, and it unwraps to their errors, so that
// errors.Is and errors.As find any of them.
type Error struct {
	msg  string
	errs []error
}

func (e *Error) Error() string   { return e.msg }
func (e *Error) Unwrap() []error { return e.errs }

// Failure returns the error of stage (counted from 0) of stages, whose
// objects ended with errs (nil for one that succeeded); describe(k)
// gives the line that names object k and its error. It returns nil when
// no object failed.
func Failure(what string, stage, stages int, errs []error, describe func(k int) string) error {
	var failed []error
	var lines []string
	for k, err := range errs {
		if err == nil {
			continue
		}
		failed = append(failed, err)
		lines = append(lines, describe(k))
	}
	if failed == nil {
		return nil
	}
	return &Error{errs: failed, msg: fmt.Sprintf("%s stage %d of %d: %d of %d objects failed: %s",
		what, stage+1, stages, len(failed), len(errs), strings.Join(lines, "; "))}
}
