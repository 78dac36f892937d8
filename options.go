package kobj

import (
	"fmt"
	"time"

	"github.com/kobj-dev/kobj/internal/ssa"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Options are small values, as in controller-runtime's client package. Each
// option type implements the option interface of every verb that can take
// it, so that passing an option a verb cannot take (Limit to Create, say)
// does not compile. The verbs' interfaces:
//
//   - [CreateOption]: [Object.Create]
//   - [ReadOption]: [Object.Read]
//   - [UpdateOption]: [Object.Update]
//   - [DeleteOption]: [Object.Delete]
//   - [EditOption]: [Object.Edit]
//   - [CallOption]: [Client.Call], [Object.Call] and their async forms
//   - [ApplyOption]: [Object.Apply] and [Object.ApplyStatus]
//   - [WatchOption]: [Object.Watch]
//   - [ApplyAllOption]: [Client.ApplyAll]
//   - [DeleteAllOption]: [Client.DeleteAll]

// CreateOption is an option that [Object.Create] takes.
type CreateOption interface{ applyToCreate(*callOptions) }

// ReadOption is an option that [Object.Read] takes.
type ReadOption interface{ applyToRead(*callOptions) }

// UpdateOption is an option that [Object.Update] takes.
type UpdateOption interface{ applyToUpdate(*callOptions) }

// DeleteOption is an option that [Object.Delete] takes.
type DeleteOption interface{ applyToDelete(*callOptions) }

// EditOption is an option that [Object.Edit] takes: every UpdateOption,
// and [Rollback] and [RetryOnConflict].
type EditOption interface{ applyToEdit(*callOptions) }

// CallOption is an option that the calls by operation name take.
type CallOption interface{ applyToCall(*callOptions) }

// ApplyOption is an option that [Object.Apply] and [Object.ApplyStatus]
// take.
type ApplyOption interface{ applyToApply(*callOptions) }

// WatchOption is an option that [Object.Watch] takes.
type WatchOption interface{ applyToWatch(*callOptions) }

// ApplyAllOption is an option that [Client.ApplyAll] takes: [FieldManager],
// [Force] and [FieldValidation], passed on to each object's Apply.
type ApplyAllOption interface{ applyToApplyAll(*setOptions) }

// DeleteAllOption is an option that [Client.DeleteAll] takes:
// [PropagationPolicy] and [GracePeriod], passed on to each object's Delete,
// and [WaitForDeletion].
type DeleteAllOption interface{ applyToDeleteAll(*setOptions) }

// callOptions gathers the options of one call.
type callOptions struct {
	client          *Client
	name            string
	namespace       string
	allNamespaces   bool
	dryRun          bool
	fieldManager    string
	fieldValidation string
	propagation     *metav1.DeletionPropagation
	gracePeriod     *int64
	preconditions   *metav1.Preconditions
	labelSelector   string
	fieldSelector   string
	limit           int64
	resourceVersion string
	rollback        bool
	retryOnConflict bool
	patchType       types.PatchType
	force           bool   // Apply: take fields other managers own
	resumeFrom      string // FromResourceVersion: a watch's checkpoint
	err             error  // the first option that is invalid in itself
}

// fail records the first invalid option.
func (o *callOptions) fail(format string, args ...any) {
	if o.err == nil {
		o.err = fmt.Errorf(format, args...)
	}
}

// gather applies opts with the verb's apply method and reports the first
// option that is invalid in itself (a negative GracePeriod, say).
func gather[T any](opts []T, apply func(T, *callOptions)) (*callOptions, error) {
	co := &callOptions{}
	for _, o := range opts {
		if any(o) != nil {
			apply(o, co)
		}
	}
	return co, co.err
}

// WithClientOption is what WithClient returns; every verb takes it.
type WithClientOption struct{ c *Client }

// WithClient makes one call use c, ahead of the object's client and the
// default client. Every verb takes it.
func WithClient(c *Client) WithClientOption { return WithClientOption{c} }

func (o WithClientOption) apply(co *callOptions)         { co.client = o.c }
func (o WithClientOption) applyToCreate(co *callOptions) { o.apply(co) }
func (o WithClientOption) applyToRead(co *callOptions)   { o.apply(co) }
func (o WithClientOption) applyToUpdate(co *callOptions) { o.apply(co) }
func (o WithClientOption) applyToDelete(co *callOptions) { o.apply(co) }
func (o WithClientOption) applyToEdit(co *callOptions)   { o.apply(co) }
func (o WithClientOption) applyToCall(co *callOptions)   { o.apply(co) }
func (o WithClientOption) applyToApply(co *callOptions)  { o.apply(co) }
func (o WithClientOption) applyToWatch(co *callOptions)  { o.apply(co) }

// Named gives the object's name for a call; it must agree with
// metadata.name when both are set. Create, Read, Update, Delete, Edit and
// Apply take it.
type Named string

func (n Named) apply(co *callOptions)         { co.name = string(n) }
func (n Named) applyToCreate(co *callOptions) { n.apply(co) }
func (n Named) applyToRead(co *callOptions)   { n.apply(co) }
func (n Named) applyToUpdate(co *callOptions) { n.apply(co) }
func (n Named) applyToDelete(co *callOptions) { n.apply(co) }
func (n Named) applyToEdit(co *callOptions)   { n.apply(co) }
func (n Named) applyToApply(co *callOptions)  { n.apply(co) }

// InNamespace gives the namespace for a call; it must agree with
// metadata.namespace when both are set, and is an error for a
// cluster-scoped kind. Create, Read, Update, Delete, Edit and Apply take
// it.
type InNamespace string

func (n InNamespace) apply(co *callOptions)         { co.namespace = string(n) }
func (n InNamespace) applyToCreate(co *callOptions) { n.apply(co) }
func (n InNamespace) applyToRead(co *callOptions)   { n.apply(co) }
func (n InNamespace) applyToUpdate(co *callOptions) { n.apply(co) }
func (n InNamespace) applyToDelete(co *callOptions) { n.apply(co) }
func (n InNamespace) applyToEdit(co *callOptions)   { n.apply(co) }
func (n InNamespace) applyToApply(co *callOptions)  { n.apply(co) }
func (n InNamespace) applyToWatch(co *callOptions)  { n.apply(co) }

// AllNamespacesOption is what [AllNamespaces] returns; see there.
type AllNamespacesOption struct{}

// AllNamespaces makes the Read or Watch of a list span every namespace.
func AllNamespaces() AllNamespacesOption { return AllNamespacesOption{} }

func (AllNamespacesOption) applyToRead(co *callOptions)  { co.allNamespaces = true }
func (AllNamespacesOption) applyToWatch(co *callOptions) { co.allNamespaces = true }

// DryRunOption is what [DryRun] returns; see there.
type DryRunOption struct{}

// DryRun asks the server to validate and answer without persisting
// anything (dryRun=All). Create, Update, Delete, Edit and Apply take it.
func DryRun() DryRunOption { return DryRunOption{} }

func (DryRunOption) apply(co *callOptions)           { co.dryRun = true }
func (d DryRunOption) applyToCreate(co *callOptions) { d.apply(co) }
func (d DryRunOption) applyToUpdate(co *callOptions) { d.apply(co) }
func (d DryRunOption) applyToDelete(co *callOptions) { d.apply(co) }
func (d DryRunOption) applyToEdit(co *callOptions)   { d.apply(co) }
func (d DryRunOption) applyToApply(co *callOptions)  { d.apply(co) }

// FieldManager names the actor making a change, for managed fields.
// Create, Update, Edit and Apply take it. For Apply, the name must not be
// empty nor longer than 128 bytes, and must be printable: otherwise Apply
// fails before any request.
type FieldManager string

func (f FieldManager) apply(co *callOptions)         { co.fieldManager = string(f) }
func (f FieldManager) applyToCreate(co *callOptions) { f.apply(co) }
func (f FieldManager) applyToUpdate(co *callOptions) { f.apply(co) }
func (f FieldManager) applyToEdit(co *callOptions)   { f.apply(co) }
func (f FieldManager) applyToApply(co *callOptions) {
	if err := ssa.ValidFieldManager(string(f)); err != nil {
		co.fail("FieldManager(%q): %w", string(f), err)
		return
	}
	f.apply(co)
}
func (f FieldManager) applyToApplyAll(so *setOptions) { so.apply = append(so.apply, f) }

// FieldValidation tells the server what to do with fields its schema does
// not know or that appear twice: "Strict" fails the write, "Warn" (the
// server's default) writes and warns, "Ignore" drops them silently.
// Create, Update, Edit and Apply take it; another value is an error before
// any request.
type FieldValidation string

func (f FieldValidation) apply(co *callOptions) {
	switch f {
	case "Strict", "Warn", "Ignore":
		co.fieldValidation = string(f)
	default:
		co.fail("FieldValidation(%q): want Strict, Warn or Ignore", string(f))
	}
}
func (f FieldValidation) applyToCreate(co *callOptions) { f.apply(co) }
func (f FieldValidation) applyToUpdate(co *callOptions) { f.apply(co) }
func (f FieldValidation) applyToEdit(co *callOptions)   { f.apply(co) }
func (f FieldValidation) applyToApply(co *callOptions)  { f.apply(co) }
func (f FieldValidation) applyToApplyAll(so *setOptions) {
	so.apply = append(so.apply, f)
}

// ForceOption is what [Force] returns; see there.
type ForceOption struct{}

// Force makes Apply take the fields it sets that other managers own,
// instead of failing with an *ApplyConflictError (kubectl's
// --force-conflicts). Apply and ApplyStatus take it.
func Force() ForceOption { return ForceOption{} }

func (ForceOption) applyToApply(co *callOptions)     { co.force = true }
func (f ForceOption) applyToApplyAll(so *setOptions) { so.apply = append(so.apply, f) }

// PropagationPolicy sets how Delete treats dependents:
// metav1.DeletePropagationOrphan, Background or Foreground.
type PropagationPolicy metav1.DeletionPropagation

func (p PropagationPolicy) applyToDelete(co *callOptions) {
	dp := metav1.DeletionPropagation(p)
	co.propagation = &dp
}
func (p PropagationPolicy) applyToDeleteAll(so *setOptions) { so.del = append(so.del, p) }

// GracePeriod sets Delete's grace period. The API counts whole seconds: a
// fraction rounds up, so that 500ms never becomes 0 (delete at once). A
// negative duration is an error before any request.
type GracePeriod time.Duration

func (g GracePeriod) applyToDelete(co *callOptions) {
	d := time.Duration(g)
	if d < 0 {
		co.fail("GracePeriod(%v): a grace period cannot be negative", d)
		return
	}
	s := int64((d + time.Second - 1) / time.Second)
	co.gracePeriod = &s
}
func (g GracePeriod) applyToDeleteAll(so *setOptions) { so.del = append(so.del, g) }

// Preconditions makes Delete fail with a Conflict unless the object on the
// server still has this UID and resourceVersion (either may be empty, not
// both); a new object under the same name, or a change since the caller
// read it, is then left alone.
type Preconditions struct {
	UID             types.UID
	ResourceVersion string
}

func (p Preconditions) applyToDelete(co *callOptions) {
	if p.UID == "" && p.ResourceVersion == "" {
		co.fail("Preconditions: neither UID nor ResourceVersion given")
		return
	}
	pre := &metav1.Preconditions{}
	if p.UID != "" {
		pre.UID = &p.UID
	}
	if p.ResourceVersion != "" {
		pre.ResourceVersion = &p.ResourceVersion
	}
	co.preconditions = pre
}

// LabelSelector filters the Read or Watch of a list, as kubectl -l does.
type LabelSelector string

func (s LabelSelector) applyToRead(co *callOptions)  { co.labelSelector = string(s) }
func (s LabelSelector) applyToWatch(co *callOptions) { co.labelSelector = string(s) }

// FieldSelector filters the Read or Watch of a list, as kubectl
// --field-selector does.
type FieldSelector string

func (s FieldSelector) applyToRead(co *callOptions)  { co.fieldSelector = string(s) }
func (s FieldSelector) applyToWatch(co *callOptions) { co.fieldSelector = string(s) }

// FromResourceVersion makes Watch resume from a checkpoint, a
// resourceVersion that an earlier watch gave ([Watcher.ResourceVersion] or
// [WatchEvent].ResourceVersion): it sends only what changed after it,
// without the initial Resync ... Synced. When the server no longer has
// that version (410 Gone), the watch lists instead, between Resync and
// Synced. "" and "0" are errors before any request: they are not
// checkpoints.
type FromResourceVersion string

func (v FromResourceVersion) applyToWatch(co *callOptions) {
	if v == "" || v == "0" {
		co.fail("FromResourceVersion(%q): not a checkpoint; omit the option to start with the current state", string(v))
		return
	}
	co.resumeFrom = string(v)
}

// Limit sets the page size of the Read of a list; every page is still
// read. A negative limit is an error before any request.
type Limit int64

func (l Limit) applyToRead(co *callOptions) {
	if l < 0 {
		co.fail("Limit(%d): a page size cannot be negative", int64(l))
		return
	}
	co.limit = int64(l)
}

// AtResourceVersion makes Read answer from the given resourceVersion
// rather than the latest: "0" accepts any version the server has cached
// (cheap, maybe stale); another value, that version or newer, as the
// API's resourceVersion parameter with resourceVersionMatch unset.
type AtResourceVersion string

func (v AtResourceVersion) applyToRead(co *callOptions) { co.resourceVersion = string(v) }

// RollbackOption is what [Rollback] returns; see there.
type RollbackOption struct{}

// Rollback makes Edit restore the object as it was before the edit when
// the edit function fails or panics, or the update fails. Only the local
// object is restored; nothing is undone on the server.
func Rollback() RollbackOption { return RollbackOption{} }

func (RollbackOption) applyToEdit(co *callOptions) { co.rollback = true }

// RetryOnConflictOption is what [RetryOnConflict] returns; see there.
type RetryOnConflictOption struct{}

// RetryOnConflict makes Edit, on a Conflict, read the object again and run
// the edit function again, until it succeeds, fails otherwise, the context
// ends, or 100 attempts have met a Conflict.
func RetryOnConflict() RetryOnConflictOption { return RetryOnConflictOption{} }

func (RetryOnConflictOption) applyToEdit(co *callOptions) { co.retryOnConflict = true }

// PatchType is the content type of a patch body, apimachinery's own type.
type PatchType = types.PatchType

// The patch types the API server accepts.
const (
	JSONPatch           = types.JSONPatchType
	MergePatch          = types.MergePatchType
	StrategicMergePatch = types.StrategicMergePatchType
	ApplyPatch          = types.ApplyYAMLPatchType
)

// PatchAsOption is what [PatchAs] returns; see there.
type PatchAsOption struct{ t PatchType }

// PatchAs sets the patch type of a patch operation called by name; the
// default is a JSON merge patch.
func PatchAs(t PatchType) PatchAsOption { return PatchAsOption{t} }

func (p PatchAsOption) applyToCall(co *callOptions) { co.patchType = p.t }
