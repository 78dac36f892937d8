package operator

import (
	"context"
	"fmt"
	"sync"

	"github.com/kobj-dev/kobj/internal/rawjson"
	"github.com/kobj-dev/kobj/internal/watchstore"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/cache"
)

// kindInformer is one client-go shared informer of a kind, over one
// namespace (or all), with its own stop.
type kindInformer struct {
	kc        *kindCache
	namespace string
	inf       cache.SharedIndexInformer

	cancel context.CancelFunc // stops this informer alone
	done   chan struct{}      // closed when its goroutine has returned
	failed chan struct{}      // closed when a terminal error stopped it

	mu  sync.Mutex
	err error // the terminal error
}

// newInformer makes the informer of namespace ns of the kind: its
// ListerWatcher goes through kobj's client (transport, credentials,
// limiter), its transform keeps entries, and it indexes by namespace.
func (kc *kindCache) newInformer(ns string) (*kindInformer, error) {
	listerWatcher := kc.listerWatcher
	if kc.c.listerWatcher != nil {
		listerWatcher = func(ns string) (cache.ListerWatcher, runtime.Object, error) { return kc.c.listerWatcher(kc, ns) }
	}
	lw, example, err := listerWatcher(ns)
	if err != nil {
		return nil, err
	}
	ki := &kindInformer{kc: kc, namespace: ns, done: make(chan struct{}), failed: make(chan struct{})}
	what := fmt.Sprintf("kobj/operator cache %s %s", kc.ref.APIVersion, kc.ref.Kind)
	if ns != "" {
		what += " in " + ns
	}
	// The namespace index serves List in one namespace of an informer
	// over all of them; elsewhere it would only cost memory.
	var indexers cache.Indexers
	if ns == "" && kc.namespaced {
		indexers = cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc}
	}
	ki.inf = cache.NewSharedIndexInformerWithOptions(lw, example, cache.SharedIndexInformerOptions{
		Indexers:          indexers,
		ObjectDescription: what,
	})
	if err := ki.inf.SetTransform(kc.toEntry); err != nil {
		return nil, err
	}
	if err := ki.inf.SetWatchErrorHandlerWithContext(ki.watchError); err != nil {
		return nil, err
	}
	// Wakes the reads that wait for a write (expect); the store has the
	// change before any handler runs.
	if _, err := ki.inf.AddEventHandler(cache.ResourceEventHandlerDetailedFuncs{
		AddFunc:    func(obj any, _ bool) { kc.notify(obj, false) },
		UpdateFunc: func(_, obj any) { kc.notify(obj, false) },
		DeleteFunc: func(obj any) { kc.notify(obj, true) },
	}); err != nil {
		return nil, err
	}
	return ki, nil
}

// listerWatcher returns the ListerWatcher of namespace ns of the kind and
// the type of object it returns: kobj's watchstore over a dynamic client,
// or client-go's metadata client for MetadataOnly.
func (kc *kindCache) listerWatcher(ns string) (cache.ListerWatcher, runtime.Object, error) {
	client := kc.c.client
	cfg := client.RESTConfig()
	if !kc.metadataOnly {
		// Metadata: the objects keep the server's bytes, which toEntry
		// keeps as they are; only their metadata is decoded.
		res, err := watchstore.NewResource(cfg, client.HTTPClient(), cfg.RateLimiter, kc.gvr, ns, rawjson.Metadata)
		if err != nil {
			return nil, nil, err
		}
		lw := watchstore.NewListerWatcher(res, watchstore.Options{LabelSelector: kc.scope.labelSelector, FieldSelector: kc.scope.fieldSelector})
		return lw, &unstructured.Unstructured{}, nil
	}
	// As watchstore.NewResource: no timeout, which would cut every watch.
	cfg.Timeout = 0
	hc := *client.HTTPClient()
	hc.Timeout = 0
	mc, err := metadata.NewForConfigAndClient(cfg, &hc)
	if err != nil {
		return nil, nil, err
	}
	var ri metadata.ResourceInterface = mc.Resource(kc.gvr)
	if ns != "" {
		ri = mc.Resource(kc.gvr).Namespace(ns)
	}
	filter := func(opts metav1.ListOptions) metav1.ListOptions {
		opts.LabelSelector, opts.FieldSelector = kc.scope.labelSelector, kc.scope.fieldSelector
		return opts
	}
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			return ri.List(ctx, filter(opts))
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			return ri.Watch(ctx, filter(opts))
		},
	}
	return lw, &metav1.PartialObjectMetadata{}, nil
}

// start runs the informer until parent ends or stop.
func (ki *kindInformer) start(parent context.Context) {
	ctx, cancel := context.WithCancel(parent)
	ki.cancel = cancel
	go func() {
		defer close(ki.done)
		ki.inf.RunWithContext(ctx)
	}()
}

// stop stops the informer and waits for its goroutines.
func (ki *kindInformer) stop() {
	if ki.cancel != nil {
		ki.cancel()
		<-ki.done
	}
}

// watchError sees each failed list or watch before the reflector retries.
// An error retrying cannot cure (the user may not list the kind, the
// server refuses a selector) stops the informer: reads then return it
// rather than wait for a sync that cannot come.
func (ki *kindInformer) watchError(ctx context.Context, r *cache.Reflector, err error) {
	if apierrors.IsNotFound(err) {
		// The kind is no longer served (its CRD went): retrying would log
		// the 404 for ever. The cache stops the kind, and follows CRDs to
		// learn when it is back.
		ki.fail(goneError(ki.kc.ref))
		ki.kc.c.kindWent(ki.kc.ref)
		return
	}
	status := watchstore.TerminalStatus(err)
	if status == nil {
		cache.DefaultWatchErrorHandler(ctx, r, err)
		return
	}
	where := ki.kc.ref.APIVersion + " " + ki.kc.ref.Kind
	if ki.namespace != "" {
		where += " in namespace " + ki.namespace
	}
	ki.fail(fmt.Errorf("operator cache: listing and watching %s: %w", where, status))
}

// fail stops the informer with err, which its reads return from then on;
// the first error stays.
func (ki *kindInformer) fail(err error) {
	ki.mu.Lock()
	defer ki.mu.Unlock()
	if ki.err == nil {
		ki.err = err
		close(ki.failed)
	}
	if ki.cancel != nil {
		ki.cancel()
	}
}

// waitSynced returns once the informer has synced, or with the error that
// stopped it, or ctx's error, or errStopped.
func (ki *kindInformer) waitSynced(ctx context.Context) error {
	select {
	case <-ki.failed:
		return ki.failure()
	default:
	}
	if ki.inf.HasSynced() {
		return nil // answers even a read whose context has ended
	}
	select {
	case <-ki.inf.HasSyncedChecker().Done():
		return nil
	case <-ki.failed:
		return ki.failure()
	case <-ki.kc.c.ctx.Done():
		return errStopped
	case <-ctx.Done():
		return fmt.Errorf("operator cache: waiting for %s %s to sync: %w", ki.kc.ref.APIVersion, ki.kc.ref.Kind, ctx.Err())
	}
}

func (ki *kindInformer) failure() error {
	ki.mu.Lock()
	defer ki.mu.Unlock()
	return ki.err
}

// get returns the entry of key, if the store has it.
func (ki *kindInformer) get(k string) (*entry, bool) {
	obj, ok, err := ki.inf.GetIndexer().GetByKey(k)
	if err != nil || !ok {
		return nil, false
	}
	e, ok := obj.(*entry)
	return e, ok
}
