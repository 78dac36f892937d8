package kobj

// The options that say which object or objects a call is about: its name
// and namespace, and for the Read or Watch of a list, its namespaces,
// selectors, page size and resourceVersion.

// Named gives the object's name for a call; it must agree with
// metadata.name when both are set. Create, Read, Update, Delete, Edit and
// Apply take it; Each refuses it (it walks a list).
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
// cluster-scoped kind. Create, Read, Each, Update, Delete, Edit, Apply,
// Watch, Logs, LogLines, Exec and PortForward take it.
type InNamespace string

func (n InNamespace) apply(co *callOptions)                { co.namespace = string(n) }
func (n InNamespace) applyToCreate(co *callOptions)        { n.apply(co) }
func (n InNamespace) applyToRead(co *callOptions)          { n.apply(co) }
func (n InNamespace) applyToUpdate(co *callOptions)        { n.apply(co) }
func (n InNamespace) applyToDelete(co *callOptions)        { n.apply(co) }
func (n InNamespace) applyToEdit(co *callOptions)          { n.apply(co) }
func (n InNamespace) applyToApply(co *callOptions)         { n.apply(co) }
func (n InNamespace) applyToWatch(co *callOptions)         { n.apply(co) }
func (n InNamespace) applyToLogs(so *streamOptions)        { n.apply(&so.call) }
func (n InNamespace) applyToExec(so *streamOptions)        { n.apply(&so.call) }
func (n InNamespace) applyToPortForward(so *streamOptions) { n.apply(&so.call) }

type allNamespacesOption struct{}

// AllNamespaces makes the Read, Each or Watch of a list span every
// namespace. Read, Each and Watch take it.
func AllNamespaces() allNamespacesOption { return allNamespacesOption{} }

func (allNamespacesOption) applyToRead(co *callOptions)  { co.allNamespaces = true }
func (allNamespacesOption) applyToWatch(co *callOptions) { co.allNamespaces = true }

// LabelSelector filters the Read, Each or Watch of a list, as kubectl -l
// does. Read, Each and Watch take it.
type LabelSelector string

func (s LabelSelector) applyToRead(co *callOptions)  { co.labelSelector = string(s) }
func (s LabelSelector) applyToWatch(co *callOptions) { co.labelSelector = string(s) }

// FieldSelector filters the Read, Each or Watch of a list, as kubectl
// --field-selector does. Read, Each and Watch take it.
type FieldSelector string

func (s FieldSelector) applyToRead(co *callOptions)  { co.fieldSelector = string(s) }
func (s FieldSelector) applyToWatch(co *callOptions) { co.fieldSelector = string(s) }

// Limit sets the page size of the Read of a list; every page is still
// read. A negative limit is an error before any request. Read takes it,
// and Each, where it is the page size (default 500) and must be at least 1.
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
// API's resourceVersion parameter with resourceVersionMatch unset. Read
// takes it.
type AtResourceVersion string

func (v AtResourceVersion) applyToRead(co *callOptions) { co.resourceVersion = string(v) }

// FromResourceVersion makes Watch resume from a checkpoint, a
// resourceVersion that an earlier watch gave ([Watcher.ResourceVersion] or
// [WatchEvent].ResourceVersion): it sends only what changed after it,
// without the initial Resync ... Synced. When the server no longer has
// that version (410 Gone), the watch lists instead, between Resync and
// Synced. "" and "0" are errors before any request: they are not
// checkpoints. Watch takes it.
type FromResourceVersion string

func (v FromResourceVersion) applyToWatch(co *callOptions) {
	if v == "" || v == "0" {
		co.fail("FromResourceVersion(%q): not a checkpoint; omit the option to start with the current state", string(v))
		return
	}
	co.resumeFrom = string(v)
}
