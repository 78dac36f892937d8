package kobj

import (
	"time"

	"github.com/kobj-dev/kobj/internal/ssa"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// The options that say how a write is made: dry run, field manager and
// validation, Apply's Force, Delete's propagation, grace period and
// preconditions, and the patch type of a patch called by name. Those that
// ApplyAll and DeleteAll take are passed on to each object's Apply or
// Delete.

type dryRunOption struct{}

// DryRun asks the server to validate and answer without persisting
// anything (dryRun=All). Create, Update, Delete, Edit, Apply, ApplyStatus
// and ApplyAll take it. ApplyAll then applies every object with
// dryRun=All, writes no ApplySet parent, prunes and deletes nothing, and
// its ChangeSet says what would be done.
func DryRun() dryRunOption { return dryRunOption{} }

func (dryRunOption) apply(co *callOptions)           { co.dryRun = true }
func (d dryRunOption) applyToCreate(co *callOptions) { d.apply(co) }
func (d dryRunOption) applyToUpdate(co *callOptions) { d.apply(co) }
func (d dryRunOption) applyToDelete(co *callOptions) { d.apply(co) }
func (d dryRunOption) applyToEdit(co *callOptions)   { d.apply(co) }
func (d dryRunOption) applyToApply(co *callOptions)  { d.apply(co) }
func (d dryRunOption) applyToApplyAll(so *setOptions) {
	so.dryRun = true
	so.apply = append(so.apply, d)
}

// FieldManager names the actor making a change, for managed fields.
// Create, Update, Edit, Apply, ApplyStatus and ApplyAll take it. For
// Apply, the name must not be empty nor longer than 128 bytes, and must be
// printable: otherwise Apply fails before any request.
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
// Create, Update, Edit, Apply, ApplyStatus and ApplyAll take it; another
// value is an error before any request.
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

type forceOption struct{}

// Force makes Apply take the fields it sets that other managers own,
// instead of failing with an *ApplyConflictError (kubectl's
// --force-conflicts). Apply, ApplyStatus and ApplyAll take it.
func Force() forceOption { return forceOption{} }

func (forceOption) applyToApply(co *callOptions)     { co.force = true }
func (f forceOption) applyToApplyAll(so *setOptions) { so.apply = append(so.apply, f) }

// PropagationPolicy sets how Delete treats dependents:
// metav1.DeletePropagationOrphan, Background or Foreground. Delete and
// DeleteAll take it.
type PropagationPolicy metav1.DeletionPropagation

func (p PropagationPolicy) applyToDelete(co *callOptions) {
	dp := metav1.DeletionPropagation(p)
	co.propagation = &dp
}
func (p PropagationPolicy) applyToDeleteAll(so *setOptions) { so.del = append(so.del, p) }

// GracePeriod sets Delete's grace period. The API counts whole seconds: a
// fraction rounds up, so that 500ms never becomes 0 (delete at once). A
// negative duration is an error before any request. Delete and DeleteAll
// take it.
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
// read it, is then left alone. Delete takes it.
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

// PatchType is the content type of a patch body, apimachinery's own type.
type PatchType = types.PatchType

// The patch types the API server accepts.
const (
	JSONPatch           = types.JSONPatchType
	MergePatch          = types.MergePatchType
	StrategicMergePatch = types.StrategicMergePatchType
	ApplyPatch          = types.ApplyYAMLPatchType
)

type patchAsOption struct{ t PatchType }

// PatchAs sets the patch type of a patch operation called by name; the
// default is a JSON merge patch. The calls by operation name
// ([Object.Call], [Client.Call] and their async forms) take it.
func PatchAs(t PatchType) CallOption { return patchAsOption{t} }

func (p patchAsOption) applyToCall(co *callOptions) { co.patchType = p.t }
