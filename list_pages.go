package kobj

import (
	"context"
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	utiljson "k8s.io/apimachinery/pkg/util/json"

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
		req.Idempotent, req.Accept = true, accept
		resp, err := t.c.do(ctx, req)
		if err != nil {
			return nil, err
		}
		return resp.Body, nil
	}
	return pager.Each(ctx, fetch, opts, fn)
}

// listItem makes the i-th item of a list from the server's JSON of it,
// with the client c. The item keeps that JSON as its server copy, so that
// an Update of it sends only its changes, removals included. An item
// without apiVersion or kind (the server leaves them out of a list's
// items) gets the list's item kind.
func listItem(raw json.RawMessage, i int, apiVersion, kind string, c *Client) (*Object, error) {
	var m map[string]any
	if err := utiljson.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, fmt.Errorf("decoding list item %d: not an object (%v)", i, err)
	}
	if _, ok := m["apiVersion"]; !ok {
		m["apiVersion"] = apiVersion
	}
	if _, ok := m["kind"]; !ok {
		m["kind"] = kind
	}
	return fromServer(m, raw, c), nil
}

// checkSelectors parses co's label and field selectors, so that a bad one
// is an error naming it before any request.
func checkSelectors(co *callOptions) error {
	if _, err := labels.Parse(co.labelSelector); err != nil {
		return fmt.Errorf("LabelSelector(%q): %w", co.labelSelector, err)
	}
	if _, err := fields.ParseSelector(co.fieldSelector); err != nil {
		return fmt.Errorf("FieldSelector(%q): %w", co.fieldSelector, err)
	}
	return nil
}
