package kobj

import (
	"context"
	"errors"
	"fmt"
	"iter"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kobj-dev/kobj/internal/pager"
)

// defaultPageSize is Each's page size without [Limit], client-go's
// pager's default.
const defaultPageSize = 500

// Each walks the list kind o names (PodList, ConfigMapList, a custom
// resource's list) page by page and yields its items one at a time, in the
// server's order, each exactly once, holding one page at a time: a walk
// over a list of any size needs the memory of one page plus the items the
// caller keeps. [Limit] sets the page size (500 without it, as client-go's
// pager); [InNamespace], [AllNamespaces], [LabelSelector], [FieldSelector]
// and [AtResourceVersion] select as for [Object.Read] of a list. Each range
// over the returned sequence is a walk of its own, from the first page.
//
// A yielded item has the call's client and the server's copy of itself,
// as [Object.Items] do: change it and [Object.Update] sends only the
// change. Stopping the loop (break) sends no further request.
//
// A failure is yielded once, as (nil, err), and ends the walk: a canceled
// or expired ctx yields ctx.Err() as it is; the server's errors stay
// *apierrors.StatusError. When the server no longer has the list the walk
// started from (its continue token expired, 410 Gone, after the
// resourceVersion of the first page was compacted away), the walk ends
// with an error wrapping the server's StatusError (apierrors.IsResourceExpired
// is true) that says how many items were yielded: Each does not start again
// by itself, as client-go's pager does with a full list, because that would
// yield the items already seen a second time; the caller may range again
// to walk the current list from its start. Not a list kind, Named, a Limit
// below 1 or a bad selector is an error before any request.
func (o *Object) Each(ctx context.Context, opts ...ReadOption) iter.Seq2[*Object, error] {
	return func(yield func(*Object, error) bool) {
		err := o.each(ctx, opts, yield)
		if err == nil || errors.Is(err, errEachStopped) {
			return
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = ctxErr
		}
		wrapCall(&err, callName("Each", o))
		yield(nil, err)
	}
}

// errEachStopped is the caller leaving the loop: the walk ends quietly.
var errEachStopped = errors.New("the caller stopped the walk")

// each walks o's list, yielding its items; it returns errEachStopped when
// yield asks to stop.
func (o *Object) each(ctx context.Context, opts []ReadOption, yield func(*Object, error) bool) error {
	co, _, err := begin(o, opts, ReadOption.applyToRead)
	if err != nil {
		return err
	}
	if co.name != "" {
		return fmt.Errorf("Named(%q) names an object; Each walks a list kind", co.name)
	}
	limit := int64(defaultPageSize)
	for _, opt := range opts {
		if l, ok := opt.(Limit); ok {
			limit = int64(l)
		}
	}
	if limit < 1 {
		return fmt.Errorf("Limit(%d): Each needs a page size of at least 1", limit)
	}
	if err := checkSelectors(co); err != nil {
		return err
	}
	c, err := o.callClient(co)
	if err != nil {
		return err
	}
	list, err := c.isListKind(ctx, o.APIVersion(), o.Kind())
	if err != nil {
		return err
	}
	if !list {
		return fmt.Errorf("%s is not a list kind; Each walks a list kind such as %sList", o.Kind(), o.Kind())
	}
	t, err := o.resolve(ctx, "list", co, false)
	if err != nil {
		return err
	}
	lo := metav1.ListOptions{LabelSelector: co.labelSelector, FieldSelector: co.fieldSelector,
		Limit: limit, ResourceVersion: co.resourceVersion}
	apiVersion, itemKind := t.info.APIVersion(), t.info.Kind
	yielded, pages := 0, 0
	err = t.eachPage(ctx, lo, "", func(page pager.Page) error {
		pages++
		for _, raw := range page.Items {
			// A cancel between two items of a page ends the walk there,
			// not after the rest of the page.
			if err := ctx.Err(); err != nil {
				return err
			}
			item, err := listItem(raw, yielded, apiVersion, itemKind, t.c)
			if err != nil {
				return err
			}
			yielded++
			if !yield(item, nil) {
				return errEachStopped
			}
		}
		return nil
	})
	if pages > 0 && ctx.Err() == nil && (apierrors.IsResourceExpired(err) || apierrors.IsGone(err)) {
		return fmt.Errorf("the walk ended after %d items, before page %d: the list expired on the server "+
			"(its continue token names a version the server no longer keeps); range over Each again to walk the current list from its start: %w",
			yielded, pages+1, err)
	}
	return err
}
