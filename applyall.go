package kobj

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/kobj-dev/kobj/internal/setorder"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// setConcurrency bounds how many objects of one stage ApplyAll and
// DeleteAll send at the same time.
const setConcurrency = 8

// ChangeAction says what ApplyAll did to one object.
type ChangeAction string

// The actions of a Change.
const (
	// Created: the object did not exist and the apply created it.
	Created ChangeAction = "Created"
	// Configured: the object existed and the apply changed it (its
	// resourceVersion moved).
	Configured ChangeAction = "Configured"
	// Unchanged: the object existed and the apply wrote nothing (its
	// resourceVersion stayed as it was).
	Unchanged ChangeAction = "Unchanged"
	// Pruned: the object was deleted because it left its ApplySet (see
	// [Prune]); with [DryRun], it would be.
	Pruned ChangeAction = "Pruned"
)

// Change is what ApplyAll did to one object of its set. Object is the
// caller's object, updated in place from the server's answer as Apply
// updates it (left as it was by a [DryRun]); for a Pruned object, the
// object as listed before its deletion. When the object failed, Err says
// why: Action is then empty if its apply failed, and set if the apply
// succeeded but the wait for the object to be usable (a CRD Established,
// a Namespace Active) did not, or, for Pruned, if its deletion failed.
// Recreated is set, with Action Created, when [RecreateOnImmutable]
// deleted the object and created it again (with a new UID) because the
// apply changed an immutable field.
type Change struct {
	Object    *Object
	Action    ChangeAction
	Recreated bool
	Err       error
}

// ChangeSet lists what ApplyAll did, object by object, in the order the
// objects were applied: stage after stage, and within a stage in the order
// the caller gave them.
type ChangeSet struct {
	Changes []Change
}

// ApplyAll applies a set of objects with server-side apply, in stages so
// that what an object needs exists before it: CRDs and Namespaces first,
// then the rest, and an object with a [DependsOnAnnotation] after what it
// names. After a stage it waits for its CRDs to be Established and its
// Namespaces Active (failing at once for a CRD whose names clash and a
// Namespace being deleted, which never will be), so that the custom
// resources and namespaced objects of later stages can be applied (a kind
// missing from discovery is looked up again, which finds the new CRD's). Objects of one stage are applied
// concurrently, at most 8 at a time. The options are Apply's:
// [FieldManager], [Force], [FieldValidation]; and [Prune] (manage the set
// as a kubectl-compatible ApplySet and delete what left it, with
// [ApplySetTooling]), [DryRun] (every apply with dryRun=All, nothing
// written or deleted, the ChangeSet saying what would be done) and
// [RecreateOnImmutable] (delete and create again an object whose apply
// changes an immutable field).
//
// Each object's Change says whether the apply created it, configured it
// or left it unchanged. To tell, ApplyAll reads each object's
// resourceVersion before applying it: absent means Created, a
// resourceVersion that the apply left as it was means Unchanged (the
// server writes nothing for an apply that changes nothing), another one
// Configured. The apply's answer alone cannot tell a no-op from a change,
// and a dry-run apply to compare with would cost a request per object too,
// plus a comparison that server defaults make unreliable. What is read
// is bounded by the set, not by what the namespace holds: a GET per
// object; or, for 4 or more objects of one kind in one namespace within a
// stage, one page of that kind's metadata there (at most the group's size
// plus 20 entries) to learn which exist, then those that exist read whole
// with one LIST that leaves out by name the other objects the page
// showed, or with a GET each when the page showed more than 20 others or
// could not hold them all. An object changed by someone else between the
// read and the apply is reported Configured. A dry run cannot tell by the
// resourceVersion, which nothing persisted advances: it reads each
// object whole and compares it with the dry run's answer, but for
// managedFields, resourceVersion and generation. A dry run cannot apply
// the custom resources of a CRD, or the objects of a Namespace, that only
// the set would create: those fail (an unknown kind; the server's
// NotFound for the namespace).
//
// It fails before any write (discovery may be read) on a nil object, an object without
// apiVersion, kind or name, two objects with the same identity, a kind
// the server does not know and no CRD in the set defines, a malformed
// DependsOnAnnotation, a dependency not in the set, and a dependency
// cycle; with Prune, also on an empty set (as kubectl, which says "no
// objects passed to apply"), a parent that is not a Secret, a ConfigMap
// or an existing custom resource allowed as a parent, a parent that is a
// member of the set, a member labelled part of another set, and a parent
// another tool manages ([ErrForeignApplySet]); the ChangeSet is then
// empty. When objects fail, the others of
// their stage are still applied, later stages are not, and the error
// wraps each failure (errors.As finds an *ApplyConflictError, say); the
// ChangeSet lists what was done, failures with their Err; with Prune,
// nothing is then pruned. Pruned objects come last in the ChangeSet.
// ApplyAll never returns a nil ChangeSet.
func (c *Client) ApplyAll(ctx context.Context, objs []*Object, opts ...ApplyAllOption) (_ *ChangeSet, err error) {
	defer wrapCall(&err, "ApplyAll")
	// An object's read and its apply draw the same warnings: say each once.
	ctx = withWarningsOnce(ctx)
	cs := &ChangeSet{}
	so := &setOptions{tooling: DefaultApplySetTooling()}
	for _, o := range opts {
		if o != nil {
			o.applyToApplyAll(so)
		}
	}
	applyOpts := append([]ApplyOption{WithClient(c)}, so.apply...)
	if _, err := gather(applyOpts, ApplyOption.applyToApply); err != nil {
		return cs, err
	}
	if so.prune {
		if err := checkTooling(so.tooling); err != nil {
			return cs, err
		}
		if len(objs) == 0 {
			// As kubectl refuses it: an empty set, from a manifest folder
			// read wrong say, would delete every member.
			return cs, errors.New("Prune with no objects: refused, it would delete every object of the set")
		}
	}
	ms, err := c.setMembers(ctx, objs, false)
	if err != nil {
		return cs, err
	}
	stages, err := orderStages(ms)
	if err != nil {
		return cs, err
	}
	sent := objs // what is applied: the caller's objects, or labelled copies in a dry run
	var set *applySet
	if so.prune {
		if set, err = c.beginApplySet(ctx, so, objs, ms); err != nil {
			return cs, err
		}
		sent = set.label(objs, so.dryRun)
	}
	for n, stage := range stages {
		changes := make([]Change, len(stage))
		priors := make([]prior, len(stage))
		if !so.dryRun { // a dry run compares whole objects: applyMember reads each
			priors = c.readPriors(ctx, objs, ms, stage)
		}
		runBounded(len(stage), func(k int) {
			i := stage[k]
			changes[k] = c.applyMember(ctx, objs[i], sent[i], ms[i], priors[k], applyOpts, so)
		})
		if err := stageFailure("apply", n, len(stages), changes); err != nil {
			cs.Changes = append(cs.Changes, changes...)
			return cs, err
		}
		if !so.dryRun { // nothing was created to wait for
			for k, i := range stage {
				changes[k].Err = c.awaitUsable(ctx, ms[i], objs[i].APIVersion())
			}
		}
		cs.Changes = append(cs.Changes, changes...)
		if err := stageFailure("wait after", n, len(stages), changes); err != nil {
			return cs, err
		}
	}
	if set != nil {
		pruned, err := c.finishApplySet(ctx, set, ms, so.dryRun)
		cs.Changes = append(cs.Changes, pruned...)
		if err != nil {
			return cs, err
		}
	}
	return cs, nil
}

