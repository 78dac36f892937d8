package kobj

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kobj-dev/kobj/internal/ssa"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Apply sends o as a server-side apply patch under a field manager (the
// FieldManager option, else the client's DefaultFieldManager, else "kobj")
// and updates o from the server's answer, which it returns. A missing
// object is created. The server then owns, for this manager, exactly the
// fields sent: a field this manager applied before and no longer sends is
// removed, unless another manager owns it too.
//
// What is sent: an object never read from the server is sent as it is,
// without status and the fields only the server writes (managedFields,
// resourceVersion, uid, creationTimestamp, generation, ...). An object that
// came from the server sends only the fields its manager owns plus what was
// changed locally since, so that reading an object and applying it does
// not take every other manager's fields. A field removed locally that this
// manager does not own stays on the server.
//
// It fails before any request when the object has no name (generateName
// cannot be applied), is a list, has a namespace while its kind is
// cluster-scoped, or the field manager is empty or longer than 128 bytes.
// Setting a field another manager owns fails with an *ApplyConflictError
// (apierrors.IsConflict is true for it) unless [Force] is given. With
// [DryRun], o is left as it was and the server's answer is returned as a
// new object.
func (o *Object) Apply(ctx context.Context, opts ...ApplyOption) (_ *Object, err error) {
	defer wrapCall(&err, callName("Apply", o))
	return o.apply(ctx, opts, false)
}

// ApplyStatus is Apply on the status subresource: it sends the object's
// status only, under the same rules, and updates o from the answer. It
// fails before any request, wrapping ErrUnsupported, when the kind has no
// status subresource that takes a patch.
func (o *Object) ApplyStatus(ctx context.Context, opts ...ApplyOption) (_ *Object, err error) {
	defer wrapCall(&err, callName("ApplyStatus", o))
	return o.apply(ctx, opts, true)
}

func (o *Object) apply(ctx context.Context, opts []ApplyOption, status bool) (*Object, error) {
	co, c, err := begin(o, opts, ApplyOption.applyToApply)
	if err != nil {
		return o, err
	}
	if err := o.checkApplicable(ctx, c, co); err != nil {
		return o, err
	}
	t, err := o.resolve(ctx, "patch", co, true)
	if err != nil {
		return o, err
	}
	if status && !hasSubresourceVerb(t.info.Subresources, "status", "patch") {
		return o, fmt.Errorf("%s %s has no status subresource that takes a patch: %w", o.APIVersion(), o.Kind(), ErrUnsupported)
	}
	manager := co.fieldManager
	if manager == "" {
		manager = t.c.manager
	}
	served, err := o.lastServed()
	if err != nil {
		return o, err
	}
	body, err := ssa.Body(o.u.Object, served, manager, status, t.name, t.namespace)
	if err != nil {
		return o, err
	}
	po := &metav1.PatchOptions{DryRun: co.dryRunValue(), FieldManager: manager, FieldValidation: co.fieldValidation}
	if co.force {
		po.Force = &co.force
	}
	req, err := t.request("PATCH", true, po)
	if err != nil {
		return o, err
	}
	if status {
		req.Path += "/status"
	}
	if req.Body, err = json.Marshal(body); err != nil {
		return o, err
	}
	// An apply states the whole intent: sending it twice has the effect of
	// sending it once.
	req.ContentType, req.Idempotent = string(ApplyPatch), true
	resp, err := t.c.do(ctx, req)
	if err != nil {
		return o, applyConflict(err)
	}
	return o.answer(resp.Body, co)
}

// checkApplicable rejects, before any request, what the API cannot apply:
// an object with only generateName, and lists.
func (o *Object) checkApplicable(ctx context.Context, c *Client, co *callOptions) error {
	// Discovery, not the object's content, says whether a kind is a list:
	// AllowList may be a kind of its own.
	list, err := c.isListKind(ctx, o.APIVersion(), o.Kind())
	if err != nil {
		return err
	}
	if list {
		return fmt.Errorf("%s is a list kind: apply its items one by one", o.Kind())
	}
	if o.Name() == "" && co.name == "" {
		if gn := o.u.GetGenerateName(); gn != "" {
			return fmt.Errorf("metadata.generateName %q cannot be applied: apply needs metadata.name", gn)
		}
		return errors.New("no name: set metadata.name or pass kobj.Named")
	}
	return nil
}

func hasSubresourceVerb(subs []subresourceInfo, name, verb string) bool {
	for _, s := range subs {
		if s.Name == name {
			return slices.Contains(s.Verbs, verb)
		}
	}
	return false
}

// applyConflict turns the server's 409 with FieldManagerConflict causes
// into an *ApplyConflictError; any other error is returned as it is.
func applyConflict(err error) error {
	var se *apierrors.StatusError
	if !errors.As(err, &se) || !apierrors.IsConflict(err) || se.ErrStatus.Details == nil {
		return err
	}
	var conflicts []FieldConflict
	for _, cause := range se.ErrStatus.Details.Causes {
		if cause.Type != metav1.CauseTypeFieldManagerConflict {
			continue
		}
		conflicts = append(conflicts, FieldConflict{Manager: conflictManager(cause.Message),
			Field: cause.Field, Message: cause.Message})
	}
	if conflicts == nil {
		return err // a stale resourceVersion, say: not about ownership
	}
	return &ApplyConflictError{Err: se, Conflicts: conflicts}
}

// conflictManager reads the manager's name from a cause's message, which
// the server writes as `conflict with "name"` followed by details such as
// ` using v1` or ` with subresource "status"`; the message itself when it
// has another form.
func conflictManager(msg string) string {
	rest, ok := strings.CutPrefix(msg, "conflict with ")
	if !ok {
		return msg
	}
	q, err := strconv.QuotedPrefix(rest)
	if err != nil {
		return msg
	}
	name, err := strconv.Unquote(q)
	if err != nil {
		return msg
	}
	return name
}
