package kobj_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/kobj-dev/kobj"
)

const eachPath = "/api/v1/namespaces/ns/configmaps"

// pagedConfigMaps stores n ConfigMaps c00..c(n-1) in namespace ns and
// makes the fake serve their collection in pages, as the API does: limit
// is the page size, continue the index of the next item. expired, if set,
// answers a request carrying a continue token with 410 Expired.
func pagedConfigMaps(f *fakeAPI, n int, expired bool) []string {
	var names []string
	for i := range n {
		name := fmt.Sprintf("c%02d", i)
		names = append(names, name)
		f.put(eachPath+"/"+name, configMap("ns", name).Map())
	}
	f.intercept = func(w http.ResponseWriter, r *recorded) bool {
		if r.Method != "GET" || r.Path != eachPath {
			return false
		}
		q, _ := url.ParseQuery(r.Query)
		if expired && q.Get("continue") != "" {
			writeStatus(w, http.StatusGone, "Expired", "The provided continue parameter is too old to display a consistent list result.")
			return true
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		var paths []string
		for p := range f.objects {
			if dir, _ := splitLast(p); dir == eachPath {
				paths = append(paths, p)
			}
		}
		slices.Sort(paths)
		start, _ := strconv.Atoi(q.Get("continue"))
		end := len(paths)
		if limit, _ := strconv.Atoi(q.Get("limit")); limit > 0 && start+limit < end {
			end = start + limit
		}
		var items []any
		for _, p := range paths[start:end] {
			items = append(items, f.objects[p])
		}
		cont := ""
		if end < len(paths) {
			cont = strconv.Itoa(end)
		}
		writeJSON(w, 200, map[string]any{"apiVersion": "v1", "kind": "ConfigMapList",
			"metadata": map[string]any{"resourceVersion": strconv.Itoa(f.rv), "continue": cont}, "items": items})
		return true
	}
	return names
}

// walk ranges over seq, calling stop after each item (true: break), and
// returns the names yielded and the errors.
func walk(seq func(func(*kobj.Object, error) bool), stop func(n int) bool) (names []string, errs []error) {
	for item, err := range seq {
		if err != nil {
			errs = append(errs, err)
			if item != nil {
				errs = append(errs, errors.New("an error came with an item"))
			}
			continue
		}
		names = append(names, item.Name())
		if stop != nil && stop(len(names)) {
			break
		}
	}
	return names, errs
}

func queries(reqs []recorded) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, r.Method+" "+r.Path+"?"+r.Query)
	}
	return out
}

