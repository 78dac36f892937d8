package kobj_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

const widgets = "/apis/example.com/v1/namespaces/ns/widgets"

func widget(name, rv string) map[string]any {
	return map[string]any{"apiVersion": "example.com/v1", "kind": "Widget",
		"metadata": map[string]any{"name": name, "namespace": "ns", "resourceVersion": rv}}
}

func widgetList(rv string, items ...map[string]any) map[string]any {
	anyItems := make([]any, len(items))
	for i, it := range items {
		anyItems[i] = it
	}
	return map[string]any{"apiVersion": "example.com/v1", "kind": "WidgetList",
		"metadata": map[string]any{"resourceVersion": rv}, "items": anyItems}
}

// watchScript answers the requests for widgets in turn: step i serves the
// i-th list or watch request. A watch step writes its events and, unless
// it ends the stream, stays open until the test ends.
type watchScript struct {
	t       *testing.T
	mu      sync.Mutex
	steps   []watchStep
	served  []string // "list rv=..." or "watch rv=..." per request
	release chan struct{}
}

type watchStep struct {
	code   int              // a status to answer with (with reason), instead of the rest
	reason string           // of code
	cause  string           // of code: the type of the status's one cause, if any
	list   map[string]any   // the list to answer
	events []map[string]any // the watch events to stream
	end    bool             // end the stream after the events
}

func (s *watchScript) serve(w http.ResponseWriter, r *recorded) bool {
	if r.Path != widgets {
		return false
	}
	q, _ := url.ParseQuery(r.Query)
	kind := "list"
	if q.Get("watch") == "true" {
		kind = "watch"
		if q.Get("sendInitialEvents") == "true" {
			kind = "watchlist"
		}
	}
	s.mu.Lock()
	s.served = append(s.served, kind+" rv="+q.Get("resourceVersion"))
	var step watchStep
	if len(s.steps) > 0 {
		step, s.steps = s.steps[0], s.steps[1:]
	} else {
		step = watchStep{code: http.StatusInternalServerError, reason: "InternalError"} // unscripted
	}
	s.mu.Unlock()
	switch {
	case step.code != 0 && step.cause != "":
		writeJSON(w, step.code, map[string]any{"apiVersion": "v1", "kind": "Status", "status": "Failure",
			"reason": step.reason, "message": "scripted " + step.reason, "code": step.code,
			"details": map[string]any{"causes": []any{map[string]any{"reason": step.cause, "message": "scripted " + step.cause}}}})
	case step.code != 0:
		writeStatus(w, step.code, step.reason, "scripted "+step.reason)
	case step.list != nil:
		writeJSON(w, http.StatusOK, step.list)
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		enc := json.NewEncoder(w)
		for _, ev := range step.events {
			enc.Encode(ev)
		}
		w.(http.Flusher).Flush()
		if !step.end {
			<-s.release
		}
	}
	return true
}

func (s *watchScript) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.served...)
}

// newWatchScript serves steps for the widgets of namespace ns on a fake
// API server, and returns a client of it.
func newWatchScript(t *testing.T, steps ...watchStep) (*watchScript, *kobj.Client, *fakeAPI) {
	f := newFakeAPI(t, "")
	s := &watchScript{t: t, steps: steps, release: make(chan struct{})}
	t.Cleanup(func() { close(s.release) }) // before the server closes: cleanups run last first
	f.intercept = s.serve
	return s, f.client(), f
}

// eventsUntil reads events until stop says so or the watch ends.
func eventsUntil(ctx context.Context, t *testing.T, w *kobj.Watcher, stop func(kobj.WatchEvent) bool) []string {
	t.Helper()
	var got []string
	for {
		select {
		case ev, ok := <-w.Events():
			if !ok {
				return got
			}
			s := string(ev.Type)
			if ev.Object != nil {
				s += " " + ev.Object.Name()
			}
			if ev.Initial {
				s += " initial"
			}
			got = append(got, s+" @"+ev.ResourceVersion)
			if stop(ev) {
				return got
			}
		case <-ctx.Done():
			t.Fatalf("events so far %v: %v", got, ctx.Err())
		}
	}
}

