package kobj

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Options are small values, as in controller-runtime's client package. Each
// option implements the option interface of every verb that can take it,
// so that passing an option a verb cannot take (Limit to Create, say) does
// not compile. Most constructors return an unexported type: their doc
// comment says which verbs take them. The verbs' interfaces:
//
//   - [CreateOption]: [Object.Create]
//   - [ReadOption]: [Object.Read], [Object.Each]
//   - [UpdateOption]: [Object.Update]
//   - [DeleteOption]: [Object.Delete]
//   - [EditOption]: [Object.Edit]
//   - [CallOption]: [Client.Call], [Object.Call] and their async forms
//   - [ApplyOption]: [Object.Apply] and [Object.ApplyStatus]
//   - [WatchOption]: [Object.Watch]
//   - [ApplyAllOption]: [Client.ApplyAll]; [DeleteAllOption]:
//     [Client.DeleteAll] (options_set.go)
//   - [LogOption], [ExecOption], [PortForwardOption]: the streaming verbs
//     (options_stream.go)
//   - [IntoOption]: [Object.Into], [As], [ItemsAs]; [MergeOption]:
//     [Object.Merge] (options_local.go)
//   - [ClientOption]: [NewClient] (options_client.go)
//
// The options themselves, by family: which object or objects a call names
// (options_target.go), how a write is made (options_write.go), Edit's
// (options_edit.go), and [WithClient], which every verb takes (here).

// CreateOption is an option that [Object.Create] takes.
type CreateOption interface{ applyToCreate(*callOptions) }

// ReadOption is an option that [Object.Read] and [Object.Each] take.
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
	patchType       PatchType
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

type withClientOption struct{ c *Client }

// WithClient makes one call use c, ahead of the object's client and the
// default client. Every verb that talks to the server takes it (not
// ApplyAll and DeleteAll, methods of the client they use): Create, Read,
// Update, Delete, Edit, Apply, ApplyStatus, Watch, the calls by operation
// name, Logs, LogLines, Exec and PortForward.
func WithClient(c *Client) withClientOption { return withClientOption{c} }

func (o withClientOption) apply(co *callOptions)                { co.client = o.c }
func (o withClientOption) applyToCreate(co *callOptions)        { o.apply(co) }
func (o withClientOption) applyToRead(co *callOptions)          { o.apply(co) }
func (o withClientOption) applyToUpdate(co *callOptions)        { o.apply(co) }
func (o withClientOption) applyToDelete(co *callOptions)        { o.apply(co) }
func (o withClientOption) applyToEdit(co *callOptions)          { o.apply(co) }
func (o withClientOption) applyToCall(co *callOptions)          { o.apply(co) }
func (o withClientOption) applyToApply(co *callOptions)         { o.apply(co) }
func (o withClientOption) applyToWatch(co *callOptions)         { o.apply(co) }
func (o withClientOption) applyToLogs(so *streamOptions)        { o.apply(&so.call) }
func (o withClientOption) applyToExec(so *streamOptions)        { o.apply(&so.call) }
func (o withClientOption) applyToPortForward(so *streamOptions) { o.apply(&so.call) }
