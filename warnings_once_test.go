package kobj_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/client-go/rest"

	"github.com/kobj-dev/kobj"
)

// warningCounter counts the warnings a client hands to its handler, by text.
type warningCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func (w *warningCounter) HandleWarningHeaderWithContext(_ context.Context, _ int, _, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.counts[text]++
}

func (w *warningCounter) take() map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.counts
	w.counts = map[string]int{}
	return c
}

// TestApplyAllWarnsOnce: the server warns on every request about the
// kind, and on every request about one object; ApplyAll reads and applies
// each object, yet hands each warning text to the handler once per call,
// as kubectl apply shows it once. Calls outside ApplyAll hand on every
// warning they get.
func TestApplyAllWarnsOnce(t *testing.T) {
	f := newFakeAPI(t, "")
	names := []string{"cm0", "cm1"}
	for _, name := range names {
		f.put("/api/v1/namespaces/shop/configmaps/"+name, servedConfigMap(name))
	}
	f.intercept = func(w http.ResponseWriter, r *recorded) bool {
		if strings.HasPrefix(r.Path, "/api/v1/namespaces/shop/configmaps") {
			w.Header().Add("Warning", `299 - "v1 ConfigMap is deprecated"`)
			_, name := splitLast(r.Path)
			w.Header().Add("Warning", `299 - "`+name+` is old"`)
		}
		return false
	}
	counter := &warningCounter{counts: map[string]int{}}
	c, err := kobj.NewClient(&rest.Config{Host: f.srv.URL, WarningHandlerWithContext: counter}, kobj.CacheDir(""))
	if err != nil {
		t.Fatal(err)
	}
	set := func(value string) []*kobj.Object {
		var objs []*kobj.Object
		for _, name := range names {
			o := kobj.New("v1", "ConfigMap").SetName(name).SetNamespace("shop")
			if err := o.Set("data", map[string]any{"k": value}); err != nil {
				t.Fatal(err)
			}
			objs = append(objs, o)
		}
		return objs
	}
	want := map[string]int{"v1 ConfigMap is deprecated": 1, "cm0 is old": 1, "cm1 is old": 1}
	for round := range 2 {
		f.requests()
		if _, err := c.ApplyAll(context.Background(), set(fmt.Sprint("v", round+2)), kobj.FieldManager("kobj-test")); err != nil {
			t.Fatal(err)
		}
		sent := 0
		for _, r := range f.requests() {
			if strings.HasPrefix(r.Path, "/api/v1/namespaces/shop/configmaps/") {
				sent++
			}
		}
		if sent != 4 {
			t.Fatalf("round %d: %d requests about the objects, want 4 (a read and an apply each)", round+1, sent)
		}
		if diff := cmp.Diff(want, counter.take()); diff != "" {
			t.Errorf("round %d: warnings handed on (-want +got):\n%s", round+1, diff)
		}
	}
	for range 2 {
		if _, err := kobj.New("v1", "ConfigMap").SetName("cm0").SetNamespace("shop").Read(context.Background(), kobj.WithClient(c)); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(map[string]int{"v1 ConfigMap is deprecated": 2, "cm0 is old": 2}, counter.take()); diff != "" {
		t.Errorf("two Reads: warnings handed on (-want +got):\n%s", diff)
	}
}