// applyMember applies one object (sent: o, or in a dry run o's labelled
// copy) and classifies the change by what was known of it before (read
// now when p is not known). In a dry run the object is read whole and
// compared with the server's answer, since a dry run leaves the
// resourceVersion as it was even when it would change the object.
func (c *Client) applyMember(ctx context.Context, o, sent *Object, m setMember, p prior, opts []ApplyOption, so *setOptions) Change {
	ch := Change{Object: o}
	var before *Object
	if !p.known {
		var err error
		before, err = New(o.APIVersion(), o.Kind()).SetName(m.Name).SetNamespace(m.Namespace).Read(ctx, WithClient(c))
		if err != nil && !apierrors.IsNotFound(err) {
			ch.Err = err
			return ch
		}
		p = prior{known: true}
		if err == nil {
			p = prior{known: true, exists: true, rv: before.ResourceVersion(), live: before.u.Object}
		}
	}
	if !so.dryRun && p.live != nil && c.appliesNothingTo(sent, p.live, m, opts) {
		if served, err := json.Marshal(p.live); err == nil {
			sent.adopt(p.live, served) // what the apply would have answered
			ch.Action = Unchanged
			return ch
		}
	}
	answer, err := sent.Apply(ctx, opts...)
	if err != nil && so.recreate && isImmutableError(err) {
		if !so.dryRun {
			err = c.recreate(ctx, sent, m, opts)
		} else {
			err = nil // a dry run cannot apply to a deleted object: say what would happen
		}
		ch.Recreated = err == nil
	}
	if err != nil {
		ch.Err = err
		return ch
	}
	switch {
	case !p.exists || ch.Recreated:
		ch.Action = Created
	case so.dryRun && sameLiveContent(before, answer):
		ch.Action = Unchanged
	case so.dryRun:
		ch.Action = Configured
	case o.ResourceVersion() == p.rv:
		ch.Action = Unchanged
	default:
		ch.Action = Configured
	}
	return ch
}

// awaitUsable waits until a CRD is Established or a Namespace Active, so
// that the next stage can use it; it returns at once for other kinds. It
// fails at once, wrapping ErrConditionFailed, for what will never be
// usable: a CRD whose names clash with another's, and a Namespace being
// deleted (phase Terminating: it never turns Active again, and the
// server refuses to create anything in it).
func (c *Client) awaitUsable(ctx context.Context, m setMember, apiVersion string) error {
	var conds []Condition
	isNamespace := m.Group == "" && m.Kind == "Namespace"
	switch {
	case m.Group == "apiextensions.k8s.io" && m.Kind == "CustomResourceDefinition":
		conds = []Condition{ConditionTrue("Established"), FailWhen(ConditionIs("NamesAccepted", "False"))}
	case isNamespace:
		conds = []Condition{PathEquals("status.phase", "Active"), FailWhen(PathEquals("status.phase", "Terminating"))}
	default:
		return nil
	}
	probe := New(apiVersion, m.Kind).SetName(m.Name).SetClient(c)
	_, err := probe.Wait(ctx, conds...)
	if isNamespace && errors.Is(err, ErrConditionFailed) {
		return fmt.Errorf("%w: namespace %s is terminating: nothing can be created in it until its deletion ends", ErrConditionFailed, m.Name)
	}
	return err
}

// runBounded runs f(0), ..., f(n-1) concurrently, at most setConcurrency
// at a time, and returns when all have.
func runBounded(n int, f func(k int)) { setorder.RunBounded(n, setConcurrency, f) }

// stageFailure returns the error of a stage whose changes hold errors,
// naming each failed object; nil when none does.
func stageFailure(what string, stage, stages int, changes []Change) error {
	errs := make([]error, len(changes))
	for k, ch := range changes {
		errs[k] = ch.Err
	}
	return setorder.Failure(what, stage, stages, errs, func(k int) string {
		return fmt.Sprintf("%s: %s", changes[k].Object, strings.TrimPrefix(changes[k].Err.Error(), "kobj: "))
	})
}
