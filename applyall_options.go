package kobj

// PruneOption is what [Prune] returns; see there.
type PruneOption struct{ parent *Object }

// Prune makes ApplyAll manage its objects as an ApplySet (KEP-3659) whose
// parent is the given object, the way `kubectl apply --server-side
// --prune --applyset=<parent>` does, with the same labels and annotations,
// so that kubectl and kobj see the same set:
//
//   - the parent (a Secret or ConfigMap, created when missing, or an
//     existing custom resource whose CRD has the label
//     applyset.kubernetes.io/is-parent-type) gets the label
//     [ApplySetIDLabel] and the annotations [ApplySetToolingAnnotation],
//     [ApplySetGroupKindsAnnotation] and [ApplySetNamespacesAnnotation],
//     under the field manager "kobj-applyset";
//   - every object of the set gets the label [ApplySetPartOfLabel] (on
//     the caller's object too);
//   - before applying, the parent is updated to list the kinds and
//     namespaces of the old set and the new one, so that an interrupted
//     run leaks nothing; after every object applied, each listed kind is
//     listed in each listed namespace with the part-of label, and the
//     objects not in this run's set are deleted (reported as [Pruned]);
//     then the parent is trimmed to the new set. When an apply fails,
//     nothing is pruned and the parent keeps the superset.
//
// Only objects carrying the part-of label with this set's id are pruned;
// never the parent. Only the parent's apiVersion, kind, namespace
// (default: the client's) and name are used; the caller's parent object
// is not changed. Its tooling annotation is [DefaultApplySetTooling]
// ("kobj/<version>"): a set whose parent another tool manages is refused
// with [ErrForeignApplySet], and kubectl likewise refuses a set kobj
// manages, unless [ApplySetTooling] says otherwise.
func Prune(parent *Object) PruneOption { return PruneOption{parent: parent} }

func (p PruneOption) applyToApplyAll(so *setOptions) {
	so.prune = true
	so.parent = p.parent
}

// ApplySetToolingOption is what [ApplySetTooling] returns; see there.
type ApplySetToolingOption string

// ApplySetTooling makes ApplyAll with [Prune] write tooling (in the form
// "<tool name>/<version>") as the parent's tooling annotation instead of
// [DefaultApplySetTooling], and manage the parent's fields as "<tool
// name>-applyset". Only the tool's name is compared with the tooling of an
// existing parent, as kubectl does: ApplySetTooling("kubectl/v1.37.2")
// lets kobj take over a set that `kubectl apply --applyset` manages, and
// lets kubectl go on managing the set afterwards. A value without a name
// and a version is an error before any request.
func ApplySetTooling(tooling string) ApplySetToolingOption { return ApplySetToolingOption(tooling) }

func (t ApplySetToolingOption) applyToApplyAll(so *setOptions) { so.tooling = string(t) }

// RecreateOnImmutableOption is what [RecreateOnImmutable] returns; see
// there.
type RecreateOnImmutableOption struct{}

// RecreateOnImmutable makes ApplyAll replace an object whose apply the
// server refuses because it changes an immutable field (a 422 Invalid
// whose message says "immutable": the data of a ConfigMap with
// immutable: true, a Service's clusterIP, a Job's template, ...): the
// object is deleted, ApplyAll waits until it is gone (its finalizers
// done), and applies it again, creating a new object with a new UID. Its
// Change has Action [Created] and Recreated set. With [DryRun], nothing is
// deleted and the Change says what would happen. Without this option such
// an object fails with the server's error.
func RecreateOnImmutable() RecreateOnImmutableOption { return RecreateOnImmutableOption{} }

func (RecreateOnImmutableOption) applyToApplyAll(so *setOptions) { so.recreate = true }

// applyToApplyAll makes ApplyAll a dry run: every object is applied with
// dryRun=All, the ApplySet parent is not written, and nothing is pruned or
// deleted; the ChangeSet says what would be done.
func (d DryRunOption) applyToApplyAll(so *setOptions) {
	so.dryRun = true
	so.apply = append(so.apply, d)
}
