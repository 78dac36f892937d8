package opindex

import (
	"context"
	"errors"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Select lists the operations of each group-version ("apps/v1", "v1") or
// kind ("Deployment", which may be served by several group-versions) that
// of names, or of every document when of is empty, sorted by document and
// then by ID. It fails when the server publishes no document for a
// group-version, or serves no such kind (as Config.Resources says), or
// with the failure to load a document.
func (x *Index) Select(ctx context.Context, of []string) ([]*Operation, error) {
	if len(of) == 0 {
		return x.Operations(ctx, "")
	}
	var out []*Operation
	for _, sel := range of {
		if sel == "" || !isUpper(sel[0]) {
			ops, err := x.Operations(ctx, sel)
			if err != nil {
				return nil, err
			}
			out = append(out, ops...)
			continue
		}
		res, err := x.resources(ctx)
		if err != nil {
			return nil, err
		}
		found := false
		for _, r := range res {
			if r.Kind != sel {
				continue
			}
			found = true
			ops, err := x.Operations(ctx, r.APIVersion())
			if err != nil {
				return nil, err
			}
			for _, op := range ops {
				if op.Kind == sel {
					out = append(out, op)
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("the server serves no kind %q", sel)
		}
	}
	return out, nil
}

// Operations lists the operations of one group-version ("apps/v1", "v1"),
// or of every document when gv is "", sorted by document and then by ID.
// A document gone since the list of documents was read makes it read the
// list again, once. It fails when the server publishes no document for
// gv, or with the failure to load one.
func (x *Index) Operations(ctx context.Context, gv string) ([]*Operation, error) {
	root, start, err := x.currentRoot(ctx)
	if err != nil {
		return nil, err
	}
	refs, err := root.Value.docsOf(gv)
	if err != nil && root.Gen <= start {
		if root, err = x.root.Get(ctx, true, start); err != nil {
			return nil, err
		}
		refs, err = root.Value.docsOf(gv)
	}
	if err != nil {
		return nil, err
	}
	docs, errs := x.loadDocs(ctx, refs)
	if slices.ContainsFunc(errs, apierrors.IsNotFound) && root.Gen <= start {
		// A document of the root has gone (a CRD deleted since the root
		// was fetched): fetch the root again, once, and load what it lists.
		if root, err = x.root.Get(ctx, true, start); err != nil {
			return nil, err
		}
		if refs, err = root.Value.docsOf(gv); err != nil {
			return nil, err
		}
		docs, errs = x.loadDocs(ctx, refs)
	}
	if gv == "" {
		errs = slices.DeleteFunc(errs, apierrors.IsNotFound) // a document gone in the meantime is skipped
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var ops []*Operation
	for _, d := range docs {
		if d != nil {
			ops = append(ops, d.ops...)
		}
	}
	return ops, nil
}
