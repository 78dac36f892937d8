package kobj_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/kobj-dev/kobj"
)

// readList reads two ConfigMaps as a list.
func readList(t *testing.T, f *fakeAPI, c *kobj.Client) *kobj.Object {
	t.Helper()
	f.put("/api/v1/namespaces/ns/configmaps/a", configMap("ns", "a").Map())
	f.put("/api/v1/namespaces/ns/configmaps/b", configMap("ns", "b").Map())
	list, err := kobj.New("v1", "ConfigMapList").Read(context.Background(), kobj.WithClient(c), kobj.InNamespace("ns"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(list.Items()); n != 2 {
		t.Fatalf("%d items, want 2", n)
	}
	return list
}

func TestItemsCanBeReadConcurrently(t *testing.T) {
	f := newFakeAPI(t, "")
	list := readList(t, f, f.client())
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if len(list.Items()) != 2 {
					t.Error("items changed under a reader")
				}
			}
		})
	}
	wg.Wait() // -race reports a write during reads
}

func TestAnItemIsOneValueAcrossUpdates(t *testing.T) {
	f := newFakeAPI(t, "")
	c := f.client()
	ctx := context.Background()
	list := readList(t, f, c)
	item := list.Items()[0]
	item.Set("data.a", "2")
	if _, err := item.Update(ctx, kobj.WithClient(c)); err != nil {
		t.Fatal(err)
	}
	again := list.Items()[0]
	if again != item {
		t.Fatal("after an item's Update, Items() returns another wrapper")
	}
	if v, _ := again.GetString("data.a"); v != "2" || again.ResourceVersion() != item.ResourceVersion() {
		t.Errorf("list item after Update: data.a %q, resourceVersion %q", v, again.ResourceVersion())
	}
	// The next update through the list sends only its change, with the
	// new resourceVersion, and so does not conflict.
	rv := again.ResourceVersion()
	f.requests()
	if _, err := again.Edit(ctx, func(o *kobj.Object) error { return o.Set("data.b", "3") }, kobj.WithClient(c)); err != nil {
		t.Fatal(err)
	}
	want := `{"data":{"b":"3"},"metadata":{"resourceVersion":"` + rv + `"}}`
	if reqs := f.requests(); len(reqs) != 1 || reqs[0].Body != want {
		t.Errorf("edit through the list sent %v, want one patch %s", reqs, want)
	}
}

func TestEditDryRunReturnsTheServersAnswer(t *testing.T) {
	f := newFakeAPI(t, "")
	c := f.client()
	f.put("/api/v1/namespaces/ns/configmaps/web", configMap("ns", "web").Map())
	o, err := kobj.New("v1", "ConfigMap").Read(context.Background(), kobj.WithClient(c), kobj.Named("web"), kobj.InNamespace("ns"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := o.Edit(context.Background(), func(o *kobj.Object) error { return o.Set("data.a", "dry") }, kobj.DryRun(), kobj.WithClient(c))
	if err != nil {
		t.Fatal(err)
	}
	if res == o {
		t.Fatal("Edit with DryRun returned the object itself, not the server's answer")
	}
	if v, _ := res.GetString("data.a"); v != "dry" {
		t.Errorf("the dry run's answer has data.a %q", v)
	}
}

func TestRollbackSurvivesAPanic(t *testing.T) {
	f := newFakeAPI(t, "")
	c := f.client()
	o := configMap("ns", "web").SetClient(c)
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want the edit function's panic", p)
			}
		}()
		o.Edit(context.Background(), func(o *kobj.Object) error {
			o.Set("data.a", "half done")
			panic("boom")
		}, kobj.Rollback())
	}()
	if v, _ := o.GetString("data.a"); v != "1" {
		t.Errorf("after a panic under Rollback data.a = %q, want the value before the edit", v)
	}
	if reqs := f.requests(); len(reqs) != 0 {
		t.Errorf("a panicking edit sent %v", reqs)
	}
}

func TestDeleteRejectsAnAnswerItCannotRead(t *testing.T) {
	f := newFakeAPI(t, "")
	f.intercept = func(w http.ResponseWriter, r *recorded) bool {
		if r.Method == "DELETE" {
			w.Write([]byte("<html>proxy error</html>"))
			return true
		}
		return false
	}
	_, err := configMap("ns", "web").Delete(context.Background(), kobj.WithClient(f.client()))
	if err == nil || !contains(err.Error(), "decoding the server's answer") {
		t.Errorf("Delete with an HTML answer = %v, want a decoding error", err)
	}
}
