package kobj

import (
	"context"
	"net/http"
	"sync"
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

// warn hands the warnings of an answer's header to the client's handler;
// within a call made withWarningsOnce, a text it already handed on is not
// handed on again.
func (c *Client) warn(ctx context.Context, h http.Header) {
	seen, _ := ctx.Value(warningsOnceKey{}).(*warningsSeen)
	for _, w := range warnings(h) {
		if seen == nil || seen.first(w.Text) {
			c.warnings.HandleWarningHeaderWithContext(ctx, w.Code, w.Agent, w.Text)
		}
	}
}
