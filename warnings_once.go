package kobj

import (
	"context"
	"sync"

	"k8s.io/client-go/rest"
)

// A call that sends several requests about the same objects can ask for
// each distinct warning to reach the client's warning handler once:
// ApplyAll reads an object and then applies it, and the server warns on
// both ("v1 Endpoints is deprecated"), where kubectl apply, whose warning
// writer deduplicates by message for the whole command, shows it once.

// warningsOnceKey is the context key of a call's *warningsSeen.
type warningsOnceKey struct{}

// warningsSeen is the warning texts already handed on within one call.
type warningsSeen struct {
	mu   sync.Mutex
	seen map[string]bool
}

// withWarningsOnce returns ctx for a call whose requests hand each
// distinct warning text to the handler once.
func withWarningsOnce(ctx context.Context) context.Context {
	return context.WithValue(ctx, warningsOnceKey{}, &warningsSeen{seen: map[string]bool{}})
}

// first reports whether text is seen for the first time, and records it.
func (s *warningsSeen) first(text string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[text] {
		return false
	}
	s.seen[text] = true
	return true
}

// onceWithinACall wraps the client's warning handler: within a call made
// withWarningsOnce, a text it already handed on is not handed on again;
// outside one, every warning passes.
type onceWithinACall struct {
	next rest.WarningHandlerWithContext
}

func (h onceWithinACall) HandleWarningHeaderWithContext(ctx context.Context, code int, agent, text string) {
	if seen, _ := ctx.Value(warningsOnceKey{}).(*warningsSeen); seen != nil && !seen.first(text) {
		return
	}
	h.next.HandleWarningHeaderWithContext(ctx, code, agent, text)
}
