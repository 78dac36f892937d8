package kobj

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kobj-dev/kobj/internal/cachekit"
	"github.com/kobj-dev/kobj/internal/pager"
)

// answer applies the server's answer to a write: o adopts it, except after
// a dry run, where o stays as it was (nothing changed on the server) and
// the answer comes back as a new object.
func (o *Object) answer(body []byte, co *callOptions) (*Object, error) {
	m, err := decodeAnswer(body)
	if err != nil {
		return o, err
	}
	return o.take(m, body, co), nil
}

// take is answer for an answer already decoded as m.
func (o *Object) take(m map[string]any, body []byte, co *callOptions) *Object {
	if co.dryRun {
		return fromServer(m, body, o.client)
	}
	o.adopt(m, body)
	return o
}

// Create creates the object on the server and updates o in place from the
// server's answer, which it returns. With [DryRun], o is left as it was and
// the server's answer is returned as a new object. It fails before any
// request when the kind does not support create or the name or namespace
// rules are broken, and with the server's *apierrors.StatusError otherwise
// (apierrors.IsAlreadyExists, say).
func (o *Object) Create(ctx context.Context, opts ...CreateOption) (_ *Object, err error) {
	defer wrapCall(&err, callName("Create", o))
	co, err := gather(opts, CreateOption.applyToCreate)
	if err != nil {
		return o, err
	}
	t, err := o.resolve(ctx, "create", co, false)
	if err != nil {
		return o, err
	}
	body, err := o.JSON()
	if err != nil {
		return o, err
	}
	if t.name != "" && o.Name() == "" {
		// Named gave the name: send it in the body, where the server reads it.
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			return o, err
		}
		md, _ := m["metadata"].(map[string]any)
		if md == nil {
			md = map[string]any{}
			m["metadata"] = md
		}
		md["name"] = t.name
		if body, err = json.Marshal(m); err != nil {
			return o, err
		}
	}
	req, err := t.request("POST", false, &metav1.CreateOptions{DryRun: co.dryRunValue(),
		FieldManager: co.fieldManager, FieldValidation: co.fieldValidation})
	if err != nil {
		return o, err
	}
	req.Body = body
	resp, err := t.c.do(ctx, req)
	if err != nil {
		return o, err
	}
	return o.answer(resp.Body, co)
}

// Read replaces o's content with the object as the server has it, and
// returns o. On a list kind (PodList: a kind whose items the server serves)
// it lists instead, following every page, and fills Items; the options
// [AllNamespaces], [LabelSelector], [FieldSelector] and [Limit] apply to
// lists only. A missing object is an error for which apierrors.IsNotFound
// is true.
func (o *Object) Read(ctx context.Context, opts ...ReadOption) (_ *Object, err error) {
	defer wrapCall(&err, callName("Read", o))
	co, c, err := begin(o, opts, ReadOption.applyToRead)
	if err != nil {
		return o, err
	}
	list, err := c.isListKind(ctx, o.APIVersion(), o.Kind())
	if err != nil {
		return o, err
	}
	if list {
		if co.name != "" {
			return o, fmt.Errorf("Named(%q) names an object, but %s is a list kind", co.name, o.Kind())
		}
		return o, o.readList(ctx, co)
	}
	if co.allNamespaces || co.labelSelector != "" || co.fieldSelector != "" || co.limit != 0 {
		return o, fmt.Errorf("AllNamespaces, LabelSelector, FieldSelector and Limit apply to lists; %s is not a list kind", o.Kind())
	}
	return o, o.read(ctx, co)
}

func (o *Object) read(ctx context.Context, co *callOptions) error {
	t, err := o.resolve(ctx, "get", co, true)
	if err != nil {
		return err
	}
	req, err := t.request("GET", true, &metav1.GetOptions{ResourceVersion: co.resourceVersion})
	if err != nil {
		return err
	}
	req.Idempotent = true
	resp, err := t.c.do(ctx, req)
	if err != nil {
		return err
	}
	_, err = o.answer(resp.Body, &callOptions{})
	return err
}

// readList lists every page into o's items.
func (o *Object) readList(ctx context.Context, co *callOptions) error {
	t, err := o.resolve(ctx, "list", co, false)
	if err != nil {
		return err
	}
	if err := checkSelectors(co); err != nil {
		return err
	}
	lo := metav1.ListOptions{LabelSelector: co.labelSelector, FieldSelector: co.fieldSelector,
		Limit: co.limit, ResourceVersion: co.resourceVersion}
	apiVersion, itemKind := t.info.APIVersion(), t.info.Kind
	var items []*Object
	var last metav1.ListMeta
	err = t.eachPage(ctx, lo, "", func(page pager.Page) error {
		last = page.Metadata
		for _, raw := range page.Items {
			item, err := listItem(raw, len(items), apiVersion, itemKind, o.client)
			if err != nil {
				return err
			}
			items = append(items, item)
		}
		return nil
	})
	if err != nil {
		return err
	}
	last.Continue = ""
	md, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&last)
	if err != nil {
		return err
	}
	maps := make([]any, len(items))
	for i, it := range items {
		maps[i] = it.u.Object
	}
	o.adopt(map[string]any{"apiVersion": o.APIVersion(), "kind": o.Kind(), "metadata": md, "items": maps}, nil)
	o.setItems(items)
	return nil
}

