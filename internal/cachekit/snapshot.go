// Package cachekit holds the plumbing that kobj's caches share: a value
// loaded as a whole by one caller while others wait (single flight), with a
// generation counter that tells a fresh answer from an old one; a cache
// folder written atomically that falls back to memory when it cannot be
// written; and helpers for context errors.
//
// It knows nothing of Kubernetes: the discovery cache and the operation
// index build their policies on top of it.
package cachekit

import (
	"context"
	"errors"
	"sync"
	"time"
)

// LoadFunc produces a snapshot. fresh asks for the source's current answer
// (no disk copy). fromSource reports whether the value came from the source
// (the server) rather than from a copy; only such values count as fresh.
type LoadFunc[T any] func(ctx context.Context, fresh bool) (value T, fromSource bool, err error)

// Snapshot is a value that is loaded whole and then shared read-only by
// every caller. Concurrent callers that need a load share one: the caller
// that starts it runs it under its own context, so no goroutine outlives a
// canceled call; callers that joined and are still waiting start their own
// load if it gave up on its context. It is safe for concurrent use.
type Snapshot[T any] struct {
	load LoadFunc[T]

	mu       sync.Mutex
	cur      *Version[T] // nil until loaded, and after Invalidate
	started  uint64      // loads started so far
	inflight *flight[T]
}

// Version is one loaded value. Gen is the number of the load that fetched
// it from the source, or 0 when it came from a copy (the disk).
type Version[T any] struct {
	Value T
	Gen   uint64
}

type flight[T any] struct {
	gen   uint64
	fresh bool
	done  chan struct{} // closed once v or err is set
	v     *Version[T]
	err   error
}

// NewSnapshot returns an empty snapshot that loads with load.
func NewSnapshot[T any](load LoadFunc[T]) *Snapshot[T] {
	return &Snapshot[T]{load: load}
}

// Current returns the loaded version without loading (nil if none) and the
// number of loads started so far. A caller that misses in the current
// version passes that number as seen to Get, to ask for something newer.
func (s *Snapshot[T]) Current() (v *Version[T], started uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur, s.started
}

// Get returns the loaded version, loading it if there is none. With fresh,
// only a version fetched from the source by a load started after the one
// numbered seen will do. It fails with the load's error, or ctx's.
func (s *Snapshot[T]) Get(ctx context.Context, fresh bool, seen uint64) (*Version[T], error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err // a canceled call starts nothing
		}
		s.mu.Lock()
		if v := s.cur; v != nil && (!fresh || v.Gen > seen) {
			s.mu.Unlock()
			return v, nil
		}
		f, mine := s.inflight, false
		if f == nil {
			s.started++
			f = &flight[T]{gen: s.started, fresh: fresh, done: make(chan struct{})}
			s.inflight, mine = f, true
		}
		s.mu.Unlock()
		if mine {
			s.run(ctx, f)
		}
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if f.err != nil {
			if !mine && ctx.Err() == nil && IsContextError(f.err) {
				continue // the caller that loaded gave up; this one did not
			}
			return nil, f.err
		}
		if mine || !fresh || f.v.Gen > seen {
			return f.v, nil
		}
		// Joined a load older than this caller's miss, or one that read a
		// copy: start another.
	}
}

func (s *Snapshot[T]) run(ctx context.Context, f *flight[T]) {
	// Deferred, so that a panic in the load still releases the waiters
	// (with an error) before it goes on up the loading caller's stack.
	f.err = errors.New("cachekit: the load panicked")
	defer func() {
		s.mu.Lock()
		s.inflight = nil
		if f.err == nil {
			s.cur = f.v
		}
		s.mu.Unlock()
		close(f.done)
	}()
	value, fromSource, err := s.load(ctx, f.fresh)
	if f.err = err; err == nil {
		f.v = &Version[T]{Value: value}
		if fromSource {
			f.v.Gen = f.gen
		}
	}
}

// Invalidate drops the loaded version. A load in flight still stores its
// result: it is at least as new as this call.
func (s *Snapshot[T]) Invalidate() {
	s.mu.Lock()
	s.cur = nil
	s.mu.Unlock()
}

// IsContextError reports whether err is, or wraps, a context's
// cancellation or deadline.
func IsContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// Sleep waits for d or until ctx ends, returning ctx's error then.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
