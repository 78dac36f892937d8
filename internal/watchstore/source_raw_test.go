package watchstore

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"

	"github.com/kobj-dev/kobj/internal/rawjson"
)

// TestNewResourceKeepsBytes checks the requests NewResource's client sends
// and what it decodes, in both modes, against a fake server: a list of a
// built-in kind (items without apiVersion and kind), a Status error, and a
// watch with a bookmark.
func TestNewResourceKeepsBytes(t *testing.T) {
	var mu sync.Mutex
	var requests []string
	const item = `{"metadata":{"name":"a","namespace":"n","resourceVersion":"9"},"data":{"k":"v"}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests = append(requests, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery+" accept="+r.Header.Get("Accept"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Query().Get("watch") == "true":
			for i, rv := range []string{"11", "12"} {
				fmt.Fprintf(w, `{"type":"MODIFIED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"w%d","namespace":"n","resourceVersion":%q},"data":{"k":"v"}}}`+"\n", i, rv)
			}
			fmt.Fprintln(w, `{"type":"BOOKMARK","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"resourceVersion":"13","annotations":{"k8s.io/initial-events-end":"true"}}}}`)
		case r.URL.Query().Get("labelSelector") == "bad":
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintln(w, `{"apiVersion":"v1","kind":"Status","status":"Failure","reason":"BadRequest","message":"bad selector","code":400}`)
		default:
			fmt.Fprintln(w, `{"apiVersion":"v1","kind":"ConfigMapList","metadata":{"resourceVersion":"10","continue":"c"},"items":[`+item+`]}`)
		}
	}))
	defer srv.Close()
	for _, mode := range []rawjson.Mode{rawjson.Metadata, rawjson.Full} {
		t.Run(fmt.Sprint("mode ", mode), func(t *testing.T) {
			res, err := NewResource(&rest.Config{Host: srv.URL}, srv.Client(), nil, schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}, "n", mode)
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
			r, ok := rawjson.Of(&l.Items[0])
			if !ok || string(r.Raw) != `{"apiVersion":"v1","kind":"ConfigMap",`+item[1:] || r.Meta.Metadata.Namespace != "n" {
				t.Fatalf("item = %v", l.Items[0].Object)
			}
			if _, hasData := l.Items[0].Object["data"]; hasData != (mode == rawjson.Full) {
				t.Errorf("item's map = %v", l.Items[0].Object)
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
				_, raw := rawjson.Of(u)
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
		})
	}
	mu.Lock()
	defer mu.Unlock()
	for _, r := range requests {
		if !strings.HasSuffix(r, "accept=application/json") || !strings.HasPrefix(r, "GET /api/v1/namespaces/n/configmaps?") {
			t.Errorf("request %s", r)
		}
	}
}
