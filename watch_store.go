package kobj

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// watchStore is the reflector's store: it turns the reflector's calls into
// kobj events. Replace (a list, or the initial state of a watch-list)
// becomes Resync, one Added{Initial} per object, Deleted{Initial} for each
// object known before and missing now, then Synced; Add, Update and Delete
// become Added, Modified and Deleted; bookmarks move the checkpoint.
//
// It keeps each object's JSON by key, which it needs for two things: the
// server copy of each event's Object (so that Update sends a diff), and
// the Deleted events of objects that vanished between two lists. The
// reflector calls it from one goroutine at a time.
type watchStore struct {
	ctx   context.Context // ends when the watch does; a blocked hand-off gives up then
	c     *Client
	queue chan<- watchItem
	known map[string][]byte
	// skipReplace: the first Replace is the resumed watch's empty list at
	// the caller's checkpoint (see watchSource), not a state to report.
	skipReplace bool
	rv          string // the last checkpoint, for the events of a relist
}

func newWatchStore(ctx context.Context, c *Client, queue chan<- watchItem, resumed bool) *watchStore {
	return &watchStore{ctx: ctx, c: c, queue: queue, known: map[string][]byte{}, skipReplace: resumed}
}

// send hands one item to the pump; it waits while the queue is full.
func (s *watchStore) send(item watchItem) error {
	select {
	case s.queue <- item:
		return nil
	case <-s.ctx.Done():
		return s.ctx.Err()
	}
}

func watchKey(u *unstructured.Unstructured) string {
	if ns := u.GetNamespace(); ns != "" {
		return ns + "/" + u.GetName()
	}
	return u.GetName()
}

// event makes the event of one object and remembers the object's JSON.
// A live event's checkpoint is the object's resourceVersion; an initial
// one's is rv, the checkpoint from before the list.
func (s *watchStore) event(t EventType, obj any, initial bool, rv string) (*WatchEvent, error) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return nil, fmt.Errorf("watch: unexpected object %T", obj)
	}
	body, err := u.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("watch: encoding %s: %w", watchKey(u), err)
	}
	if t == Deleted {
		delete(s.known, watchKey(u))
	} else {
		s.known[watchKey(u)] = body
	}
	if !initial {
		rv = u.GetResourceVersion()
	}
	return &WatchEvent{Type: t, Object: fromServer(u.Object, body, s.c), Initial: initial, ResourceVersion: rv}, nil
}

func (s *watchStore) live(t EventType, obj any) error {
	ev, err := s.event(t, obj, false, "")
	if err != nil {
		return err
	}
	s.rv = ev.ResourceVersion
	return s.send(watchItem{event: ev})
}

// Add reports a created object.
func (s *watchStore) Add(obj any) error { return s.live(Added, obj) }

// Update reports a changed object.
func (s *watchStore) Update(obj any) error { return s.live(Modified, obj) }

// Delete reports a deleted object, as the server last had it.
func (s *watchStore) Delete(obj any) error { return s.live(Deleted, obj) }

// Replace reports a (re)list: the objects listed at resourceVersion rv.
// Its events carry the checkpoint from before the list (an object's own
// resourceVersion in a list is no place to resume from), Synced carries rv.
func (s *watchStore) Replace(list []any, rv string) error {
	if s.skipReplace {
		s.skipReplace = false
		s.rv = rv
		return s.send(watchItem{rv: rv})
	}
	before := s.rv
	if err := s.send(watchItem{event: &WatchEvent{Type: Resync, ResourceVersion: before}}); err != nil {
		return err
	}
	gone := s.known
	s.known = make(map[string][]byte, len(list))
	events := make([]*WatchEvent, 0, len(list))
	for _, obj := range list {
		ev, err := s.event(Added, obj, true, before)
		if err != nil {
			return err
		}
		delete(gone, watchKey(obj.(*unstructured.Unstructured))) // event checked the type
		events = append(events, ev)
	}
	// The reflector's list comes from a map in watch-list mode; an order
	// by namespace and name makes a relist read the same every time.
	slices.SortFunc(events, func(a, b *WatchEvent) int {
		return cmp.Or(strings.Compare(a.Object.Namespace(), b.Object.Namespace()),
			strings.Compare(a.Object.Name(), b.Object.Name()))
	})
	for _, ev := range events {
		if err := s.send(watchItem{event: ev}); err != nil {
			return err
		}
	}
	keys := make([]string, 0, len(gone))
	for k := range gone {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		m, err := decodeAnswer(gone[k])
		if err != nil {
			return err
		}
		ev := &WatchEvent{Type: Deleted, Object: fromServer(m, gone[k], s.c), Initial: true, ResourceVersion: before}
		if err := s.send(watchItem{event: ev}); err != nil {
			return err
		}
	}
	s.rv = rv
	return s.send(watchItem{event: &WatchEvent{Type: Synced, ResourceVersion: rv}})
}

// Resync is the reflector's periodic resync, which a watch does not use.
func (s *watchStore) Resync() error { return nil }

// UpdateResourceVersion moves the checkpoint after each event and
// bookmark of a live watch.
func (s *watchStore) UpdateResourceVersion(rv string) {
	s.rv = rv
	_ = s.send(watchItem{rv: rv})
}
