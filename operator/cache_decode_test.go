package operator

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/kobj-dev/kobj"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
)

func TestDecodeRaw(t *testing.T) {
	tests := []struct {
		name, data, av, kind string
		ok                   bool
		raw                  string // the kept bytes, when not data
	}{
		{"object", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"n","uid":"u","resourceVersion":"5","labels":{"x":"y"}},"data":{"k":"v"}}`, "", "", true, ""},
		{"list item", `{"metadata":{"name":"a","resourceVersion":"5"},"data":{}}`, "v1", "ConfigMap", true,
			`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"5"},"data":{}}`},
		{"empty list item", `{ "metadata":{"name":"a"}}`, "v1", "ConfigMap", true, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}`},
		{"no name (bookmark)", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"resourceVersion":"5"}}`, "", "", false, ""},
		{"status", `{"apiVersion":"v1","kind":"Status","metadata":{"name":"x"},"code":410}`, "", "", false, ""},
		{"no kind", `{"metadata":{"name":"a"}}`, "", "", false, ""},
		{"not an object", `[1]`, "", "", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, ok := decodeRaw([]byte(tt.data), tt.av, tt.kind)
			if ok != tt.ok {
				t.Fatalf("ok = %v", ok)
			}
			if !ok {
				return
			}
			r := u.Object[rawField].(*rawObject)
			want := tt.raw
			if want == "" {
				want = tt.data
			}
			if string(r.raw) != want {
				t.Fatalf("raw = %s, want %s", r.raw, want)
			}
			var m map[string]any
			if err := json.Unmarshal(r.raw, &m); err != nil {
				t.Fatalf("raw is not JSON: %v", err)
			}
			if u.GetName() != "a" || u.GetKind() != "ConfigMap" || u.GetAPIVersion() != "v1" {
				t.Fatalf("metadata = %v", u.Object)
			}
			e := r.entry()
			if e.Name != "a" || e.Kind != "ConfigMap" || e.ResourceVersion != u.GetResourceVersion() {
				t.Fatalf("entry = %+v", e)
			}
			if tt.name == "object" && (e.Labels["x"] != "y" || e.UID != "u" || e.Namespace != "n") {
				t.Fatalf("entry = %+v", e)
			}
		})
	}
}

func TestStripRaw(t *testing.T) {
	keep := []string{"kobj-operator-"}
	mine, theirs := `{"manager":"kobj-operator-x","f":1}`, `{"manager":"kubectl"}`
	tests := []struct{ in, want string }{
		{`{"metadata":{"name":"a"},"data":{}}`, ""},
		{`{"data":{},"metadata":{"name":"a"}}`, ""},
		{`{"metadata":{"name":"a","managedFields":[` + mine + `]}}`, ""},
		{`{"metadata":{"name":"a","managedFields":null}}`, ""},
		{`{"metadata":{"name":"a","managedFields":[]}}`, ""},
		{`{"metadata":"odd"}`, ""},
		{`{"metadata":{"managedFields":{}}}`, ""},
		{`{"a":[1,{"b":"]}\"\\"}],"metadata":{"x":-1.5e3,"y":true,"managedFields":[` + theirs + `],"z":null}}`, `{"a":[1,{"b":"]}\"\\"}],"metadata":{"x":-1.5e3,"y":true,"z":null}}`},
		{`{"metadata":{"managedFields":[{"manager":"kobj-operator-\u0078"},` + theirs + `]}}`, `{"metadata":{"managedFields":[{"manager":"kobj-operator-\u0078"}]}}`},
		{`{"metadata":{"name":"a","managedFields":[` + theirs + `,` + mine + `]},"b":"<"}`,
			`{"metadata":{"name":"a","managedFields":[` + mine + `]},"b":"<"}`},
		{`{"metadata":{"name":"a","managedFields":[` + theirs + `]}}`, `{"metadata":{"name":"a"}}`},
		{`{"metadata":{"managedFields":[` + theirs + `],"name":"a"}}`, `{"metadata":{"name":"a"}}`},
		{`{"metadata":{"managedFields":[` + theirs + `]}}`, `{"metadata":{}}`},
		{"{ \"metadata\" : { \"managedFields\" : [ " + theirs + " ] ,\n \"name\":\"a\" } , \"data\": {\"k\":\"v\"} }", ""},
		{"{\"metadata\":{\"name\":\"a\" , \"managedFields\" : [" + mine + " , " + theirs + "] }}", ""},
		{`{"kind":"X","metadata":{"labels":{"managedFields":"no"},"managedFields":[` + theirs + `,` + mine + `,` + theirs + `]},"spec":{"metadata":{"managedFields":[]}}}`,
			`{"kind":"X","metadata":{"labels":{"managedFields":"no"},"managedFields":[` + mine + `]},"spec":{"metadata":{"managedFields":[]}}}`},
	}
	for _, tt := range tests {
		got, err := stripRaw([]byte(tt.in), keep)
		if err != nil {
			t.Errorf("stripRaw(%s): %v", tt.in, err)
			continue
		}
		if string(got) != tt.in && cap(got) != len(got) {
			t.Errorf("stripRaw(%s): %d bytes kept for %d", tt.in, cap(got), len(got))
		}
		if tt.want != "" && string(got) != tt.want {
			t.Errorf("stripRaw(%s) = %s; want %s", tt.in, got, tt.want)
		}
		// Always: what stripManagedFields does to the decoded object.
		var in, out map[string]any
		if err := json.Unmarshal([]byte(tt.in), &in); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(got, &out); err != nil {
			t.Errorf("stripRaw(%s) = %s: not JSON: %v", tt.in, got, err)
			continue
		}
		stripManagedFields(&unstructured.Unstructured{Object: in}, keep)
		if fmt.Sprint(in) != fmt.Sprint(out) {
			t.Errorf("stripRaw(%s) = %s, want the content %v", tt.in, got, in)
		}
	}
	for _, bad := range []string{`{"metadata":{"managedFields":[1]}}`, `[]`, `{"metadata":`, `{"metadata":{"managedFields":[{"manager":"x}]}}`, `{"a":tru`} {
		if _, err := stripRaw([]byte(bad), keep); err == nil {
			t.Errorf("stripRaw(%s): no error", bad)
		}
	}
}

// TestRawResource checks the requests the informers' client sends and
// what it decodes, against a fake server: a list of a built-in kind
// (items without apiVersion and kind), a Status error, and a watch.
func TestRawResource(t *testing.T) {
	var mu sync.Mutex
	var requests []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests = append(requests, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery+" accept="+r.Header.Get("Accept"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Query().Get("watch") == "true":
			for i, rv := range []string{"11", "12"} {
				fmt.Fprintf(w, `{"type":"MODIFIED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"w%d","namespace":"n","resourceVersion":%q}}}`+"\n", i, rv)
			}
			fmt.Fprintln(w, `{"type":"BOOKMARK","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"resourceVersion":"13","annotations":{"k8s.io/initial-events-end":"true"}}}}`)
		case r.URL.Query().Get("labelSelector") == "bad":
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintln(w, `{"apiVersion":"v1","kind":"Status","status":"Failure","reason":"BadRequest","message":"bad selector","code":400}`)
		default:
			fmt.Fprintln(w, `{"apiVersion":"v1","kind":"ConfigMapList","metadata":{"resourceVersion":"10","continue":"c"},"items":[{"metadata":{"name":"a","namespace":"n","resourceVersion":"9"},"data":{"k":"v"}}]}`)
		}
	}))
	defer srv.Close()
	res, err := newRawResource(&rest.Config{Host: srv.URL}, srv.Client(), nil, schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}, "n")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	l, err := res.List(ctx, metav1.ListOptions{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if l.GetResourceVersion() != "10" || l.GetContinue() != "c" || len(l.Items) != 1 {
		t.Fatalf("list = %v", l.Object)
	}
	r, ok := l.Items[0].Object[rawField].(*rawObject)
	if !ok || !strings.HasPrefix(string(r.raw), `{"apiVersion":"v1","kind":"ConfigMap","metadata":`) || r.lite.Metadata.Namespace != "n" {
		t.Fatalf("item = %v", l.Items[0].Object)
	}
	_, err = res.List(ctx, metav1.ListOptions{LabelSelector: "bad"})
	if err == nil || !strings.Contains(err.Error(), "bad selector") {
		t.Fatalf("list refused: %v", err)
	}
	w, err := res.Watch(ctx, metav1.ListOptions{ResourceVersion: "10"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for ev := range w.ResultChan() {
		u := ev.Object.(*unstructured.Unstructured)
		_, raw := u.Object[rawField]
		got = append(got, fmt.Sprintf("%s %s %s raw=%v", ev.Type, u.GetName(), u.GetResourceVersion(), raw))
		if ev.Type == watch.Bookmark {
			if u.GetAnnotations()["k8s.io/initial-events-end"] != "true" {
				t.Errorf("bookmark lost its annotation: %v", u.Object)
			}
			break
		}
	}
	w.Stop()
	if want := "MODIFIED w0 11 raw=true,MODIFIED w1 12 raw=true,BOOKMARK  13 raw=false"; strings.Join(got, ",") != want {
		t.Fatalf("events = %v, want %s", got, want)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, r := range requests {
		if !strings.HasSuffix(r, "accept=application/json") || !strings.HasPrefix(r, "GET /api/v1/namespaces/n/configmaps?") {
			t.Errorf("request %s", r)
		}
	}
}

func TestToEntryRaw(t *testing.T) {
	data := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"n","managedFields":[{"manager":"kubectl"},{"manager":"kobj-operator-x"}]},"data":{"big":"x","k":"v"}}`
	tests := []struct {
		name string
		cfg  cacheConfig
		want string // managers kept, data keys
	}{
		{"as sent", cacheConfig{}, "[kubectl kobj-operator-x] [big k]"},
		{"strip", cacheConfig{strip: true, keep: []string{"kobj-operator-"}}, "[kobj-operator-x] [big k]"},
		{"strip and transform", cacheConfig{strip: true, keep: []string{"kobj-operator-"}, transform: func(o *kobj.Object) { o.Remove("data.big") }}, "[kobj-operator-x] [k]"},
	}
	for _, tt := range tests {
		kc := &kindCache{c: &Cache{cfg: tt.cfg}, ref: kindRef{"v1", "ConfigMap"}}
		u, ok := decodeRaw([]byte(data), "", "")
		if !ok {
			t.Fatal("decodeRaw failed")
		}
		obj, err := kc.toEntry(u)
		if err != nil {
			t.Fatal(err)
		}
		e := obj.(*entry)
		m, err := e.decode()
		if err != nil {
			t.Fatal(err)
		}
		var managers, keys []string
		for _, f := range m["metadata"].(map[string]any)["managedFields"].([]any) {
			managers = append(managers, f.(map[string]any)["manager"].(string))
		}
		for k := range m["data"].(map[string]any) {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if got := fmt.Sprint(managers, keys); got != tt.want || e.Name != "a" || e.Namespace != "n" {
			t.Errorf("%s: %s (%s/%s), want %s", tt.name, got, e.Namespace, e.Name, tt.want)
		}
	}
}

func BenchmarkStripRaw(b *testing.B) {
	data := []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-1","namespace":"bench-1","uid":"0b5e5c0e-8c1d-4a59-9a3c-1f0d2b3c4d5e","resourceVersion":"123456","creationTimestamp":"2026-12-06T10:00:00Z","labels":{"app":"bench"},"managedFields":[{"manager":"bench.test","operation":"Update","apiVersion":"v1","time":"2026-12-06T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},"f:count":{},"f:greeting":{}},"f:metadata":{"f:labels":{".":{},"f:app":{}}}}}]},"data":{"count":"1","greeting":"hello"}}`)
	keep := []string{"kobj-operator-"}
	b.Run("decodeRaw", func(b *testing.B) {
		for b.Loop() {
			decodeRaw(data, "", "")
		}
	})
	b.Run("stripRaw", func(b *testing.B) {
		for b.Loop() {
			if _, err := stripRaw(data, keep); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// FuzzStripRaw: stripRaw never panics, and what it returns is JSON with the
// content stripManagedFields leaves of the decoded object.
func FuzzStripRaw(f *testing.F) {
	for _, s := range []string{
		`{"metadata":{"name":"a","managedFields":[{"manager":"kubectl"},{"manager":"kobj-operator-x"}]},"data":{}}`,
		`{"metadata":{"managedFields":[{"manager":"kubectl"}]}}`,
		`{ "metadata" : { "managedFields" : [ {"manager":"a"} ] , "x":1 } }`,
		`{"a":"\"}","metadata":{"managedFields":[{"manager":"kobj-operator-\u0078"},{"manager":"b"}]}}`,
	} {
		f.Add([]byte(s))
	}
	keep := []string{"kobj-operator-"}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := stripRaw(data, keep)
		if err != nil {
			return
		}
		var in map[string]any
		if json.Unmarshal(data, &in) != nil {
			return // the cache strips only what decoded
		}
		var out map[string]any
		if err := json.Unmarshal(got, &out); err != nil {
			t.Fatalf("stripRaw(%s) = %s: not JSON: %v", data, got, err)
		}
		stripManagedFields(&unstructured.Unstructured{Object: in}, keep)
		if fmt.Sprint(in) != fmt.Sprint(out) {
			t.Fatalf("stripRaw(%s) = %s, want the content %v", data, got, in)
		}
	})
}
