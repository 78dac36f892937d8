package kobj

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// target is where a call goes: the client, the kind's resource, and the
// namespace and name, all checked before any request is sent.
type target struct {
	c         *Client
	info      *resourceInfo
	namespace string
	name      string
}

// resolve checks a CRUD call against the object, its options and discovery:
// the verb must be one the server lists for the kind, the namespace and
// name given by option must agree with metadata, a cluster-scoped kind takes
// no namespace, and a namespaced kind without one gets the client's default.
func (o *Object) resolve(ctx context.Context, call, verb string, opts *callOptions, needName bool) (*target, error) {
	if o == nil {
		return nil, fmt.Errorf("kobj: %s on a nil object", call)
	}
	c, err := clientFor(opts, o)
	if err != nil {
		return nil, fmt.Errorf("kobj: %s %s: %w", call, o, err)
	}
	apiVersion, kind := o.APIVersion(), o.Kind()
	if apiVersion == "" || kind == "" {
		return nil, fmt.Errorf("kobj: %s: the object has no apiVersion or kind", call)
	}
	if verb == "list" {
		kind = strings.TrimSuffix(kind, "List")
		if kind == "" {
			return nil, fmt.Errorf("kobj: %s: a %s List holds objects of any kind; read a typed list such as PodList", call, apiVersion)
		}
	}
	info, err := c.disc.lookup(ctx, apiVersion, kind)
	if err != nil {
		return nil, fmt.Errorf("kobj: %s: %w", call, err)
	}
	if !info.Has(verb) {
		return nil, fmt.Errorf("kobj: %s %s: %w", call, o, &UnsupportedError{APIVersion: apiVersion, Kind: kind, Verb: verb, Verbs: info.Verbs})
	}
	t := &target{c: c, info: info}
	if t.name, err = agree(call, "name", "by option", opts.name, o.Name()); err != nil {
		return nil, err
	}
	if needName && t.name == "" {
		return nil, fmt.Errorf("kobj: %s %s %s: no name: set metadata.name or pass kobj.Named", call, apiVersion, kind)
	}
	ns, err := agree(call, "namespace", "by option", opts.namespace, o.Namespace())
	if err != nil {
		return nil, err
	}
	switch {
	case !info.Namespaced && ns != "":
		return nil, fmt.Errorf("kobj: %s %s %s: %s is cluster-scoped, but namespace %q was given", call, apiVersion, kind, kind, ns)
	case info.Namespaced && opts.allNamespaces:
		if ns != "" {
			return nil, fmt.Errorf("kobj: %s: AllNamespaces and namespace %q both given", call, ns)
		}
	case info.Namespaced && ns == "":
		ns = c.namespace
	}
	t.namespace = ns
	return t, nil
}

// agree returns the value of a field given to a call (how says how: "by
// option", "in args") and in metadata, failing when both are set and differ.
func agree(call, field, how, given, inMetadata string) (string, error) {
	if given != "" && inMetadata != "" && given != inMetadata {
		return "", fmt.Errorf("kobj: %s: %s %q given %s, but metadata.%s is %q", call, field, given, how, field, inMetadata)
	}
	if given != "" {
		return given, nil
	}
	return inMetadata, nil
}

// path is the URL path of the target's collection, or of the named object.
func (t *target) path(named bool) string {
	var b strings.Builder
	if t.info.Group == "" {
		b.WriteString("/api/")
	} else {
		b.WriteString("/apis/")
		b.WriteString(t.info.Group)
		b.WriteByte('/')
	}
	b.WriteString(t.info.Version)
	if t.namespace != "" {
		b.WriteString("/namespaces/")
		b.WriteString(url.PathEscape(t.namespace))
	}
	b.WriteByte('/')
	b.WriteString(t.info.Resource)
	if named {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(t.name))
	}
	return b.String()
}

func (t *target) request(method string, named bool, q url.Values) *request {
	return &request{method: method, path: t.path(named), query: q,
		resource: schema.GroupResource{Group: t.info.Group, Resource: t.info.Resource}, name: t.name}
}

