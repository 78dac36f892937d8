package kobj

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kobj-dev/kobj/internal/rawjson"
	"github.com/kobj-dev/kobj/internal/watchstore"
)

// Watching is client-go's Reflector (tools/cache) over a dynamic client,
// run by internal/watchstore with its store and ListerWatcher (which
// validates a caller's checkpoint with the server). This file adds what
// is kobj's: telling terminal errors from transient ones, the bounded
// hand-off to the consumer, and the checkpoint the consumer has reached.

// queueSize bounds the events waiting between the reflector and the
// consumer. When the consumer stops reading, the queue fills and the
// reflector blocks; the apiserver then closes the stalled watch after a
// while and the reflector resumes (or relists) once the consumer reads
// again. Memory stays bounded by this queue and one watch's decoder.
const queueSize = 100

// Watcher follows the objects of one kind, or one object, as they change.
// Make one with [Object.Watch]; read its events with Events or All; end
// it with Stop or its context. It is safe for concurrent use.
type Watcher struct {
	events chan WatchEvent
	stop   context.CancelFunc // ends everything
	parent context.Context
	done   chan struct{} // closed when every goroutine of the watcher has ended

	mu      sync.Mutex
	err     error // terminal error
	stopped bool
	ended   bool   // the channel of events is closed (set just before it is)
	rv      string // checkpoint of the last event handed to the consumer
}

// Watch starts following the server's objects. On a list kind
// (ConfigMapList) it watches the collection: the namespace from
// [InNamespace] or the client's default, every namespace with
// [AllNamespaces], filtered by [LabelSelector] and [FieldSelector]. On any
// other kind it watches o alone, by its name and namespace.
//
// The events start with the current state (Resync, one Added with
// Initial set per object, Synced) and go on with the live changes, unless
// [FromResourceVersion] resumes from a checkpoint. Disconnects, server
// time-outs and 410 Gone are recovered without ending the watch (after a
// 410, a new Resync ... Synced). The watch ends when ctx ends, on Stop, or
// on a terminal error (the user may not list or watch the kind, the kind
// is gone, a selector the server refuses); Err then says why.
//
// Watch fails before any request when the options are invalid, the kind
// is unknown or cannot be listed and watched, or o names no object.
func (o *Object) Watch(ctx context.Context, opts ...WatchOption) (_ *Watcher, err error) {
	defer wrapCall(&err, callName("Watch", o))
	co, c, err := begin(o, opts, WatchOption.applyToWatch)
	if err != nil {
		return nil, err
	}
	list, err := c.isListKind(ctx, o.APIVersion(), o.Kind())
	if err != nil {
		return nil, err
	}
	if !list && (co.allNamespaces || co.labelSelector != "" || co.fieldSelector != "") {
		return nil, fmt.Errorf("AllNamespaces, LabelSelector and FieldSelector apply to lists; %s is not a list kind", o.Kind())
	}
	if _, err := labels.Parse(co.labelSelector); err != nil {
		return nil, fmt.Errorf("LabelSelector(%q): %w", co.labelSelector, err)
	}
	if _, err := fields.ParseSelector(co.fieldSelector); err != nil {
		return nil, fmt.Errorf("FieldSelector(%q): %w", co.fieldSelector, err)
	}
	// "list" resolves the item kind of a list and, unlike "get", leaves
	// the name to the caller.
	t, err := o.resolve(ctx, "list", co, false)
	if err != nil {
		return nil, err
	}
	if !t.info.Has("watch") {
		return nil, &UnsupportedError{APIVersion: t.info.APIVersion(), Kind: t.info.Kind, Verb: "watch", Verbs: t.info.Verbs}
	}
	fieldSelector := co.fieldSelector
	if !list {
		if o.Name() == "" {
			return nil, errors.New("no name: set metadata.name, or watch the list kind")
		}
		fieldSelector = fields.OneTermEqualSelector("metadata.name", o.Name()).String()
	}
	gvr := schema.GroupVersionResource{Group: t.info.Group, Version: t.info.Version, Resource: t.info.Resource}
	// Full: each object is decoded once into the event's map, and its
	// bytes are kept as the server sent them (the Store's memory and the
	// Object's server copy), never encoded again.
	ri, err := watchstore.NewResource(t.c.cfg, t.c.http, t.c.limiter, gvr, t.namespace, rawjson.Full)
	if err != nil {
		return nil, err
	}
	return startWatch(ctx, t, ri, watchstore.Options{LabelSelector: co.labelSelector, FieldSelector: fieldSelector,
		ResumeFrom: co.resumeFrom}), nil
}

