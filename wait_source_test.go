package kobj_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/kobj-dev/kobj"
)

const waitedPath = "/api/v1/namespaces/ns/configmaps/c"

func waitedConfigMap(uid, value string) map[string]any {
	return map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "c", "namespace": "ns", "uid": uid}, "data": map[string]any{"k": value}}
}

// onNthRead runs act when the waited-for object is read for the nth time;
// act returning false lets the fake serve the read after it, true means
// it answered the request itself.
func onNthRead(f *fakeAPI, n int, act func(w http.ResponseWriter) bool) {
	reads := 0
	f.intercept = func(w http.ResponseWriter, r *recorded) bool {
		if r.Method != http.MethodGet || r.Path != waitedPath {
			return false
		}
		reads++
		if reads == n {
			return act(w)
		}
		return false
	}
}

// The interim source reads the object over and over; these tests change
// the server between two reads, which needs no clock.
func TestWaitFollowsTheServerBetweenReads(t *testing.T) {
	tests := []struct {
		name   string
		cond   kobj.Condition
		change func(f *fakeAPI) func(w http.ResponseWriter) bool
	}{
		{"a modification", kobj.PathEquals("data.k", "new"), func(f *fakeAPI) func(http.ResponseWriter) bool {
			return func(http.ResponseWriter) bool { f.put(waitedPath, waitedConfigMap("uid-a", "new")); return false }
		}},
		{"a deletion", kobj.Gone(), func(f *fakeAPI) func(http.ResponseWriter) bool {
			return func(http.ResponseWriter) bool {
				f.mu.Lock()
				defer f.mu.Unlock()
				delete(f.objects, waitedPath)
				return false
			}
		}},
		{"a re-creation under the same name", kobj.Gone(), func(f *fakeAPI) func(http.ResponseWriter) bool {
			return func(http.ResponseWriter) bool { f.put(waitedPath, waitedConfigMap("uid-b", "old")); return false }
		}},
		{"transient server errors", kobj.PathEquals("data.k", "new"), func(f *fakeAPI) func(http.ResponseWriter) bool {
			return func(w http.ResponseWriter) bool {
				f.put(waitedPath, waitedConfigMap("uid-a", "new"))
				writeStatus(w, http.StatusServiceUnavailable, "ServiceUnavailable", "try later")
				return true
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, "")
			f.put(waitedPath, waitedConfigMap("uid-a", "old"))
			onNthRead(f, 3, tt.change(f))
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			o := kobj.New("v1", "ConfigMap").SetName("c").SetNamespace("ns").SetClient(f.client())
			if _, err := o.Wait(ctx, tt.cond); err != nil {
				t.Fatalf("Wait: %v", err)
			}
			if o.UID() == "" {
				t.Error("o was not refreshed from the server")
			}
			// The interim source costs one GET of the object per read,
			// and nothing else: the change came at the third read.
			reqs := f.requests()
			for _, r := range reqs {
				if r.Method != http.MethodGet || r.Path != waitedPath {
					t.Errorf("unexpected request %s %s", r.Method, r.Path)
				}
			}
			if len(reqs) < 3 || len(reqs) > 4 {
				t.Errorf("%d reads of the object, want 3 (4 when the third failed)", len(reqs))
			}
		})
	}
}

func TestWaitEndsOnAForbiddenRead(t *testing.T) {
	f := newFakeAPI(t, "")
	f.put(waitedPath, waitedConfigMap("uid-a", "old"))
	onNthRead(f, 2, func(w http.ResponseWriter) bool {
		writeStatus(w, http.StatusForbidden, "Forbidden", "no")
		return true
	})
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	o := kobj.New("v1", "ConfigMap").SetName("c").SetNamespace("ns").SetClient(f.client())
	_, err := o.Wait(ctx, kobj.PathEquals("data.k", "new"))
	if !apierrors.IsForbidden(err) || ctx.Err() != nil {
		t.Fatalf("Wait: %v, want Forbidden before the deadline", err)
	}
	if got, _ := o.GetString("data.k"); got != "old" {
		t.Errorf("o holds data.k %q, want the last observed %q", got, "old")
	}
}
