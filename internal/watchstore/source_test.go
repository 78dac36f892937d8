package watchstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/kobj-dev/kobj/internal/rawjson"
)

// tooLarge is the server's answer to a list not older than a
// resourceVersion it has not reached (k8s.io/apiserver's
// storage.NewTooLargeResourceVersionError).
func tooLarge(rv string) error {
	err := apierrors.NewTimeoutError("Too large resource version: "+rv, 1)
	err.ErrStatus.Details.Causes = []metav1.StatusCause{{Type: metav1.CauseTypeResourceVersionTooLarge, Message: "Too large resource version"}}
	return err
}

// fakeResource answers lists from a script and records every request as
// "list rv=... match=... limit=... sel=..." or "watch rv=...".
type fakeResource struct {
	mu       sync.Mutex
	requests []string
	lists    []func(metav1.ListOptions) (*unstructured.UnstructuredList, error)
	watches  chan *watch.RaceFreeFakeWatcher // the watches opened, for the test to feed
	watchErr error
}

func newFakeResource(lists ...func(metav1.ListOptions) (*unstructured.UnstructuredList, error)) *fakeResource {
	return &fakeResource{lists: lists, watches: make(chan *watch.RaceFreeFakeWatcher, 10)}
}

func list(rv string, items ...*unstructured.Unstructured) func(metav1.ListOptions) (*unstructured.UnstructuredList, error) {
	return func(metav1.ListOptions) (*unstructured.UnstructuredList, error) {
		l := &unstructured.UnstructuredList{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMapList"}}
		l.SetResourceVersion(rv)
		for _, it := range items {
			l.Items = append(l.Items, *it)
		}
		return l, nil
	}
}

func fail(err error) func(metav1.ListOptions) (*unstructured.UnstructuredList, error) {
	return func(metav1.ListOptions) (*unstructured.UnstructuredList, error) { return nil, err }
}

func (f *fakeResource) List(_ context.Context, opts metav1.ListOptions) (*unstructured.UnstructuredList, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, fmt.Sprintf("list rv=%s match=%s limit=%d sel=%s,%s",
		opts.ResourceVersion, opts.ResourceVersionMatch, opts.Limit, opts.LabelSelector, opts.FieldSelector))
	if len(f.lists) == 0 {
		return nil, apierrors.NewInternalError(errors.New("unscripted list"))
	}
	next := f.lists[0]
	f.lists = f.lists[1:]
	return next(opts)
}

func (f *fakeResource) Check(ctx context.Context, opts metav1.ListOptions) error {
	_, err := f.List(ctx, opts)
	return err
}

func (f *fakeResource) Watch(_ context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	f.mu.Lock()
	f.requests = append(f.requests, "watch rv="+opts.ResourceVersion)
	err := f.watchErr
	f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	w := watch.NewRaceFreeFake()
	f.watches <- w
	return w, nil
}

func (f *fakeResource) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

// listRV returns the resourceVersion of a List's answer, and how many
// items it holds.
func listRV(t *testing.T, lw *ListerWatcher, rv string) (string, int, error) {
	t.Helper()
	got, err := lw.ListWithContext(context.Background(), metav1.ListOptions{ResourceVersion: rv, Limit: 500})
	if err != nil {
		return "", 0, err
	}
	l := got.(*unstructured.UnstructuredList)
	return l.GetResourceVersion(), len(l.Items), nil
}