// Update sends the changes made to o since it was last read or written as
// a JSON merge patch carrying metadata.resourceVersion, and updates o from
// the server's answer. A field removed from o is removed on the server; if
// someone changed the object since, the server answers Conflict
// (apierrors.IsConflict) and nothing is written. An object never read from
// the server is sent whole. With [DryRun], o is left as it was (still
// holding its changes) and the server's answer is returned as a new object.
func (o *Object) Update(ctx context.Context, opts ...UpdateOption) (_ *Object, err error) {
	defer wrapCall(&err, callName("Update", o))
	co, err := gather(opts, UpdateOption.applyToUpdate)
	if err != nil {
		return o, err
	}
	return o.update(ctx, co)
}

func (o *Object) update(ctx context.Context, co *callOptions) (*Object, error) {
	t, err := o.resolve(ctx, "patch", co, true)
	if err != nil {
		return o, err
	}
	patch, preconditioned, err := o.mergePatch()
	if err != nil {
		return o, err
	}
	req, err := t.request("PATCH", true, &metav1.PatchOptions{DryRun: co.dryRunValue(),
		FieldManager: co.fieldManager, FieldValidation: co.fieldValidation})
	if err != nil {
		return o, err
	}
	req.Body, req.ContentType, req.Idempotent = patch, string(MergePatch), preconditioned
	resp, err := t.c.do(ctx, req)
	if err != nil {
		return o, err
	}
	return o.answer(resp.Body, co)
}

// Delete deletes the object on the server. The object may be anonymous:
// New("v1", "Pod").Delete(ctx, Named("p"), InNamespace("ns")). When the
// server answers with the object (deletion pending on finalizers, or a
// dry run), that object is returned as Update returns it: o updated in
// place, or a new object after a dry run. When it answers with a Status,
// o is returned as it was. An answer that is neither is an error.
func (o *Object) Delete(ctx context.Context, opts ...DeleteOption) (_ *Object, err error) {
	defer wrapCall(&err, callName("Delete", o))
	co, err := gather(opts, DeleteOption.applyToDelete)
	if err != nil {
		return o, err
	}
	t, err := o.resolve(ctx, "delete", co, true)
	if err != nil {
		return o, err
	}
	req, err := t.request("DELETE", true, nil)
	if err != nil {
		return o, err
	}
	if co.dryRun || co.propagation != nil || co.gracePeriod != nil || co.preconditions != nil {
		do := metav1.DeleteOptions{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "DeleteOptions"},
			PropagationPolicy: co.propagation, GracePeriodSeconds: co.gracePeriod,
			Preconditions: co.preconditions, DryRun: co.dryRunValue()}
		if req.Body, err = json.Marshal(do); err != nil {
			return o, err
		}
		req.Idempotent = co.preconditions != nil
	}
	resp, err := t.c.do(ctx, req)
	if err != nil {
		return o, err
	}
	m, err := decodeAnswer(resp.Body)
	if err != nil {
		return o, err
	}
	if kind, _ := m["kind"].(string); kind == "Status" {
		return o, nil // deleted
	}
	if checkTypeMeta(m) != nil {
		return o, fmt.Errorf("the server's answer is neither a Status nor an object: %.200s", resp.Body)
	}
	return o.take(m, resp.Body, co), nil
}

// maxConflictRetries bounds Edit's re-reads under RetryOnConflict.
const maxConflictRetries = 100

// Edit runs fn on o, then Updates o, and returns what Update returns (with
// [DryRun], the server's answer as a new object). If fn fails, nothing is
// sent. With [Rollback], a failure of fn or of the update, or a panic in
// fn, restores o as it was before Edit (the local object only; a panic
// then goes on). With [RetryOnConflict], a Conflict makes Edit read o
// again and run fn again. The error is fn's own (as is, for errors.Is) or
// the update's.
func (o *Object) Edit(ctx context.Context, fn func(*Object) error, opts ...EditOption) (_ *Object, err error) {
	var fnErr error
	defer func() {
		if err != fnErr || fnErr == nil { // fn's error is the caller's own: as is
			wrapCall(&err, callName("Edit", o))
		}
	}()
	co, err := gather(opts, EditOption.applyToEdit)
	if err != nil {
		return o, err
	}
	if fn == nil {
		return o, errors.New("nil edit function")
	}
	if _, err := o.resolve(ctx, "patch", co, true); err != nil {
		return o, err // before fn runs: a kind that cannot be updated is not edited
	}
	if co.rollback {
		before := o.DeepCopy()
		defer func() {
			if p := recover(); p != nil {
				o.restore(before)
				panic(p)
			}
			if err != nil {
				o.restore(before)
			}
		}()
	}
	for attempt := 1; ; attempt++ {
		if fnErr = fn(o); fnErr != nil {
			return o, fnErr
		}
		res, err := o.update(ctx, co)
		if err == nil {
			return res, nil
		}
		if !co.retryOnConflict || !apierrors.IsConflict(err) || attempt >= maxConflictRetries {
			return o, err
		}
		if err := cachekit.Sleep(ctx, conflictBackoff(attempt)); err != nil {
			return o, err
		}
		if err := o.read(ctx, co); err != nil {
			return o, err
		}
	}
}

// conflictBackoff spreads retrying writers apart: a random wait that grows
// with the attempt, up to 100ms.
func conflictBackoff(attempt int) time.Duration {
	return time.Duration(rand.Int64N(int64(min(attempt, 20))*5+1)) * time.Millisecond
}
