package watchstore

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"

	"github.com/kobj-dev/kobj/internal/rawjson"
)

// Resource is the list and watch of one resource, as client-go's
// dynamic.ResourceInterface offers them, and Check.
type Resource interface {
	List(ctx context.Context, opts metav1.ListOptions) (*unstructured.UnstructuredList, error)
	Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)
	// Check sends a list once and discards its answer; it returns the
	// server's error. Once: client-go retries a list up to ten times
	// when the server asks to (Retry-After), and the server does for a
	// resourceVersion it has not reached, 3 seconds apiece.
	Check(ctx context.Context, opts metav1.ListOptions) error
}

// resource is a Resource over client-go's dynamic client.
type resource struct {
	dynamic.ResourceInterface
	rest rest.Interface
	path []string
}

// NewResource returns the Resource of gvr in namespace ("" for a
// cluster-scoped resource, or all namespaces) over cfg's host and
// credentials and hc's transport, with client-go's dynamic client, JSON
// only, whose lists and watches decode their objects with rawjson.Decode
// in mode: each object keeps the bytes the server sent (rawjson.Of), which
// the Store hands on as they are. It drops cfg's and hc's Timeout, which
// would cut every watch; limiter, when not nil, still applies to each
// request (nil: none, where client-go would apply 5 QPS). It fails as
// dynamic.NewForConfigAndClient does.
func NewResource(cfg *rest.Config, hc *http.Client, limiter flowcontrol.RateLimiter, gvr schema.GroupVersionResource, namespace string, mode rawjson.Mode) (Resource, error) {
	cfg, err := rawjson.Config(cfg, mode)
	if err != nil {
		return nil, err
	}
	cfg.Timeout = 0
	cfg.RateLimiter = limiter
	if limiter == nil {
		cfg.QPS = -1
	}
	// As dynamic.NewForConfigAndClient, keeping the REST client for Check.
	cfg.GroupVersion = nil
	cfg.APIPath = "/if-you-see-this-search-for-the-break"
	client := *hc
	client.Timeout = 0
	rc, err := rest.UnversionedRESTClientForConfigAndClient(cfg, &client)
	if err != nil {
		return nil, err
	}
	r := &resource{rest: rc, path: []string{"api"}}
	if gvr.Group != "" {
		r.path = []string{"apis", gvr.Group}
	}
	r.path = append(r.path, gvr.Version)
	if namespace != "" {
		r.path = append(r.path, "namespaces", namespace)
		r.ResourceInterface = dynamic.New(rc).Resource(gvr).Namespace(namespace)
	} else {
		r.ResourceInterface = dynamic.New(rc).Resource(gvr)
	}
	r.path = append(r.path, gvr.Resource)
	return r, nil
}

// Check sends the list once; see Resource.
func (r *resource) Check(ctx context.Context, opts metav1.ListOptions) error {
	req := r.rest.Get().AbsPath(r.path...).MaxRetries(0)
	param := func(name, value string) {
		if value != "" {
			req.Param(name, value)
		}
	}
	param("labelSelector", opts.LabelSelector)
	param("fieldSelector", opts.FieldSelector)
	param("resourceVersion", opts.ResourceVersion)
	param("resourceVersionMatch", string(opts.ResourceVersionMatch))
	if opts.Limit > 0 {
		param("limit", strconv.FormatInt(opts.Limit, 10))
	}
	return req.Do(ctx).Error()
}

// Options says what a ListerWatcher lists and watches, and from where.
type Options struct {
	LabelSelector, FieldSelector string
	// ResumeFrom is the caller's checkpoint, "" to start with the
	// current state.
	ResumeFrom string
	// OnError, when not nil, sees each error of a list or watch request
	// (not those of an ended context, nor a refused watch-list, which
	// the reflector takes as "list instead") before the reflector
	// retries it; it ends the watch on an error retrying cannot cure.
	OnError func(ctx context.Context, err error)
}

// ListerWatcher is a reflector's ListerWatcher (client-go's
// cache.ListerWatcherWithContext) over one Resource and its selectors.
//
// Resuming from a caller's checkpoint is what the reflector lacks (it
// always starts with a list). The first List of a resumed watch asks the
// server whether it has reached the checkpoint: a list of at most one
// object, not older than the checkpoint. When it has, List answers an
// empty list at the checkpoint, which the Store takes as "nothing to
// report" ([ListerWatcher.TakeResumed]), and the reflector watches from
// the checkpoint. When it has not (etcd restored from a backup, another
// cluster), the server answers "too large resource version", the
// reflector lists again from "" and the Store reports that state: a
// checkpoint the server cannot serve relists rather than skip events. A
// plain watch from such a checkpoint would be silent until the server's
// resourceVersion caught up, and then skip what happened before.
type ListerWatcher struct {
	resource Resource
	opts     Options

	mu         sync.Mutex
	checkpoint string // still to validate: "" once the first list is answered
	resumed    bool   // the last list answered was the checkpoint's
}