// writeQuery carries the options of writes.
func writeQuery(opts *callOptions) url.Values {
	q := url.Values{}
	if opts.dryRun {
		q.Set("dryRun", metav1.DryRunAll)
	}
	if opts.fieldManager != "" {
		q.Set("fieldManager", opts.fieldManager)
	}
	return q
}

// answer applies the server's answer to a write: o takes it in, except
// after a dry run, where o stays as it was (nothing changed on the server)
// and the answer comes back as a new object.
func (o *Object) answer(body []byte, co *callOptions) (*Object, error) {
	m, err := decodeAnswer(body)
	if err != nil {
		return o, err
	}
	return o.take(m, body, co), nil
}

// take makes m, decoded from body, the answer of a call with co.
func (o *Object) take(m map[string]any, body []byte, co *callOptions) *Object {
	if co.dryRun {
		res := wrap(m)
		res.client = o.client
		return res
	}
	o.u.Object, o.served, o.items = m, body, nil
	return o
}

// absorb makes the server's answer the object's content.
func (o *Object) absorb(body []byte) error {
	_, err := o.answer(body, &callOptions{})
	return err
}

// decodeAnswer decodes a server's answer into unstructured content.
func decodeAnswer(body []byte) (map[string]any, error) {
	var m map[string]any
	if err := utiljson.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("kobj: decoding the server's answer: %w", err)
	}
	return m, nil
}

// Create creates the object on the server and updates o in place from the
// server's answer, which it returns. With DryRun, o is left as it was and
// the server's answer is returned as a new object. Options: WithClient, Named,
// InNamespace, DryRun, FieldManager. It fails before any request when the
// kind does not support create or the name or namespace rules are broken,
// and with the server's *apierrors.StatusError otherwise.
func (o *Object) Create(ctx context.Context, opts ...Option) (*Object, error) {
	co, err := gather("Create", opts, "Named", "InNamespace", "DryRun", "FieldManager")
	if err != nil {
		return o, err
	}
	t, err := o.resolve(ctx, "Create", "create", co, false)
	if err != nil {
		return o, err
	}
	if t.name != "" && o.Name() == "" {
		o.SetName(t.name)
	}
	body, err := o.JSON()
	if err != nil {
		return o, err
	}
	req := t.request("POST", false, writeQuery(co))
	req.body = body
	resp, err := t.c.do(ctx, req)
	if err != nil {
		return o, err
	}
	return o.answer(resp.Body, co)
}

// Read replaces o's content with the object as the server has it, and
// returns o. On a list kind (PodList, any *List) it lists instead,
// following every page, and fills Items. Options: WithClient, Named,
// InNamespace; for lists also AllNamespaces, LabelSelector, FieldSelector
// and Limit (the page size). A missing object is an error for which
// apierrors.IsNotFound is true.
func (o *Object) Read(ctx context.Context, opts ...Option) (*Object, error) {
	if o != nil && o.IsList() {
		co, err := gather("Read", opts, "InNamespace", "AllNamespaces", "LabelSelector", "FieldSelector", "Limit")
		if err != nil {
			return o, err
		}
		return o, o.readList(ctx, co)
	}
	co, err := gather("Read", opts, "Named", "InNamespace")
	if err != nil {
		return o, err
	}
	return o, o.read(ctx, co)
}

func (o *Object) read(ctx context.Context, co *callOptions) error {
	t, err := o.resolve(ctx, "Read", "get", co, true)
	if err != nil {
		return err
	}
	resp, err := t.c.do(ctx, t.request("GET", true, nil))
	if err != nil {
		return err
	}
	return o.absorb(resp.Body)
}