func unprocessable() watchStep {
	return watchStep{code: http.StatusUnprocessableEntity, reason: "Invalid"}
}

// A 410 event mid-stream relists: the state is reported again, and an
// object gone between the two lists is reported Deleted. A server that
// refuses watch-list gets list-then-watch.
func TestWatchRelistsAfterGone(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	gone := map[string]any{"type": "ERROR", "object": map[string]any{"apiVersion": "v1", "kind": "Status", "status": "Failure",
		"reason": "Expired", "code": 410, "message": "too old resource version: 11 (15)"}}
	s, c, _ := newWatchScript(t,
		unprocessable(), // watch-list refused: a list instead
		watchStep{list: widgetList("10", widget("a", "5"), widget("b", "6"))},
		watchStep{events: []map[string]any{{"type": "ADDED", "object": widget("c", "11")}, gone}, end: true},
		unprocessable(), // client-go's reflector tries watch-list again on each relist
		watchStep{list: widgetList("20", widget("c", "11"), widget("a", "5"))},
		watchStep{events: []map[string]any{{"type": "BOOKMARK", "object": widget("", "25")}}},
	)
	w, err := kobj.New("example.com/v1", "WidgetList").Watch(ctx, kobj.WithClient(c), kobj.InNamespace("ns"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	t.Cleanup(func() { t.Logf("requests: %v", s.requests()) })
	got := eventsUntil(ctx, t, w, func(ev kobj.WatchEvent) bool { return ev.Type == kobj.Synced && ev.ResourceVersion == "20" })
	want := []string{
		"RESYNC @", "ADDED a initial @", "ADDED b initial @", "SYNCED @10",
		"ADDED c @11",
		"RESYNC @11", "ADDED a initial @11", "ADDED c initial @11", "DELETED b initial @11", "SYNCED @20",
	}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("events\n got %v\nwant %v", got, want)
	}
	reqs := s.requests()
	wantReqs := []string{"watchlist rv=", "list rv=0", "watch rv=10", "watchlist rv=11", "list rv=11", "watch rv=20"}
	for len(reqs) < len(wantReqs) && ctx.Err() == nil { // the last watch may still be on its way
		time.Sleep(10 * time.Millisecond)
		reqs = s.requests()
	}
	if strings.Join(reqs, ", ") != strings.Join(wantReqs, ", ") {
		t.Errorf("requests\n got %v\nwant %v", reqs, wantReqs)
	}
	for w.ResourceVersion() != "25" && ctx.Err() == nil { // the bookmark moves the checkpoint
		time.Sleep(10 * time.Millisecond)
	}
	if w.ResourceVersion() != "25" {
		t.Errorf("ResourceVersion() = %q, want the bookmark's 25", w.ResourceVersion())
	}
}

// A watch resumed from a checkpoint the server has not reached (etcd
// restored from a backup) asks the server first; told "too large resource
// version", it relists and watches from the list, rather than wait in
// silence for the server to reach the checkpoint and skip what happened
// before.
func TestWatchRelistsFromACheckpointAheadOfTheServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, c, _ := newWatchScript(t,
		watchStep{code: http.StatusGatewayTimeout, reason: "Timeout", cause: "ResourceVersionTooLarge"},
		watchStep{list: widgetList("5", widget("a", "3"))},
		watchStep{events: []map[string]any{{"type": "ADDED", "object": widget("c", "6")}}},
	)
	w, err := kobj.New("example.com/v1", "WidgetList").Watch(ctx, kobj.WithClient(c), kobj.InNamespace("ns"), kobj.FromResourceVersion("99"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	got := eventsUntil(ctx, t, w, func(ev kobj.WatchEvent) bool { return ev.Type == kobj.Added && !ev.Initial })
	want := []string{"RESYNC @99", "ADDED a initial @99", "SYNCED @5", "ADDED c @6"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("events\n got %v\nwant %v", got, want)
	}
	if reqs, want := s.requests(), []string{"list rv=99", "list rv=", "watch rv=5"}; strings.Join(reqs, ", ") != strings.Join(want, ", ") {
		t.Errorf("requests\n got %v\nwant %v", reqs, want)
	}
}

// Errors that retrying cannot cure end the watch, with the server's error
// or, when the kind is gone from discovery, an UnknownKindError.
func TestWatchTerminalErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   watchStep
		dropKind bool
		check    func(error) bool
	}{
		{"forbidden", watchStep{code: http.StatusForbidden, reason: "Forbidden"}, false, apierrors.IsForbidden},
		{"bad request", watchStep{code: http.StatusBadRequest, reason: "BadRequest"}, false, apierrors.IsBadRequest},
		{"kind gone", watchStep{code: http.StatusNotFound, reason: "NotFound"}, true, func(err error) bool {
			var unknown *kobj.UnknownKindError
			return errors.As(err, &unknown)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s, c, f := newWatchScript(t, unprocessable(), tt.status)
			if tt.dropKind {
				// The kind leaves discovery after the client has seen it, and
				// before the list that answers 404: the watch resolves it from
				// the client's discovery, and asks again only on the 404.
				if _, err := c.RESTMapper().RESTMapping(schema.GroupKind{Group: "example.com", Kind: "Widget"}, "v1"); err != nil {
					t.Fatal(err)
				}
				f.mu.Lock()
				f.docs["/apis"] = []byte(strings.ReplaceAll(string(f.docs["/apis"]), `"example.com"`, `"gone.example.com"`))
				f.mu.Unlock()
			}
			w, err := kobj.New("example.com/v1", "WidgetList").Watch(ctx, kobj.WithClient(c), kobj.InNamespace("ns"))
			if err != nil {
				t.Fatal(err)
			}
			if got := eventsUntil(ctx, t, w, func(kobj.WatchEvent) bool { return false }); len(got) != 0 {
				t.Errorf("events %v, want none", got)
			}
			if !tt.check(w.Err()) {
				t.Errorf("Err() = %v (%T)", w.Err(), w.Err())
			}
			if reqs := s.requests(); len(reqs) != 2 {
				t.Errorf("requests %v, want the watch-list and one list: no retry", reqs)
			}
			w.Stop()
			if !tt.check(w.Err()) {
				t.Errorf("Err() after Stop = %v, want the terminal error still", w.Err())
			}
		})
	}
}