// NewListerWatcher returns the ListerWatcher of r with o.
func NewListerWatcher(r Resource, o Options) *ListerWatcher {
	return &ListerWatcher{resource: r, opts: o, checkpoint: o.ResumeFrom}
}

func (lw *ListerWatcher) filter(opts metav1.ListOptions) metav1.ListOptions {
	opts.LabelSelector, opts.FieldSelector = lw.opts.LabelSelector, lw.opts.FieldSelector
	return opts
}

// ListWithContext lists the objects, except for the first list of a
// resumed watch (see ListerWatcher). It returns the server's error.
func (lw *ListerWatcher) ListWithContext(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
	lw.mu.Lock()
	checkpoint := lw.checkpoint
	if checkpoint != "" && opts.ResourceVersion == "" {
		// The reflector lists from "" only after a list at its last
		// resourceVersion failed as expired or too large
		// (relistResourceVersion): the checkpoint's did, so this list is
		// the state to report.
		lw.checkpoint, checkpoint = "", ""
	}
	lw.mu.Unlock()
	if checkpoint != "" {
		return lw.validate(ctx, checkpoint)
	}
	l, err := lw.resource.List(ctx, lw.filter(opts))
	if err != nil {
		return nil, lw.check(ctx, err)
	}
	return l, nil
}

// validate answers the first list of a resumed watch: an empty list at
// the checkpoint when the server has reached it, else the server's error
// (a "too large resource version" one when it has not).
func (lw *ListerWatcher) validate(ctx context.Context, checkpoint string) (runtime.Object, error) {
	// NotOlderThan rather than the exact version: it fails only on a
	// version the server has not reached (an exact read also fails, 410,
	// on one compacted away, which a watch may still serve), and Kubernetes
	// 1.29 answers an exact read ahead of it with a 500, not "too large".
	err := lw.resource.Check(ctx, lw.filter(metav1.ListOptions{
		ResourceVersion: checkpoint, ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan, Limit: 1}))
	if err != nil {
		return nil, lw.check(ctx, err)
	}
	lw.mu.Lock()
	lw.checkpoint, lw.resumed = "", true
	lw.mu.Unlock()
	l := &unstructured.UnstructuredList{Object: map[string]any{}}
	l.SetResourceVersion(checkpoint)
	return l, nil
}

// TakeResumed reports whether the last list answered was a resumed
// watch's empty list at its checkpoint, and forgets it: it is not a state
// to report.
func (lw *ListerWatcher) TakeResumed() bool {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	r := lw.resumed
	lw.resumed = false
	return r
}

// WatchWithContext opens a watch. It returns the server's error.
func (lw *ListerWatcher) WatchWithContext(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	w, err := lw.resource.Watch(ctx, lw.filter(opts))
	if opts.SendInitialEvents != nil && *opts.SendInitialEvents {
		// A server that refuses watch-list (too old, or its gate off)
		// gets a list instead: the reflector falls back, and the list's
		// errors tell.
		return w, err
	}
	if err != nil {
		return nil, lw.check(ctx, err)
	}
	return w, nil
}

// check shows err to OnError and returns it.
func (lw *ListerWatcher) check(ctx context.Context, err error) error {
	if ctx.Err() == nil && lw.opts.OnError != nil {
		lw.opts.OnError(ctx, err)
	}
	return err
}

// List is ListWithContext without a context, for the older interface.
func (lw *ListerWatcher) List(opts metav1.ListOptions) (runtime.Object, error) {
	return lw.ListWithContext(context.Background(), opts)
}

// Watch is WatchWithContext without a context, for the older interface.
func (lw *ListerWatcher) Watch(opts metav1.ListOptions) (watch.Interface, error) {
	return lw.WatchWithContext(context.Background(), opts)
}

// IsWatchListSemanticsUnSupported tells the reflector not to stream the
// initial state (watch-list) when resuming: the resumed watch must start
// with its List, which answers the checkpoint.
func (lw *ListerWatcher) IsWatchListSemanticsUnSupported() bool { return lw.opts.ResumeFrom != "" }

// TerminalStatus returns the server's *apierrors.StatusError within err
// when retrying cannot cure it (the reflector wraps it): the user may not
// list or watch (401, 403), or the server refuses the request itself
// (400, 405, 422: a selector it does not support, say). It returns nil
// for any other error, a 404 included: whether the kind is gone is for
// discovery to say.
func TerminalStatus(err error) error {
	switch {
	case apierrors.IsForbidden(err), apierrors.IsUnauthorized(err), apierrors.IsBadRequest(err),
		apierrors.IsMethodNotSupported(err), apierrors.IsInvalid(err):
		var status *apierrors.StatusError
		if errors.As(err, &status) {
			return status
		}
		return err
	}
	return nil
}