// readList lists every page into o's items.
func (o *Object) readList(ctx context.Context, co *callOptions) error {
	t, err := o.resolve(ctx, "Read", "list", co, false)
	if err != nil {
		return err
	}
	t.name = ""
	q := url.Values{}
	if co.labelSelector != "" {
		q.Set("labelSelector", co.labelSelector)
	}
	if co.fieldSelector != "" {
		q.Set("fieldSelector", co.fieldSelector)
	}
	if co.limit > 0 {
		q.Set("limit", strconv.FormatInt(co.limit, 10))
	}
	apiVersion, itemKind := t.info.APIVersion(), t.info.Kind
	var items []*Object
	var last listPage
	for {
		resp, err := t.c.do(ctx, t.request("GET", false, q))
		if err != nil {
			return err
		}
		last = listPage{}
		if err := utiljson.Unmarshal(resp.Body, &last); err != nil {
			return fmt.Errorf("kobj: decoding a list page: %w", err)
		}
		for _, raw := range last.Items {
			// Each item keeps the server's JSON of itself, so that an Update
			// through Items() sends only its changes, removals included.
			var m map[string]any
			if err := utiljson.Unmarshal(raw, &m); err != nil || m == nil {
				return fmt.Errorf("kobj: decoding a list item: not an object: %v", err)
			}
			if _, ok := m["apiVersion"]; !ok {
				m["apiVersion"] = apiVersion
			}
			if _, ok := m["kind"]; !ok {
				m["kind"] = itemKind
			}
			item := wrap(m)
			item.client, item.served = o.client, raw
			items = append(items, item)
		}
		next, _ := last.Metadata["continue"].(string)
		if next == "" {
			break
		}
		q.Set("continue", next)
	}
	if last.Metadata == nil {
		last.Metadata = map[string]any{}
	}
	delete(last.Metadata, "continue")
	maps := make([]any, len(items))
	for i, it := range items {
		maps[i] = it.u.Object
	}
	o.u.Object = map[string]any{"apiVersion": o.APIVersion(), "kind": o.Kind(), "metadata": last.Metadata, "items": maps}
	o.served, o.items = nil, items
	return nil
}

// listPage is one page of a list as the server sends it.
type listPage struct {
	Metadata map[string]any    `json:"metadata"`
	Items    []json.RawMessage `json:"items"`
}

// Update sends the changes made to o since it was last read or written as
// a JSON merge patch carrying metadata.resourceVersion, and updates o from
// the server's answer. A field removed from o is removed on the server; if
// someone changed the object since, the server answers Conflict
// (apierrors.IsConflict) and nothing is written. An object never read from
// the server is sent whole. With DryRun, o is left as it was (still holding
// its changes) and the server's answer is returned as a new object. Options: WithClient, Named, InNamespace,
// DryRun, FieldManager.
func (o *Object) Update(ctx context.Context, opts ...Option) (*Object, error) {
	co, err := gather("Update", opts, "Named", "InNamespace", "DryRun", "FieldManager")
	if err != nil {
		return o, err
	}
	return o.update(ctx, co)
}

func (o *Object) update(ctx context.Context, co *callOptions) (*Object, error) {
	t, err := o.resolve(ctx, "Update", "patch", co, true)
	if err != nil {
		return o, err
	}
	patch, err := o.mergePatch()
	if err != nil {
		return o, err
	}
	req := t.request("PATCH", true, writeQuery(co))
	req.body, req.contentType = patch, string(MergePatch)
	resp, err := t.c.do(ctx, req)
	if err != nil {
		return o, err
	}
	return o.answer(resp.Body, co)
}

// mergePatch is the JSON merge patch (RFC 7386) from the object as last
// served to o, with o's resourceVersion as the precondition.
func (o *Object) mergePatch() ([]byte, error) {
	var patch map[string]any
	if o.served == nil {
		patch = o.u.Object
	} else {
		var before map[string]any
		if err := utiljson.Unmarshal(o.served, &before); err != nil {
			return nil, fmt.Errorf("kobj: reading the last served object: %w", err)
		}
		patch = diffMerge(before, o.u.Object)
		if rv := o.ResourceVersion(); rv != "" {
			md, ok := patch["metadata"].(map[string]any)
			if !ok {
				md = map[string]any{}
				patch["metadata"] = md
			}
			md["resourceVersion"] = rv
		}
	}
	b, err := json.Marshal(patch)
	if err != nil {
		return nil, fmt.Errorf("kobj: %s: %w", o, err)
	}
	return b, nil
}