// Invalid options fail before any request.
func TestWatchRefusesBadOptions(t *testing.T) {
	tests := []struct {
		name string
		obj  *kobj.Object
		opts []kobj.WatchOption
		want string
	}{
		{"empty checkpoint", kobj.New("example.com/v1", "WidgetList"), []kobj.WatchOption{kobj.FromResourceVersion("")}, "not a checkpoint"},
		{"checkpoint 0", kobj.New("example.com/v1", "WidgetList"), []kobj.WatchOption{kobj.FromResourceVersion("0")}, "not a checkpoint"},
		{"bad label selector", kobj.New("example.com/v1", "WidgetList"), []kobj.WatchOption{kobj.LabelSelector("a in (")}, "LabelSelector"},
		{"selector on one object", kobj.New("example.com/v1", "Widget").SetName("a"), []kobj.WatchOption{kobj.FieldSelector("a=b")}, "apply to lists"},
		{"no name", kobj.New("example.com/v1", "Widget"), nil, "no name"},
		{"no watch verb", kobj.New("v1", "ComponentStatusList"), nil, `"watch"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c, _ := newWatchScript(t)
			w, err := tt.obj.Watch(context.Background(), append(tt.opts, kobj.WithClient(c))...)
			if err == nil {
				w.Stop()
				t.Fatalf("Watch succeeded, want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "kobj: Watch ") {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
			if reqs := s.requests(); len(reqs) != 0 {
				t.Errorf("requests %v, want none", reqs)
			}
		})
	}
}