func TestListerWatcherList(t *testing.T) {
	type call struct {
		rv      string // the reflector's resourceVersion for the list
		wantRV  string
		wantErr func(error) bool
		resumed bool // TakeResumed after the call
	}
	tests := []struct {
		name  string
		from  string
		lists []func(metav1.ListOptions) (*unstructured.UnstructuredList, error)
		calls []call
		want  []string
	}{
		{"no checkpoint: the reflector's lists, with the selectors", "",
			[]func(metav1.ListOptions) (*unstructured.UnstructuredList, error){list("10", obj("", "a", "1"))},
			[]call{{rv: "0", wantRV: "10"}},
			[]string{"list rv=0 match= limit=500 sel=l=1,f=2"}},
		{"a checkpoint the server has reached: one small list, then the checkpoint", "7",
			[]func(metav1.ListOptions) (*unstructured.UnstructuredList, error){list("12", obj("", "a", "1")), list("20")},
			[]call{{rv: "0", wantRV: "7", resumed: true}, {rv: "7", wantRV: "20"}},
			[]string{"list rv=7 match=NotOlderThan limit=1 sel=l=1,f=2", "list rv=7 match= limit=500 sel=l=1,f=2"}},
		{"a checkpoint ahead of the server: its error, then the reflector's list from the start", "99",
			[]func(metav1.ListOptions) (*unstructured.UnstructuredList, error){fail(tooLarge("99")), list("5", obj("", "a", "1"))},
			[]call{{rv: "0", wantErr: func(err error) bool { return apierrors.HasStatusCause(err, metav1.CauseTypeResourceVersionTooLarge) }},
				{rv: "", wantRV: "5"}},
			[]string{"list rv=99 match=NotOlderThan limit=1 sel=l=1,f=2", "list rv= match= limit=500 sel=l=1,f=2"}},
		{"a transient error keeps the checkpoint to validate", "7",
			[]func(metav1.ListOptions) (*unstructured.UnstructuredList, error){fail(apierrors.NewServiceUnavailable("busy")), list("8")},
			[]call{{rv: "0", wantErr: apierrors.IsServiceUnavailable}, {rv: "0", wantRV: "7", resumed: true}},
			[]string{"list rv=7 match=NotOlderThan limit=1 sel=l=1,f=2", "list rv=7 match=NotOlderThan limit=1 sel=l=1,f=2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeResource(tt.lists...)
			var seenErrs []error
			lw := NewListerWatcher(f, Options{LabelSelector: "l=1", FieldSelector: "f=2", ResumeFrom: tt.from,
				OnError: func(_ context.Context, err error) { seenErrs = append(seenErrs, err) }})
			if got := lw.IsWatchListSemanticsUnSupported(); got != (tt.from != "") {
				t.Errorf("IsWatchListSemanticsUnSupported() = %v, want %v", got, tt.from != "")
			}
			wantErrs := 0
			for i, c := range tt.calls {
				rv, _, err := listRV(t, lw, c.rv)
				switch {
				case c.wantErr != nil:
					wantErrs++
					if !c.wantErr(err) {
						t.Errorf("call %d: error = %v", i, err)
					}
				case err != nil || rv != c.wantRV:
					t.Errorf("call %d: list at %q, %v; want one at %q", i, rv, err, c.wantRV)
				}
				if got := lw.TakeResumed(); got != c.resumed {
					t.Errorf("call %d: TakeResumed() = %v, want %v", i, got, c.resumed)
				}
			}
			if len(seenErrs) != wantErrs {
				t.Errorf("OnError saw %v, want %d errors", seenErrs, wantErrs)
			}
			if got := f.seen(); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("requests\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestListerWatcherWatchErrors(t *testing.T) {
	forbidden := apierrors.NewForbidden(schema.GroupResource{Resource: "configmaps"}, "", errors.New("no"))
	tests := []struct {
		name      string
		opts      metav1.ListOptions
		cancelled bool
		wantSeen  int
	}{
		{"a watch's error is shown", metav1.ListOptions{ResourceVersion: "5"}, false, 1},
		{"a refused watch-list is not: the reflector lists instead", metav1.ListOptions{SendInitialEvents: ptr.To(true)}, false, 0},
		{"nor the error of an ended context", metav1.ListOptions{ResourceVersion: "5"}, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeResource()
			f.watchErr = forbidden
			seen := 0
			lw := NewListerWatcher(f, Options{OnError: func(context.Context, error) { seen++ }})
			ctx, cancel := context.WithCancel(context.Background())
			if tt.cancelled {
				cancel()
			}
			defer cancel()
			if _, err := lw.WatchWithContext(ctx, tt.opts); !apierrors.IsForbidden(err) {
				t.Errorf("error = %v, want the server's", err)
			}
			if seen != tt.wantSeen {
				t.Errorf("OnError called %d times, want %d", seen, tt.wantSeen)
			}
		})
	}
}

func TestTerminalStatus(t *testing.T) {
	gr := schema.GroupResource{Resource: "configmaps"}
	tests := []struct {
		name     string
		err      error
		terminal bool
	}{
		{"forbidden", apierrors.NewForbidden(gr, "", errors.New("no")), true},
		{"unauthorized, wrapped by the reflector", fmt.Errorf("failed to list: %w", apierrors.NewUnauthorized("who")), true},
		{"bad request", apierrors.NewBadRequest("selector"), true},
		{"method not supported", apierrors.NewMethodNotSupported(gr, "watch"), true},
		{"invalid", apierrors.NewInvalid(schema.GroupKind{Kind: "ConfigMap"}, "x", nil), true},
		{"not found: discovery says", apierrors.NewNotFound(gr, "x"), false},
		{"too large resource version", tooLarge("9"), false},
		{"gone", apierrors.NewResourceExpired("old"), false},
		{"internal", apierrors.NewInternalError(errors.New("x")), false},
		{"no status", errors.New("connection refused"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := TerminalStatus(tt.err)
			if (got != nil) != tt.terminal {
				t.Fatalf("TerminalStatus(%v) = %v, want terminal %v", tt.err, got, tt.terminal)
			}
			var status *apierrors.StatusError
			if got != nil && !errors.As(got, &status) || got != nil && got != error(status) {
				t.Errorf("TerminalStatus = %T, want the *StatusError itself", got)
			}
		})
	}
}

// NewResource's Check sends one request, where client-go would retry a
// "too large resource version" eleven times (Retry-After: 1, after 3
// seconds of the server's wait each); its List and Watch are the dynamic
// client's, on the resource's path.
func TestNewResource(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Path+"?"+r.URL.RawQuery)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("limit") == "1" {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusGatewayTimeout)
			status := tooLarge("99").(*apierrors.StatusError).ErrStatus
			status.Kind, status.APIVersion = "Status", "v1"
			json.NewEncoder(w).Encode(status)
			return
		}
		fmt.Fprint(w, `{"apiVersion":"example.com/v1","kind":"WidgetList","metadata":{"resourceVersion":"5"},"items":[]}`)
	}))
	defer srv.Close()
	cfg := &rest.Config{Host: srv.URL, Timeout: 5}
	hc := &http.Client{Timeout: 5}
	tests := []struct {
		gvr       schema.GroupVersionResource
		namespace string
		path      string
	}{
		{schema.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "widgets"}, "ns", "/apis/example.com/v1/namespaces/ns/widgets"},
		{schema.GroupVersionResource{Version: "v1", Resource: "nodes"}, "", "/api/v1/nodes"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			r, err := NewResource(cfg, hc, nil, tt.gvr, tt.namespace, rawjson.Full)
			if err != nil {
				t.Fatal(err)
			}
			err = r.Check(context.Background(), metav1.ListOptions{LabelSelector: "a=b", ResourceVersion: "99",
				ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan, Limit: 1})
			if !apierrors.HasStatusCause(err, metav1.CauseTypeResourceVersionTooLarge) {
				t.Errorf("Check: %v, want the server's too large resource version", err)
			}
			if l, err := r.List(context.Background(), metav1.ListOptions{}); err != nil || l.GetResourceVersion() != "5" {
				t.Errorf("List: %v, %v", l, err)
			}
			mu.Lock()
			defer mu.Unlock()
			want := []string{tt.path + "?labelSelector=a%3Db&limit=1&resourceVersion=99&resourceVersionMatch=NotOlderThan", tt.path + "?"}
			if strings.Join(seen, " ") != strings.Join(want, " ") {
				t.Errorf("requests\n got %q\nwant %q", seen, want)
			}
		})
	}
	if cfg.Timeout != 5 || hc.Timeout != 5 {
		t.Errorf("the caller's config and client changed: %v, %v", cfg.Timeout, hc.Timeout)
	}
}
