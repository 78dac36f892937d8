package pager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// fakeList serves names in pages of the requested limit, as the API does:
// continue is the index of the next item.
type fakeList struct {
	names []string
	calls []metav1.ListOptions
}

func (f *fakeList) fetch(_ context.Context, opts metav1.ListOptions) ([]byte, error) {
	f.calls = append(f.calls, opts)
	start := 0
	if opts.Continue != "" {
		start, _ = strconv.Atoi(opts.Continue)
	}
	end := len(f.names)
	if opts.Limit > 0 && start+int(opts.Limit) < end {
		end = start + int(opts.Limit)
	}
	var items []string
	for _, n := range f.names[start:end] {
		items = append(items, fmt.Sprintf(`{"metadata":{"name":%q}}`, n))
	}
	cont := ""
	if end < len(f.names) {
		cont = strconv.Itoa(end)
	}
	return fmt.Appendf(nil, `{"metadata":{"resourceVersion":"9","continue":%q},"items":[%s]}`, cont, strings.Join(items, ",")), nil
}

func TestEach(t *testing.T) {
	names := []string{"a", "b", "c", "d", "e"}
	tests := []struct {
		name      string
		opts      metav1.ListOptions
		wantPages [][]string
		wantOpts  []metav1.ListOptions
	}{
		{name: "no limit: one page", opts: metav1.ListOptions{LabelSelector: "x=y"},
			wantPages: [][]string{names},
			wantOpts:  []metav1.ListOptions{{LabelSelector: "x=y"}}},
		{name: "pages of two, the version only on the first", opts: metav1.ListOptions{Limit: 2, ResourceVersion: "5", ResourceVersionMatch: "NotOlderThan"},
			wantPages: [][]string{{"a", "b"}, {"c", "d"}, {"e"}},
			wantOpts: []metav1.ListOptions{{Limit: 2, ResourceVersion: "5", ResourceVersionMatch: "NotOlderThan"},
				{Limit: 2, Continue: "2"}, {Limit: 2, Continue: "4"}}},
		{name: "a limit the list fits in", opts: metav1.ListOptions{Limit: 5},
			wantPages: [][]string{names}, wantOpts: []metav1.ListOptions{{Limit: 5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeList{names: names}
			var pages [][]string
			err := Each(context.Background(), f.fetch, tt.opts, func(p Page) error {
				pages = append(pages, pageNames(t, p))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantPages, pages); diff != "" {
				t.Errorf("pages (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantOpts, f.calls); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

func pageNames(t *testing.T, p Page) []string {
	t.Helper()
	var out []string
	for _, raw := range p.Items {
		var it struct {
			Metadata metav1.ObjectMeta `json:"metadata"`
		}
		if err := json.Unmarshal(raw, &it); err != nil {
			t.Fatal(err)
		}
		out = append(out, it.Metadata.Name)
	}
	return out
}

func TestEachFailures(t *testing.T) {
	fetchErr := errors.New("connection refused")
	stop := errors.New("enough")
	tests := []struct {
		name   string
		fetch  FetchFunc
		fn     func(Page) error
		ctx    func() context.Context
		wantIs error
		want   string // in the message
		calls  int    // fetches made, -1: not counted
	}{
		{name: "a fetch error as it is", fetch: func(context.Context, metav1.ListOptions) ([]byte, error) { return nil, fetchErr },
			wantIs: fetchErr, calls: 1},
		{name: "a callback error stops the walk", fetch: (&fakeList{names: []string{"a", "b", "c"}}).fetch,
			fn: func(Page) error { return stop }, wantIs: stop, calls: 1},
		{name: "a page that is not a list", fetch: func(context.Context, metav1.ListOptions) ([]byte, error) { return []byte(`[1]`), nil },
			want: "decoding list page 1", calls: 1},
		{name: "a repeated continue token", fetch: func(context.Context, metav1.ListOptions) ([]byte, error) {
			return []byte(`{"metadata":{"continue":"same"},"items":[]}`), nil
		}, wantIs: errRepeatedToken, calls: 2},
		{name: "a canceled context fetches nothing", fetch: (&fakeList{names: []string{"a"}}).fetch,
			ctx:    func() context.Context { ctx, cancel := context.WithCancel(context.Background()); cancel(); return ctx },
			wantIs: context.Canceled, calls: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			fetch := func(ctx context.Context, o metav1.ListOptions) ([]byte, error) { calls++; return tt.fetch(ctx, o) }
			fn := tt.fn
			if fn == nil {
				fn = func(Page) error { return nil }
			}
			ctx := context.Background()
			if tt.ctx != nil {
				ctx = tt.ctx()
			}
			err := Each(ctx, fetch, metav1.ListOptions{Limit: 1}, fn)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v, want %v", err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to say %q", err, tt.want)
			}
			if calls != tt.calls {
				t.Errorf("%d fetches, want %d", calls, tt.calls)
			}
		})
	}
}

// TestEachOverHTTP walks a list served over HTTP, as kobj fetches it: the
// query carries limit and continue.
func TestEachOverHTTP(t *testing.T) {
	f := &fakeList{names: []string{"a", "b", "c"}}
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queries = append(queries, r.URL.RawQuery)
		limit, _ := strconv.ParseInt(r.URL.Query().Get("limit"), 10, 64)
		body, _ := f.fetch(r.Context(), metav1.ListOptions{Limit: limit, Continue: r.URL.Query().Get("continue")})
		w.Write(body)
	}))
	defer srv.Close()
	fetch := func(ctx context.Context, opts metav1.ListOptions) ([]byte, error) {
		q := url.Values{"limit": {strconv.FormatInt(opts.Limit, 10)}}
		if opts.Continue != "" {
			q.Set("continue", opts.Continue)
		}
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/v1/configmaps?"+q.Encode(), nil)
		resp, err := srv.Client().Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		return io.ReadAll(resp.Body)
	}
	var got []string
	if err := Each(context.Background(), fetch, metav1.ListOptions{Limit: 2}, func(p Page) error {
		got = append(got, pageNames(t, p)...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("items %v", got)
	}
	if want := []string{"limit=2", "continue=2&limit=2"}; !slices.Equal(queries, want) {
		t.Errorf("queries %v, want %v", queries, want)
	}
}