func TestEachWalksEveryPage(t *testing.T) {
	tests := []struct {
		name  string
		n     int
		opts  []kobj.ReadOption
		query []string
	}{
		{name: "pages of three", n: 7, opts: []kobj.ReadOption{kobj.Limit(3)},
			query: []string{"limit=3", "continue=3&limit=3", "continue=6&limit=3"}},
		{name: "a page size the list divides", n: 6, opts: []kobj.ReadOption{kobj.Limit(3)},
			query: []string{"limit=3", "continue=3&limit=3"}},
		{name: "500 without Limit", n: 4, query: []string{"limit=500"}},
		{name: "an empty list", n: 0, opts: []kobj.ReadOption{kobj.Limit(3)}, query: []string{"limit=3"}},
		{name: "selectors sent on every page", n: 3, opts: []kobj.ReadOption{kobj.Limit(2), kobj.LabelSelector("a=b")},
			query: []string{"labelSelector=a%3Db&limit=2", "continue=2&labelSelector=a%3Db&limit=2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, "")
			c := f.client()
			want := pagedConfigMaps(f, tt.n, false)
			f.requests()
			opts := append([]kobj.ReadOption{kobj.WithClient(c), kobj.InNamespace("ns")}, tt.opts...)
			names, errs := walk(kobj.New("v1", "ConfigMapList").Each(context.Background(), opts...), nil)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			if diff := cmp.Diff(want, names); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
			var wantQ []string
			for _, q := range tt.query {
				wantQ = append(wantQ, "GET "+eachPath+"?"+q)
			}
			if diff := cmp.Diff(wantQ, queries(f.requests())); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEachStops(t *testing.T) {
	tests := []struct {
		name      string
		cancelAt  int // cancel the context after this many items; 0: break after the first
		wantNames int
		wantReqs  int
	}{
		{name: "break after the first item", wantNames: 1, wantReqs: 1},
		{name: "cancel inside a page", cancelAt: 2, wantNames: 2, wantReqs: 1},
		{name: "cancel at the end of a page", cancelAt: 3, wantNames: 3, wantReqs: 1},
		{name: "cancel on the second page", cancelAt: 4, wantNames: 4, wantReqs: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, "")
			c := f.client()
			pagedConfigMaps(f, 7, false)
			f.requests()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			seq := kobj.New("v1", "ConfigMapList").Each(ctx, kobj.WithClient(c), kobj.InNamespace("ns"), kobj.Limit(3))
			names, errs := walk(seq, func(n int) bool {
				if tt.cancelAt == 0 {
					return true
				}
				if n == tt.cancelAt {
					cancel()
				}
				return false
			})
			if len(names) != tt.wantNames {
				t.Errorf("%d items yielded, want %d: %v", len(names), tt.wantNames, names)
			}
			if reqs := f.requests(); len(reqs) != tt.wantReqs {
				t.Errorf("%d requests, want %d: %v", len(reqs), tt.wantReqs, queries(reqs))
			}
			switch {
			case tt.cancelAt == 0 && len(errs) != 0:
				t.Errorf("break yielded errors %v", errs)
			case tt.cancelAt != 0 && (len(errs) != 1 || errs[0] != context.Canceled):
				t.Errorf("after a cancel the walk yielded errors %v, want context.Canceled as the last", errs)
			}
		})
	}
}

func TestEachReportsAnExpiredList(t *testing.T) {
	f := newFakeAPI(t, "")
	c := f.client()
	pagedConfigMaps(f, 7, true)
	f.requests()
	names, errs := walk(kobj.New("v1", "ConfigMapList").Each(context.Background(), kobj.WithClient(c), kobj.InNamespace("ns"), kobj.Limit(3)), nil)
	if diff := cmp.Diff([]string{"c00", "c01", "c02"}, names); diff != "" {
		t.Errorf("items before the expiry (-want +got):\n%s", diff)
	}
	if reqs := f.requests(); len(reqs) != 2 {
		t.Errorf("%d requests, want 2 (no relist): %v", len(reqs), queries(reqs))
	}
	if len(errs) != 1 {
		t.Fatalf("errors %v, want one", errs)
	}
	err := errs[0]
	var status *apierrors.StatusError
	if !apierrors.IsResourceExpired(err) || !errors.As(err, &status) {
		t.Errorf("error %v is not the server's 410 Expired", err)
	}
	for _, s := range []string{"kobj: Each v1 ConfigMapList", "after 3 items", "range over Each again"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not say %q", err, s)
		}
	}
}

func TestEachBadInputFailsBeforeAnyRequest(t *testing.T) {
	tests := []struct {
		name string
		kind string
		opts []kobj.ReadOption
		want string
	}{
		{name: "not a list kind", kind: "ConfigMap", want: "kobj: Each v1 ConfigMap: ConfigMap is not a list kind"},
		{name: "Limit 0", kind: "ConfigMapList", opts: []kobj.ReadOption{kobj.Limit(0)}, want: "kobj: Each v1 ConfigMapList: Limit(0): Each needs a page size of at least 1"},
		{name: "a negative Limit", kind: "ConfigMapList", opts: []kobj.ReadOption{kobj.Limit(-2)}, want: "kobj: Each v1 ConfigMapList: Limit(-2)"},
		{name: "Named", kind: "ConfigMapList", opts: []kobj.ReadOption{kobj.Named("x")}, want: `kobj: Each v1 ConfigMapList: Named("x") names an object`},
		{name: "a bad label selector", kind: "ConfigMapList", opts: []kobj.ReadOption{kobj.LabelSelector("a in (")}, want: `LabelSelector("a in (")`},
		{name: "a namespace for a cluster-scoped kind", kind: "NamespaceList", opts: []kobj.ReadOption{kobj.InNamespace("x")}, want: "kobj: Each v1 NamespaceList"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, "")
			c := f.client()
			pagedConfigMaps(f, 2, false)
			f.requests()
			opts := append([]kobj.ReadOption{kobj.WithClient(c), kobj.InNamespace("ns")}, tt.opts...)
			names, errs := walk(kobj.New("v1", tt.kind).Each(context.Background(), opts...), nil)
			if len(names) != 0 || len(errs) != 1 || !strings.Contains(errs[0].Error(), tt.want) {
				t.Fatalf("yielded %v and errors %v, want one error with %q", names, errs, tt.want)
			}
			if reqs := f.requests(); len(reqs) != 0 {
				t.Errorf("requests before the error: %v", queries(reqs))
			}
		})
	}
}

