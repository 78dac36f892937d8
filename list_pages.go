package kobj

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kobj-dev/kobj/internal/pager"
)

// eachPage lists t's kind page by page (internal/pager), calling fn with
// each page; accept is the representation asked for ("" for whole objects
// as JSON).
func (t *target) eachPage(ctx context.Context, opts metav1.ListOptions, accept string, fn func(pager.Page) error) error {
	fetch := func(ctx context.Context, opts metav1.ListOptions) ([]byte, error) {
		req, err := t.request("GET", false, &opts)
		if err != nil {
			return nil, err
		}
		req.idempotent, req.accept = true, accept
		resp, err := t.c.do(ctx, req)
		if err != nil {
			return nil, err
		}
		return resp.Body, nil
	}
	return pager.Each(ctx, fetch, opts, fn)
}
