package kobj

// The options of the verbs on a set of objects, [Client.ApplyAll] and
// [Client.DeleteAll]: the set's own (Prune, ApplySetTooling,
// RecreateOnImmutable, WaitForDeletion), and those of Apply and Delete
// they pass on to each object (DryRun, FieldManager, Force,
// FieldValidation; PropagationPolicy, GracePeriod).

// ApplyAllOption is an option that [Client.ApplyAll] takes: [FieldManager],
// [Force] and [FieldValidation], passed on to each object's Apply; [DryRun];
// and [Prune], [ApplySetTooling] and [RecreateOnImmutable].
type ApplyAllOption interface{ applyToApplyAll(*setOptions) }

// DeleteAllOption is an option that [Client.DeleteAll] takes:
// [PropagationPolicy] and [GracePeriod], passed on to each object's Delete,
// and [WaitForDeletion].
type DeleteAllOption interface{ applyToDeleteAll(*setOptions) }

// setOptions gathers the options of ApplyAll and DeleteAll.
type setOptions struct {
	apply           []ApplyOption  // for each object's Apply
	del             []DeleteOption // for each object's Delete
	waitForDeletion bool
	dryRun          bool    // ApplyAll: DryRun
	prune           bool    // ApplyAll: Prune
	parent          *Object // Prune's parent
	tooling         string  // ApplySetTooling, else DefaultApplySetTooling
	recreate        bool    // RecreateOnImmutable
}

type pruneOption struct{ parent *Object }

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
//
// ApplyAll takes it.
func Prune(parent *Object) ApplyAllOption { return pruneOption{parent: parent} }

func (p pruneOption) applyToApplyAll(so *setOptions) {
	so.prune = true
	so.parent = p.parent
}

type applySetToolingOption string

// ApplySetTooling makes ApplyAll with [Prune] write tooling (in the form
// "<tool name>/<version>") as the parent's tooling annotation instead of
// [DefaultApplySetTooling], and manage the parent's fields as "<tool
// name>-applyset". Only the tool's name is compared with the tooling of an
// existing parent, as kubectl does: ApplySetTooling("kubectl/v1.37.2")
// lets kobj take over a set that `kubectl apply --applyset` manages, and
// lets kubectl go on managing the set afterwards. A value without a name
// and a version is an error before any request. ApplyAll takes it.
func ApplySetTooling(tooling string) ApplyAllOption {
	return applySetToolingOption(tooling)
}

func (t applySetToolingOption) applyToApplyAll(so *setOptions) { so.tooling = string(t) }

type recreateOnImmutableOption struct{}

// RecreateOnImmutable makes ApplyAll replace an object whose apply the
// server refuses because it changes an immutable field (a 422 Invalid
// whose message says "immutable": the data of a ConfigMap with
// immutable: true, a Service's clusterIP, a Job's template, ...): the
// object is deleted, ApplyAll waits until it is gone (its finalizers
// done), and applies it again, creating a new object with a new UID. Its
// Change has Action [Created] and Recreated set. With [DryRun], nothing is
// deleted and the Change says what would happen. Without this option such
// an object fails with the server's error.
// ApplyAll takes it.
func RecreateOnImmutable() ApplyAllOption { return recreateOnImmutableOption{} }

func (recreateOnImmutableOption) applyToApplyAll(so *setOptions) { so.recreate = true }

type waitForDeletionOption struct{}

// WaitForDeletion makes DeleteAll wait, stage by stage, until the objects
// it deleted are gone from the server (their finalizers done) before it
// deletes the next stage, and before it returns. DeleteAll takes it.
func WaitForDeletion() DeleteAllOption { return waitForDeletionOption{} }

func (waitForDeletionOption) applyToDeleteAll(so *setOptions) { so.waitForDeletion = true }