// startWatch runs a reflector over ri and returns the watcher that hands
// its events over.
func startWatch(ctx context.Context, t *target, ri watchstore.Resource, opts watchstore.Options) *Watcher {
	stopCtx, stop := context.WithCancel(ctx)
	runCtx, fail := context.WithCancel(stopCtx)
	w := &Watcher{events: make(chan WatchEvent), stop: stop, parent: ctx,
		done: make(chan struct{}), rv: opts.ResumeFrom}
	// The reflector retries every error with backoff, and lets no error
	// handler be set outside an informer; the ListerWatcher shows each
	// error first, and the watch ends on one that retrying cannot cure.
	opts.OnError = func(ctx context.Context, err error) {
		if terminal := terminalWatchError(ctx, t, err); terminal != nil {
			w.setErr(terminal)
			fail()
		}
	}
	lw := watchstore.NewListerWatcher(ri, opts)
	queue := make(chan watchstore.Item, queueSize)
	send := func(item watchstore.Item) error {
		select {
		case queue <- item:
			return nil
		case <-runCtx.Done():
			return runCtx.Err()
		}
	}
	store := watchstore.NewStore(send, opts.ResumeFrom, lw.TakeResumed)
	var reflecting sync.WaitGroup
	reflecting.Go(func() {
		defer close(queue)
		watchstore.Reflect(runCtx, lw, store, t.info.APIVersion(), t.info.Kind, "kobj watch "+t.path(false))
	})
	go func() {
		defer close(w.done)
		defer reflecting.Wait()
		defer func() {
			// Ended before the channel closes, so that Err, asked as soon
			// as a range over Events finishes, already tells why.
			w.mu.Lock()
			w.ended = true
			w.mu.Unlock()
			close(w.events)
		}()
		w.pump(stopCtx, t.c, queue)
	}()
	return w
}

// terminalWatchError returns the error that ends a watch, or nil when err
// is worth retrying (the reflector then backs off and tries again): one
// of watchstore.TerminalStatus, or the kind is gone (404, and discovery,
// asked again, no longer knows it).
func terminalWatchError(ctx context.Context, t *target, err error) error {
	if status := watchstore.TerminalStatus(err); status != nil {
		return status
	}
	if apierrors.IsNotFound(err) {
		t.c.disc.invalidate()
		_, lerr := t.c.disc.lookup(ctx, t.info.APIVersion(), t.info.Kind)
		var unknown *UnknownKindError
		if errors.As(lerr, &unknown) {
			return errorf("Watch "+t.info.APIVersion()+" "+t.info.Kind, "%w", lerr)
		}
	}
	return nil
}

// pump hands the store's events to the consumer one by one, moving the
// checkpoint only once an event has been taken, so that ResourceVersion
// is never ahead of what the consumer has received.
func (w *Watcher) pump(ctx context.Context, c *Client, queue <-chan watchstore.Item) {
	for item := range queue {
		if item.Event == nil {
			w.setRV(item.RV)
			continue
		}
		ev := item.Event
		var obj *Object
		if ev.Object != nil {
			obj = fromServer(ev.Object, ev.Raw, c)
		}
		select {
		case w.events <- WatchEvent{Type: EventType(ev.Type), Object: obj, Initial: ev.Initial, ResourceVersion: ev.ResourceVersion}:
			w.setRV(ev.ResourceVersion)
		case <-ctx.Done():
			return
		}
	}
}

func (w *Watcher) setRV(rv string) {
	if rv == "" {
		return
	}
	w.mu.Lock()
	w.rv = rv
	w.mu.Unlock()
}

func (w *Watcher) setErr(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.mu.Unlock()
}

// Events returns the channel of events. It is closed when the watch ends;
// Err then says why. The channel is unbuffered: a consumer that stops
// reading holds the watch back (see Watch), it never makes memory grow.
func (w *Watcher) Events() <-chan WatchEvent { return w.events }

// All returns the events as an iterator for a range loop. When the watch
// ends for another reason than Stop, the last pair carries the error
// (Err). Leaving the loop early stops the watcher.
func (w *Watcher) All() iter.Seq2[WatchEvent, error] {
	return func(yield func(WatchEvent, error) bool) {
		for ev := range w.events {
			if !yield(ev, nil) {
				w.Stop()
				return
			}
		}
		<-w.done
		if err := w.Err(); err != nil {
			yield(WatchEvent{}, err)
		}
	}
}

// Err returns why the watch ended: nil while it runs and after Stop, the
// context's error when its context ended, else the terminal error (an
// *apierrors.StatusError for 403, an *UnknownKindError when the kind is
// gone).
func (w *Watcher) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if w.stopped || !w.ended {
		return nil
	}
	return w.parent.Err()
}

// ResourceVersion returns the watch's checkpoint: the resourceVersion
// after the last event received from Events or All, moved on by the
// server's bookmarks. It may lag the last event by one, never run ahead
// of it. A later Watch with FromResourceVersion(rv) resumes from it. It is
// "" until the first checkpoint.
func (w *Watcher) ResourceVersion() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.rv
}

// Stop ends the watch, closes the channel of events, and returns once
// every goroutine of the watcher has ended. Err is then nil, unless the
// watch had already ended for another reason. Stop may be called more
// than once.
func (w *Watcher) Stop() {
	w.mu.Lock()
	if !w.ended { // a watch that already ended keeps its reason
		w.stopped = true
	}
	w.mu.Unlock()
	w.stop()
	<-w.done
}
