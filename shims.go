package kobj

import (
	"context"
	"time"

	"github.com/kobj-dev/kobj/internal/cachekit"
)

// TEMPORARY: kept until discovery and the operation index move onto
// internal/cachekit and client-go's discovery client.

func (c *Client) fetch(ctx context.Context, path, accept string) ([]byte, string, error) {
	resp, err := c.do(ctx, &request{method: "GET", path: path, accept: accept, idempotent: true})
	if err != nil {
		return nil, "", err
	}
	return resp.Body, resp.Header.Get("Content-Type"), nil
}

func sleep(ctx context.Context, d time.Duration) error { return cachekit.Sleep(ctx, d) }
