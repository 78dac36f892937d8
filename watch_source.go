package kobj

import (
	"context"
	"errors"
	"sync/atomic"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// watchSource is the reflector's ListerWatcher: client-go's dynamic
// client for one resource, namespace and selectors, on a streaming path.
//
// Resuming from a caller's checkpoint is what the reflector lacks (it
// always starts with a list): the first List then answers, without a
// request, an empty list at the checkpoint, which the store takes as
// "nothing to report"; the reflector then watches from the checkpoint and
// relists for real only if the server answers 410 Gone.
type watchSource struct {
	ri            dynamic.ResourceInterface
	labelSelector string
	fieldSelector string
	resumeFrom    string      // "" when the watch starts with the current state
	listed        atomic.Bool // the first List has been answered
	// terminal is called with an error that ends the watch
	terminal func(error)
	t        *target
}

// newWatchSource makes the dynamic client of t's resource over the
// client's transport, without the rest.Config's Timeout (which would cut
// every watch) and outside the MaxInFlight slots (a watch holds its
// connection for minutes). The client's rate limiter, if any, still
// applies to each request.
func newWatchSource(t *target, labelSelector, fieldSelector, resumeFrom string) (*watchSource, error) {
	cfg := rest.CopyConfig(t.c.cfg)
	cfg.Timeout = 0
	cfg.RateLimiter = t.c.limiter
	if cfg.RateLimiter == nil {
		cfg.QPS = -1 // none: client-go would otherwise apply 5 QPS
	}
	hc := *t.c.http
	hc.Timeout = 0
	d, err := dynamic.NewForConfigAndClient(cfg, &hc)
	if err != nil {
		return nil, err
	}
	gvr := schema.GroupVersionResource{Group: t.info.Group, Version: t.info.Version, Resource: t.info.Resource}
	var ri dynamic.ResourceInterface = d.Resource(gvr)
	if t.namespace != "" {
		ri = d.Resource(gvr).Namespace(t.namespace)
	}
	return &watchSource{t: t, ri: ri, labelSelector: labelSelector, fieldSelector: fieldSelector, resumeFrom: resumeFrom}, nil
}

func (s *watchSource) filter(opts metav1.ListOptions) metav1.ListOptions {
	opts.LabelSelector, opts.FieldSelector = s.labelSelector, s.fieldSelector
	return opts
}

// ListWithContext lists the objects, except for the first call of a
// resumed watch (see watchSource).
func (s *watchSource) ListWithContext(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
	if s.resumeFrom != "" && s.listed.CompareAndSwap(false, true) {
		l := &unstructured.UnstructuredList{Object: map[string]any{}}
		l.SetResourceVersion(s.resumeFrom)
		return l, nil
	}
	l, err := s.ri.List(ctx, s.filter(opts))
	return l, s.check(ctx, err)
}

// WatchWithContext opens a watch.
func (s *watchSource) WatchWithContext(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	w, err := s.ri.Watch(ctx, s.filter(opts))
	if opts.SendInitialEvents != nil && *opts.SendInitialEvents {
		// A server that refuses watch-list (too old, or its gate off)
		// gets a list instead: the reflector falls back, and the list's
		// errors tell.
		return w, err
	}
	return w, s.check(ctx, err)
}

// check passes err on, after ending the watch when err is terminal.
func (s *watchSource) check(ctx context.Context, err error) error {
	if err == nil || ctx.Err() != nil {
		return err
	}
	if terminal := terminalWatchError(ctx, s.t, err); terminal != nil && s.terminal != nil {
		s.terminal(terminal)
	}
	return err
}

// List is ListWithContext without a context, for the older interface.
func (s *watchSource) List(opts metav1.ListOptions) (runtime.Object, error) {
	return s.ListWithContext(context.Background(), opts)
}

// Watch is WatchWithContext without a context, for the older interface.
func (s *watchSource) Watch(opts metav1.ListOptions) (watch.Interface, error) {
	return s.WatchWithContext(context.Background(), opts)
}

// IsWatchListSemanticsUnSupported tells the reflector not to stream the
// initial state (watch-list) when resuming: the resumed watch must start
// with its List, which answers the checkpoint.
func (s *watchSource) IsWatchListSemanticsUnSupported() bool { return s.resumeFrom != "" }

// terminalWatchError returns the error that ends a watch, or nil when err
// is worth retrying (the reflector then backs off and tries again): the
// user may not list or watch (401, 403), the server refuses the request
// itself (400, 405, 422: a selector it does not support, say), or the
// kind is gone (404, and discovery, asked again, no longer knows it).
func terminalWatchError(ctx context.Context, t *target, err error) error {
	switch {
	case apierrors.IsForbidden(err), apierrors.IsUnauthorized(err), apierrors.IsBadRequest(err),
		apierrors.IsMethodNotSupported(err), apierrors.IsInvalid(err):
		return statusOf(err)
	case apierrors.IsNotFound(err):
		t.c.disc.invalidate()
		_, lerr := t.c.disc.lookup(ctx, t.info.APIVersion(), t.info.Kind)
		var unknown *UnknownKindError
		if errors.As(lerr, &unknown) {
			return errorf("Watch "+t.info.APIVersion()+" "+t.info.Kind, "%w", lerr)
		}
	}
	return nil
}

// statusOf returns the server's *apierrors.StatusError within err (the
// reflector wraps it), so that callers test it as any other server error.
func statusOf(err error) error {
	var status *apierrors.StatusError
	if errors.As(err, &status) {
		return status
	}
	return err
}
