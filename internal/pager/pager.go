package pager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// Page is one page of a list as the server sends it.
type Page struct {
	// Metadata is the page's list metadata: resourceVersion, the continue
	// token of the next page ("" on the last) and remainingItemCount.
	Metadata metav1.ListMeta `json:"metadata"`
	// Items are the page's items, each the server's JSON of it.
	Items []json.RawMessage `json:"items"`
}

// FetchFunc fetches one page of a list with opts and returns the body the
// server answered (a JSON list).
type FetchFunc func(ctx context.Context, opts metav1.ListOptions) ([]byte, error)

// Each fetches the pages of the list opts describes, one after another,
// and calls fn with each, in order. opts.Limit is the page size (0: the
// server's choice, which is usually the whole list in one page). Pages
// after the first carry the previous page's continue token and no
// resourceVersion (nor resourceVersionMatch), which the token holds and
// the server refuses beside it, as client-go's pager does. Each returns
// nil after the last page; fn's error as it is when fn fails; the fetch's
// error as it is (an expired continue token stays the server's 410
// Expired: a walk is not restarted behind its caller's back); and an
// error naming the page when a page cannot be decoded or the server sends
// the same continue token twice in a row. A canceled ctx stops the walk
// between pages with ctx's error.
func Each(ctx context.Context, fetch FetchFunc, opts metav1.ListOptions, fn func(Page) error) error {
	for n := 0; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		body, err := fetch(ctx, opts)
		if err != nil {
			return err
		}
		var page Page
		if err := utiljson.Unmarshal(body, &page); err != nil {
			return fmt.Errorf("decoding list page %d: %w", n+1, err)
		}
		if err := fn(page); err != nil {
			return err
		}
		next := page.Metadata.Continue
		if next == "" {
			return nil
		}
		if next == opts.Continue {
			return fmt.Errorf("list page %d: %w", n+1, errRepeatedToken)
		}
		opts.Continue = next
		opts.ResourceVersion, opts.ResourceVersionMatch = "", ""
	}
}

// errRepeatedToken is a server answering a continue token with itself,
// which would make the walk endless.
var errRepeatedToken = errors.New("the server sent back the continue token it was given")
