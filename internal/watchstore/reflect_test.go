package watchstore

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestReflectResumes runs client-go's own Reflector over a ListerWatcher
// and a Store resumed from a checkpoint: one the server has reached is
// watched from, without a report of the state; one it has not reached
// (its list answers "too large resource version") is relisted, Resync ...
// Synced, and watched from the list, so that a later object arrives. It
// holds the ListerWatcher to the reflector's list path, which it relies on
// (relistResourceVersion is "" after a too-large list).
func TestReflectResumes(t *testing.T) {
	tests := []struct {
		name      string
		lists     []func(metav1.ListOptions) (*unstructured.UnstructuredList, error)
		wantItems []string
		wantReqs  []string
	}{
		{"a checkpoint the server has reached",
			[]func(metav1.ListOptions) (*unstructured.UnstructuredList, error){list("60", obj("ns", "a", "3"))},
			[]string{"rv @50", "ADDED ns/new @61", "rv @61"},
			[]string{"list rv=50 match=NotOlderThan limit=1 sel=,", "watch rv=50"}},
		{"a checkpoint ahead of the server",
			[]func(metav1.ListOptions) (*unstructured.UnstructuredList, error){fail(tooLarge("50")), list("20", obj("ns", "a", "3"))},
			[]string{"RESYNC @50", "ADDED ns/a initial @50", "SYNCED @20", "ADDED ns/new @61", "rv @61"},
			[]string{"list rv=50 match=NotOlderThan limit=1 sel=,", "list rv= match= limit=500 sel=,", "watch rv=20"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			f := newFakeResource(tt.lists...)
			lw := NewListerWatcher(f, Options{ResumeFrom: "50", OnError: func(_ context.Context, err error) { t.Logf("error: %v", err) }})
			items := make(chan Item, 100)
			send := func(it Item) error { items <- it; return nil }
			runCtx, stop := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() {
				defer close(done)
				Reflect(runCtx, lw, NewStore(send, "50", lw.TakeResumed), "v1", "ConfigMap", "test")
			}()
			defer func() { stop(); <-done }()
			select {
			case fw := <-f.watches:
				fw.Add(obj("ns", "new", "61"))
			case <-ctx.Done():
				t.Fatalf("no watch opened; requests %q", f.seen())
			}
			var got []string
			for len(got) < len(tt.wantItems) {
				select {
				case it := <-items:
					got = append(got, describe(it))
				case <-ctx.Done():
					t.Fatalf("items so far %q; requests %q", got, f.seen())
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.wantItems, "\n") {
				t.Errorf("items\n got %q\nwant %q", got, tt.wantItems)
			}
			if got := f.seen(); strings.Join(got, "\n") != strings.Join(tt.wantReqs, "\n") {
				t.Errorf("requests\n got %q\nwant %q", got, tt.wantReqs)
			}
		})
	}
}
