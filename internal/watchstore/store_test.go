package watchstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kobj-dev/kobj/internal/rawjson"
)

func obj(ns, name, rv string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap"}}
	u.SetNamespace(ns)
	u.SetName(name)
	u.SetResourceVersion(rv)
	return u
}

// describe renders an item as "TYPE ns/name [initial] @rv", or "rv @x"
// for a checkpoint.
func describe(it Item) string {
	if it.Event == nil {
		return "rv @" + it.RV
	}
	ev := it.Event
	s := string(ev.Type)
	if ev.Object != nil {
		u := &unstructured.Unstructured{Object: ev.Object}
		s += " " + Key(u)
		if string(ev.Raw) == "" || !strings.Contains(string(ev.Raw), `"name":"`+u.GetName()+`"`) {
			s += " (raw does not match)"
		}
	}
	if ev.Initial {
		s += " initial"
	}
	return s + " @" + ev.ResourceVersion
}

func TestStore(t *testing.T) {
	tests := []struct {
		name       string
		checkpoint string
		resumed    []bool // what TakeResumed answers, call by call
		calls      func(s *Store) error
		want       []string
	}{
		{"a first list: its objects sorted, the checkpoint before it, then live events", "", nil,
			func(s *Store) error {
				return errors.Join(
					s.Replace([]any{obj("b", "x", "3"), obj("a", "y", "4"), obj("a", "x", "5")}, "10"),
					s.Add(obj("a", "z", "11")), s.Update(obj("a", "z", "12")), s.Delete(obj("a", "z", "13")),
					s.Resync())
			},
			[]string{"RESYNC @", "ADDED a/x initial @", "ADDED a/y initial @", "ADDED b/x initial @", "SYNCED @10",
				"ADDED a/z @11", "MODIFIED a/z @12", "DELETED a/z @13"}},
		{"a relist reports what vanished, as last seen, and carries the last checkpoint", "", nil,
			func(s *Store) error {
				return errors.Join(
					s.Replace([]any{obj("", "a", "1"), obj("", "b", "2")}, "10"),
					s.Add(obj("", "c", "11")),
					s.Update(obj("", "b", "12")),
					s.Replace([]any{obj("", "a", "1")}, "20"))
			},
			[]string{"RESYNC @", "ADDED a initial @", "ADDED b initial @", "SYNCED @10", "ADDED c @11", "MODIFIED b @12",
				"RESYNC @12", "ADDED a initial @12", "DELETED b initial @12", "DELETED c initial @12", "SYNCED @20"}},
		{"a resumed watch's start hands over its checkpoint only", "7", []bool{true, false},
			func(s *Store) error {
				return errors.Join(s.Replace(nil, "7"), s.Add(obj("", "a", "8")), s.Replace(nil, "9"))
			},
			[]string{"rv @7", "ADDED a @8", "RESYNC @8", "DELETED a initial @8", "SYNCED @9"}},
		{"a checkpoint the server could not serve: the first list reports the state, with the checkpoint", "99", []bool{false},
			func(s *Store) error { return s.Replace([]any{obj("", "a", "3")}, "5") },
			[]string{"RESYNC @99", "ADDED a initial @99", "SYNCED @5"}},
		{"bookmarks move the checkpoint", "", nil,
			func(s *Store) error { s.UpdateResourceVersion("30"); return nil },
			[]string{"rv @30"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			send := func(it Item) error { got = append(got, describe(it)); return nil }
			var resumed func() bool
			if tt.resumed != nil {
				resumed = func() bool {
					if len(tt.resumed) == 0 {
						t.Fatal("TakeResumed asked once too often")
					}
					r := tt.resumed[0]
					tt.resumed = tt.resumed[1:]
					return r
				}
			}
			if err := tt.calls(NewStore(send, tt.checkpoint, resumed)); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("items\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestStoreErrors(t *testing.T) {
	ended := errors.New("ended")
	tests := []struct {
		name  string
		call  func(s *Store) error
		want  string
		sends int // items handed over before the error
	}{
		{"not unstructured", func(s *Store) error { return s.Add("x") }, "unexpected object string", 0},
		{"not unstructured in a list", func(s *Store) error { return s.Replace([]any{obj("", "a", "1"), 3}, "2") }, "unexpected object int", 1},
		{"the watch ended during a list", func(s *Store) error { return s.Replace([]any{obj("", "a", "1")}, "2") }, "ended", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			send := func(Item) error {
				n++
				if tt.want == "ended" {
					return ended
				}
				return nil
			}
			err := tt.call(NewStore(send, "", nil))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
			if n != tt.sends {
				t.Errorf("%d items handed over, want %d", n, tt.sends)
			}
		})
	}
}

// TestStoreKeepsServerBytes: objects decoded by rawjson (NewResource's)
// keep the bytes the server sent, in the events and for the Deleted
// events of a relist; the events' maps are the whole objects, without
// what carried the bytes.
func TestStoreKeepsServerBytes(t *testing.T) {
	// Not in encoding/json's order, as a server may send it.
	a := `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"3","name":"a","namespace":"n"},"data":{"z":"1","a":"2"}}`
	b := `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"4","name":"b","namespace":"n"},"data":{"n":1}}`
	for _, mode := range []rawjson.Mode{rawjson.Full, rawjson.Metadata} {
		decode := func(data string) *unstructured.Unstructured {
			u, ok := rawjson.Decode([]byte(data), "", "", mode)
			if !ok {
				t.Fatalf("rawjson.Decode(%s) failed", data)
			}
			return u
		}
		var got []*Event
		send := func(it Item) error {
			if it.Event != nil && it.Event.Object != nil {
				got = append(got, it.Event)
			}
			return nil
		}
		s := NewStore(send, "", nil)
		if err := errors.Join(s.Replace([]any{decode(b), decode(a)}, "5"), s.Update(decode(a)), s.Replace(nil, "6")); err != nil {
			t.Fatal(err)
		}
		want := []string{"ADDED " + a, "ADDED " + b, "MODIFIED " + a, "DELETED " + a, "DELETED " + b}
		if len(got) != len(want) {
			t.Fatalf("mode %d: %d events, want %d", mode, len(got), len(want))
		}
		for i, ev := range got {
			if string(ev.Type)+" "+string(ev.Raw) != want[i] {
				t.Errorf("mode %d: event %d = %s %s, want %s", mode, i, ev.Type, ev.Raw, want[i])
			}
			var m map[string]any
			if err := json.Unmarshal(ev.Raw, &m); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(m) != fmt.Sprint(ev.Object) || len(m) != len(ev.Object) {
				t.Errorf("mode %d: event %d's object = %v, want %v", mode, i, ev.Object, m)
			}
		}
	}
}