func TestEachItemUpdatesSendOnlyTheChange(t *testing.T) {
	f := newFakeAPI(t, "")
	c := f.client()
	ctx := context.Background()
	pagedConfigMaps(f, 3, false)
	var item *kobj.Object
	for it, err := range kobj.New("v1", "ConfigMapList").Each(ctx, kobj.WithClient(c), kobj.InNamespace("ns"), kobj.Limit(2)) {
		if err != nil {
			t.Fatal(err)
		}
		if it.Name() == "c02" {
			item = it
		}
	}
	if item == nil || item.Kind() != "ConfigMap" || item.APIVersion() != "v1" {
		t.Fatalf("item c02: %v", item)
	}
	rv := item.ResourceVersion()
	item.Set("data.b", "2")
	f.requests()
	if _, err := item.Update(ctx); err != nil { // the item's own client
		t.Fatal(err)
	}
	want := `{"data":{"b":"2"},"metadata":{"resourceVersion":"` + rv + `"}}`
	if reqs := f.requests(); len(reqs) != 1 || reqs[0].Method != "PATCH" || reqs[0].Body != want ||
		reqs[0].ContentType != "application/merge-patch+json" {
		t.Errorf("Update of a yielded item sent %+v, want one merge patch %s", reqs, want)
	}
}

// TestEachRangedTwiceWalksAgain: one sequence ranged a second time, after
// a break and after a full walk, starts again from the first page (the
// first walk's continue token is not carried over).
func TestEachRangedTwiceWalksAgain(t *testing.T) {
	f := newFakeAPI(t, "")
	c := f.client()
	want := pagedConfigMaps(f, 7, false)
	f.requests()
	seq := kobj.New("v1", "ConfigMapList").Each(context.Background(), kobj.WithClient(c), kobj.InNamespace("ns"), kobj.Limit(3))
	names, errs := walk(seq, func(n int) bool { return n == 4 })
	if len(errs) > 0 || !slices.Equal(names, want[:4]) {
		t.Fatalf("first walk (break after 4): %v %v, want %v", names, errs, want[:4])
	}
	for round := 2; round <= 3; round++ {
		f.requests()
		names, errs = walk(seq, nil)
		if len(errs) > 0 {
			t.Fatalf("walk %d: %v", round, errs)
		}
		if diff := cmp.Diff(want, names); diff != "" {
			t.Errorf("walk %d items (-want +got):\n%s", round, diff)
		}
		wantQ := []string{"GET " + eachPath + "?limit=3", "GET " + eachPath + "?continue=3&limit=3", "GET " + eachPath + "?continue=6&limit=3"}
		if diff := cmp.Diff(wantQ, queries(f.requests())); diff != "" {
			t.Errorf("walk %d requests (-want +got):\n%s", round, diff)
		}
	}
}
