package watchstore

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"

	"github.com/kobj-dev/kobj/internal/rawjson"
)

// Store is a reflector's store (client-go's cache.ReflectorStore) that
// turns the reflector's calls into events. Replace (a list, or the initial
// state of a watch-list) becomes Resync, one Added{Initial} per object,
// Deleted{Initial} for each object known before and missing now, then
// Synced; Add, Update and Delete become Added, Modified and Deleted;
// UpdateResourceVersion (after each event and bookmark) moves the
// checkpoint.
//
// It keeps each object's JSON by key, which it needs for the Deleted
// events of objects that vanished between two lists: the bytes the server
// sent for objects that rawjson decoded (NewResource's), which it neither
// copies nor encodes; for those decoded in rawjson.Metadata mode it decodes
// the map from them. Any other *unstructured.Unstructured is encoded. The reflector calls
// it from one goroutine at a time.
type Store struct {
	send    func(Item) error
	resumed func() bool
	known   map[string][]byte
	rv      string // the last checkpoint, for the events of a relist
}

// NewStore returns a store that hands each item to send, which may block
// (a bounded queue) and returns an error when the watch has ended.
//
// checkpoint is the caller's checkpoint ("" when the watch starts with the
// current state), which the events of a first list carry. resumed, when
// not nil, reports whether the list just answered was a resumed watch's
// start rather than the server's state ([ListerWatcher.TakeResumed]): that
// Replace only hands over its checkpoint.
func NewStore(send func(Item) error, checkpoint string, resumed func() bool) *Store {
	return &Store{send: send, resumed: resumed, known: map[string][]byte{}, rv: checkpoint}
}

// Key is the store's key of an object: namespace/name, or name for a
// cluster-scoped one.
func Key(u *unstructured.Unstructured) string { return key(u.GetNamespace(), u.GetName()) }

func key(ns, name string) string {
	if ns != "" {
		return ns + "/" + name
	}
	return name
}

// event makes the event of one object and remembers the object's JSON:
// the bytes the server sent when rawjson decoded it (see NewResource),
// else its encoding. A live event's checkpoint is the object's
// resourceVersion; an initial one's is rv, the checkpoint from before the
// list. It returns the object's namespace and name too.
func (s *Store) event(t EventType, obj any, initial bool, rv string) (_ *Event, ns, name string, _ error) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return nil, "", "", fmt.Errorf("watch: unexpected object %T", obj)
	}
	var body []byte
	if r, ok := rawjson.Take(u); ok {
		body = r.Raw
		if r.Mode == rawjson.Metadata {
			// The map holds the metadata only: the object is its bytes.
			var m map[string]any
			if err := utiljson.Unmarshal(body, &m); err != nil {
				return nil, "", "", fmt.Errorf("watch: decoding %s: %w", Key(u), err)
			}
			u = &unstructured.Unstructured{Object: m}
		}
		ns, name = r.Meta.Metadata.Namespace, r.Meta.Metadata.Name
		if !initial {
			rv = r.Meta.Metadata.ResourceVersion
		}
	} else {
		var err error
		if body, err = u.MarshalJSON(); err != nil {
			return nil, "", "", fmt.Errorf("watch: encoding %s: %w", Key(u), err)
		}
		ns, name = u.GetNamespace(), u.GetName()
		if !initial {
			rv = u.GetResourceVersion()
		}
	}
	if t == Deleted {
		delete(s.known, key(ns, name))
	} else {
		s.known[key(ns, name)] = body
	}
	return &Event{Type: t, Object: u.Object, Raw: body, Initial: initial, ResourceVersion: rv}, ns, name, nil
}

func (s *Store) live(t EventType, obj any) error {
	ev, _, _, err := s.event(t, obj, false, "")
	if err != nil {
		return err
	}
	s.rv = ev.ResourceVersion
	return s.send(Item{Event: ev})
}

// Add reports a created object.
func (s *Store) Add(obj any) error { return s.live(Added, obj) }

// Update reports a changed object.
func (s *Store) Update(obj any) error { return s.live(Modified, obj) }

// Delete reports a deleted object, as the server last had it.
func (s *Store) Delete(obj any) error { return s.live(Deleted, obj) }

// Replace reports a (re)list: the objects listed at resourceVersion rv.
// Its events carry the checkpoint from before the list (an object's own
// resourceVersion in a list is no place to resume from), Synced carries
// rv. It returns send's error, or an error for an item that is not an
// *unstructured.Unstructured.
func (s *Store) Replace(list []any, rv string) error {
	if s.resumed != nil && s.resumed() {
		s.rv = rv
		return s.send(Item{RV: rv})
	}
	before := s.rv
	if err := s.send(Item{Event: &Event{Type: Resync, ResourceVersion: before}}); err != nil {
		return err
	}
	gone := s.known
	s.known = make(map[string][]byte, len(list))
	// The key is kept beside each event for the sort, rather than read
	// from the map by every comparison.
	type listed struct {
		ev       *Event
		ns, name string
	}
	events := make([]listed, 0, len(list))
	for _, obj := range list {
		ev, ns, name, err := s.event(Added, obj, true, before)
		if err != nil {
			return err
		}
		delete(gone, key(ns, name))
		events = append(events, listed{ev, ns, name})
	}
	// The reflector's list comes from a map in watch-list mode; an order
	// by namespace and name makes a relist read the same every time.
	slices.SortFunc(events, func(a, b listed) int {
		return cmp.Or(strings.Compare(a.ns, b.ns), strings.Compare(a.name, b.name))
	})
	for _, l := range events {
		if err := s.send(Item{Event: l.ev}); err != nil {
			return err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(gone)) {
		var m map[string]any
		if err := utiljson.Unmarshal(gone[k], &m); err != nil {
			return fmt.Errorf("watch: decoding %s: %w", k, err)
		}
		ev := &Event{Type: Deleted, Object: m, Raw: gone[k], Initial: true, ResourceVersion: before}
		if err := s.send(Item{Event: ev}); err != nil {
			return err
		}
	}
	s.rv = rv
	return s.send(Item{Event: &Event{Type: Synced, ResourceVersion: rv}})
}

// Resync is the reflector's periodic resync, which a watch does not use.
func (s *Store) Resync() error { return nil }

// UpdateResourceVersion moves the checkpoint after each event and
// bookmark of a live watch.
func (s *Store) UpdateResourceVersion(rv string) {
	s.rv = rv
	_ = s.send(Item{RV: rv})
}
