package operator

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kobj-dev/kobj"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Builder describes one controller: the kind it reconciles (For), the
// kinds whose changes reach it (Owns, Watches), which updates reconcile
// (When), a finalizer, its number of workers and its reconcile function.
// Its methods record what is wrong instead of failing one by one:
// Manager.Add reports every problem at once and starts nothing.
type Builder struct {
	forKind    kindRef
	owns       []kindRef
	watches    []watchSpec
	predicates []Predicate
	finalizer  string
	finalize   func(ctx context.Context, r *Reconcile) error
	workers    int
	reconcile  func(ctx context.Context, r *Reconcile) (Result, error)
	errs       []error
}

// watchSpec is one Watches: a kind and its mapping to requests.
type watchSpec struct {
	kind kindRef
	to   func(*kobj.Object) []Request
}

// For starts a controller that reconciles the objects of kind in
// apiVersion ("example.com/v1", "Website"), with one worker.
func For(apiVersion, kind string) *Builder {
	b := &Builder{forKind: kindRef{apiVersion, kind}, workers: 1}
	b.check(checkKind(apiVersion, kind), "For(%q, %q)", apiVersion, kind)
	return b
}

// Owns makes a change to an object of kind whose controller
// ownerReference names an object of the For kind reconcile that owner
// (its namespace: the child's). These are the kinds r.Apply prunes.
// Manager.Add refuses a cluster-scoped kind under a namespaced For kind:
// the garbage collector does not honour such an ownerReference.
func (b *Builder) Owns(apiVersion, kind string) *Builder {
	k := kindRef{apiVersion, kind}
	if !b.check(checkKind(apiVersion, kind), "Owns(%q, %q)", apiVersion, kind) {
		return b
	}
	for _, o := range b.owns {
		if sameKind(o, k) {
			b.check(errors.New("given twice"), "Owns(%q, %q)", apiVersion, kind)
			return b
		}
	}
	b.owns = append(b.owns, k)
	return b
}

// Watches makes a change to an object of kind reconcile the requests to
// returns for it (for an update: for the object before and after). to is
// given its own copy of the object. A Request with no APIVersion and Kind
// is for the For kind; requests for another kind are logged and dropped.
// to runs on the cache's event goroutine: keep it quick, read the cache,
// do not call the API server.
func (b *Builder) Watches(apiVersion, kind string, to func(*kobj.Object) []Request) *Builder {
	ok := b.check(checkKind(apiVersion, kind), "Watches(%q, %q, ...)", apiVersion, kind)
	if to == nil {
		b.check(errors.New("nil mapping function"), "Watches(%q, %q, nil)", apiVersion, kind)
		ok = false
	}
	if ok {
		b.watches = append(b.watches, watchSpec{kindRef{apiVersion, kind}, to})
	}
	return b
}

// When sets predicates that an update of an object of the For kind must
// all pass to reconcile it (see Predicate for what they do not filter).
// Calls add up.
func (b *Builder) When(predicates ...Predicate) *Builder {
	for i, p := range predicates {
		if err := p.check(); err != nil {
			b.check(err, "When: predicate %d", i+1)
			continue
		}
		b.predicates = append(b.predicates, p)
	}
	return b
}

// Finalizer makes the controller keep finalizer name on every live object
// of the For kind, and, once such an object is being deleted, run fn
// instead of the reconcile function, then remove the finalizer so that the
// deletion completes. An error from fn keeps the finalizer (and the
// object) and retries with backoff. name is a qualified name such as
// "example.com/cleanup".
func (b *Builder) Finalizer(name string, fn func(ctx context.Context, r *Reconcile) error) *Builder {
	what := fmt.Sprintf("Finalizer(%q, ...)", name)
	switch {
	case b.finalizer != "":
		b.check(fmt.Errorf("a finalizer is set already (%q)", b.finalizer), "%s", what)
	case fn == nil:
		b.check(errors.New("nil function"), "%s", what)
	default:
		if errs := validation.IsQualifiedName(name); len(errs) > 0 {
			b.check(errors.New(strings.Join(errs, "; ")), "%s", what)
			return b
		}
		b.finalizer, b.finalize = name, fn
	}
	return b
}

// Workers sets how many objects the controller reconciles at once
// (default 1). One object is never reconciled by two workers at once.
func (b *Builder) Workers(n int) *Builder {
	if n < 1 {
		b.check(errors.New("at least 1 worker is needed"), "Workers(%d)", n)
		return b
	}
	b.workers = n
	return b
}

// Reconcile sets the function that brings the world in line with an
// object; it completes the Builder, which is then given to Manager.Add.
// The function's error retries the request with per-key exponential
// backoff (5 ms doubling to 1000 s, client-go's controller default), an
// error made by Terminal does not, and Result.RequeueAfter reconciles
// again after that long. A panic is recovered, logged and retried.
func (b *Builder) Reconcile(fn func(ctx context.Context, r *Reconcile) (Result, error)) *Builder {
	if fn == nil {
		b.check(errors.New("nil function"), "Reconcile(nil)")
		return b
	}
	b.reconcile = fn
	return b
}

// check records err, if any, as a problem of the call what; it reports
// whether err was nil.
func (b *Builder) check(err error, format string, args ...any) bool {
	if err == nil {
		return true
	}
	b.errs = append(b.errs, fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), err))
	return false
}

// validate returns every problem of b that needs no server, joined.
func (b *Builder) validate() error {
	errs := b.errs
	if b.reconcile == nil && !hasCall(errs, "Reconcile(") {
		errs = append(errs, errors.New("no Reconcile function: call Reconcile(fn)"))
	}
	return errors.Join(errs...)
}

func hasCall(errs []error, prefix string) bool {
	for _, err := range errs {
		if strings.HasPrefix(err.Error(), prefix) {
			return true
		}
	}
	return false
}

// checkKind checks an apiVersion and kind as written, before any request.
func checkKind(apiVersion, kind string) error {
	if apiVersion == "" {
		return errors.New("empty apiVersion")
	}
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return fmt.Errorf("apiVersion: %w", err)
	}
	if gv.Version == "" {
		return fmt.Errorf("apiVersion %q has no version", apiVersion)
	}
	if kind == "" {
		return errors.New("empty kind")
	}
	return nil
}

// group returns the API group of k ("" for the core group).
func (k kindRef) group() string {
	gv, _ := schema.ParseGroupVersion(k.APIVersion)
	return gv.Group
}

// sameKind reports whether a and b are one kind, in any version.
func sameKind(a, b kindRef) bool { return a.Kind == b.Kind && a.group() == b.group() }

func (k kindRef) String() string { return k.APIVersion + " " + k.Kind }