// diffMerge returns the merge patch that turns before into after: removed
// keys as null, changed maps recursively, anything else replaced whole.
func diffMerge(before, after map[string]any) map[string]any {
	patch := map[string]any{}
	for k, bv := range before {
		av, ok := after[k]
		if !ok {
			patch[k] = nil
			continue
		}
		bm, bIsMap := bv.(map[string]any)
		am, aIsMap := av.(map[string]any)
		if bIsMap && aIsMap {
			if sub := diffMerge(bm, am); len(sub) > 0 {
				patch[k] = sub
			}
			continue
		}
		if !equalJSON(bv, av) {
			patch[k] = av
		}
	}
	for k, av := range after {
		if _, ok := before[k]; !ok {
			patch[k] = av
		}
	}
	return patch
}

// Delete deletes the object on the server. The object may be anonymous:
// New("v1", "Pod").Delete(ctx, Named("p"), InNamespace("ns")). When the
// server answers with the object (deletion pending on finalizers), o is
// updated from it; when it answers with a Status, o is left as it was.
// Options: WithClient, Named, InNamespace, DryRun, PropagationPolicy,
// GracePeriod.
func (o *Object) Delete(ctx context.Context, opts ...Option) (*Object, error) {
	co, err := gather("Delete", opts, "Named", "InNamespace", "DryRun", "PropagationPolicy", "GracePeriod")
	if err != nil {
		return o, err
	}
	t, err := o.resolve(ctx, "Delete", "delete", co, true)
	if err != nil {
		return o, err
	}
	req := t.request("DELETE", true, nil)
	if co.dryRun || co.propagation != nil || co.gracePeriod != nil {
		do := metav1.DeleteOptions{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "DeleteOptions"},
			PropagationPolicy: co.propagation, GracePeriodSeconds: co.gracePeriod}
		if co.dryRun {
			do.DryRun = []string{metav1.DryRunAll}
		}
		req.body, _ = json.Marshal(do)
	}
	resp, err := t.c.do(ctx, req)
	if err != nil {
		return o, err
	}
	m, err := decodeAnswer(resp.Body)
	if err != nil || m["kind"] == "Status" || m["kind"] == nil {
		return o, nil // deleted: the server answered with a Status
	}
	return o.take(m, resp.Body, co), nil
}

// maxConflictRetries bounds Edit's re-reads under RetryOnConflict.
const maxConflictRetries = 100

// Edit runs fn on o, then Updates o; if fn fails, nothing is sent. With
// Rollback, a failure of fn or of the update restores o as it was before
// Edit (the local object only). With RetryOnConflict, a Conflict makes Edit
// read o again and run fn again. It returns o and the first error of fn
// (as is, for errors.Is) or of the update. Options: those of Update, and
// Rollback and RetryOnConflict.
func (o *Object) Edit(ctx context.Context, fn func(*Object) error, opts ...Option) (*Object, error) {
	co, err := gather("Edit", opts, "Named", "InNamespace", "DryRun", "FieldManager", "Rollback", "RetryOnConflict")
	if err != nil {
		return o, err
	}
	if fn == nil {
		return o, errors.New("kobj: Edit: nil edit function")
	}
	if _, err := o.resolve(ctx, "Edit", "patch", co, true); err != nil {
		return o, err // before fn runs: a kind that cannot be updated is not edited
	}
	var before *Object
	if co.rollback {
		before = o.DeepCopy()
	}
	fail := func(err error) (*Object, error) {
		if before != nil {
			o.u.Object, o.served, o.items = before.u.Object, before.served, nil
		}
		return o, err
	}
	for attempt := 1; ; attempt++ {
		if err := fn(o); err != nil {
			return fail(err)
		}
		_, err := o.update(ctx, co)
		if err == nil {
			return o, nil
		}
		if !co.retryOnConfict || !apierrors.IsConflict(err) || attempt >= maxConflictRetries {
			return fail(err)
		}
		if err := sleep(ctx, conflictBackoff(attempt)); err != nil {
			return fail(err)
		}
		if err := o.read(ctx, co); err != nil {
			return fail(err)
		}
	}
}

// conflictBackoff spreads retrying writers apart: a random wait that grows
// with the attempt, up to 100ms.
func conflictBackoff(attempt int) time.Duration {
	return time.Duration(rand.Int64N(int64(min(attempt, 20))*5+1)) * time.Millisecond
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
