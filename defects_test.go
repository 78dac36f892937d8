package kobj_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Regression tests of the defects a review found, one behaviour each.

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func countPrefix(s string) int { return strings.Count(s, "kobj:") }

func TestServerURLPathPrefixesEveryRequest(t *testing.T) {
	f := newFakeAPI(t, "/k8s/clusters/c-1")
	c := f.client()
	ctx := context.Background()
	o, err := configMap("ns", "web").Create(ctx, kobj.WithClient(c))
	if err != nil {
		t.Fatal(err) // discovery, then the create, went through the prefix
	}
	if _, err := o.Read(ctx, kobj.WithClient(c)); err != nil {
		t.Fatal(err)
	}
	resp, err := c.Call(ctx, "readCoreV1NamespacedConfigMap", kobj.Args{"namespace": "ns", "name": "web"})
	if err != nil || resp.Object == nil || resp.Object.Name() != "web" {
		t.Fatalf("Call through a path prefix: %v, %v", resp, err)
	}
	if got := c.Host(); got != f.srv.URL+"/k8s/clusters/c-1" {
		t.Errorf("Host() = %q", got)
	}
}

func TestFilledFutureAlwaysGivesItsResult(t *testing.T) {
	f := newFakeAPI(t, "")
	f.put("/api/v1/namespaces/ns/configmaps/web", configMap("ns", "web").Map())
	c := f.client()
	fut := c.CallAsync(context.Background(), "readCoreV1NamespacedConfigMap", kobj.Args{"namespace": "ns", "name": "web"})
	<-fut.Done()
	done, cancel := context.WithCancel(context.Background())
	cancel()
	for i := range 200 {
		obj, code, _, err := fut.Get(done)
		if err != nil || code != 200 || obj == nil {
			t.Fatalf("Get #%d with a done context on a filled future = %v, %d, %v", i, obj, code, err)
		}
		if err := fut.Wait(0); err != nil {
			t.Fatalf("Wait(0) #%d on a filled future = %v", i, err)
		}
	}
}

func TestCallAsyncCopiesItsArguments(t *testing.T) {
	f := newFakeAPI(t, "")
	c := f.client()
	release := make(chan struct{})
	f.intercept = func(w http.ResponseWriter, r *recorded) bool {
		if r.Method == "POST" {
			<-release
		}
		return false
	}
	obj := configMap("ns", "web").SetClient(c)
	args := kobj.Args{"dryRun": "All", "fieldManager": "first"}
	fut := obj.CallAsync(context.Background(), "createCoreV1NamespacedConfigMap", args)
	// The caller reuses everything at once, from another goroutine too.
	var wg sync.WaitGroup
	wg.Go(func() {
		args["fieldManager"] = "second"
		delete(args, "dryRun")
		obj.Set("data.a", "changed")
		obj.SetName("other")
	})
	wg.Wait()
	close(release)
	if err := fut.Wait(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("requests = %v", reqs)
	}
	if reqs[0].Query != "dryRun=All&fieldManager=first" || !contains(reqs[0].Body, `"a":"1"`) || !contains(reqs[0].Body, `"name":"web"`) {
		t.Errorf("sent %+v; want the arguments and object as they were at CallAsync", reqs[0])
	}
}

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

func TestObjectCallOnlyForItsOwnKind(t *testing.T) {
	f := newFakeAPI(t, "")
	c := f.client()
	d := kobj.New("apps/v1", "Deployment").SetName("web").SetNamespace("ns").SetClient(c)
	for _, op := range []string{"deleteNamespacedPod", "patchCoreV1NamespacedService", "getCodeVersion"} {
		_, err := d.Call(context.Background(), op, nil)
		if err == nil || !contains(err.Error(), "an object calls only the operations of its own kind") {
			t.Errorf("Deployment.Call(%s) = %v, want an error naming the operation's kind", op, err)
		}
	}
	if reqs := f.requests(); len(reqs) != 0 {
		t.Errorf("operations on another kind sent %v", reqs)
	}
	// Its own operations, subresources included, still get its identity.
	for _, op := range []string{"readNamespacedDeployment", "readNamespacedDeploymentScale", "readAppsV1NamespacedDeploymentStatus"} {
		d.Call(context.Background(), op, nil)
	}
	var paths []string
	for _, r := range f.requests() {
		paths = append(paths, r.Path)
	}
	want := "/apis/apps/v1/namespaces/ns/deployments/web /apis/apps/v1/namespaces/ns/deployments/web/scale /apis/apps/v1/namespaces/ns/deployments/web/status"
	if strings.Join(paths, " ") != want {
		t.Errorf("own operations went to %v", paths)
	}
}

func TestThrottledCallGivesItsSlotBack(t *testing.T) {
	f := newFakeAPI(t, "")
	var mu sync.Mutex
	var order []string
	throttled := make(chan struct{})
	first := true
	f.intercept = func(w http.ResponseWriter, r *recorded) bool {
		mu.Lock()
		defer mu.Unlock()
		order = append(order, r.Path)
		if r.Path == "/api/v1/namespaces/ns/configmaps/slow" && first {
			first = false
			w.Header().Set("Retry-After", "1")
			writeStatus(w, 429, "TooManyRequests", "slow down")
			close(throttled)
			return true
		}
		return false
	}
	c := f.client(kobj.MaxInFlight(1))
	ctx := context.Background()
	f.put("/api/v1/namespaces/ns/configmaps/fast", configMap("ns", "fast").Map())
	f.put("/api/v1/namespaces/ns/configmaps/slow", configMap("ns", "slow").Map())
	slow := make(chan error)
	go func() {
		_, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.WithClient(c), kobj.Named("slow"), kobj.InNamespace("ns"))
		slow <- err
	}()
	<-throttled
	// With the only slot held through the wait, this read would queue
	// behind the retry; with it given back, it goes first.
	if _, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.WithClient(c), kobj.Named("fast"), kobj.InNamespace("ns")); err != nil {
		t.Fatal(err)
	}
	if err := <-slow; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	var crud []string
	for _, p := range order {
		if strings.HasPrefix(p, "/api/v1/namespaces/") {
			crud = append(crud, filepath.Base(p))
		}
	}
	if strings.Join(crud, ",") != "slow,fast,slow" {
		t.Errorf("requests in order %v, want slow (throttled), fast, slow (retried)", crud)
	}
}

func TestDefaultClientRecoversFromAFailure(t *testing.T) {
	f := newFakeAPI(t, "")
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	t.Setenv("KUBECONFIG", path)
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Cleanup(func() { kobj.SetDefaultClient(nil) })
	kobj.SetDefaultClient(nil)
	if _, err := kobj.DefaultClient(); !errors.Is(err, kobj.ErrNoClient) {
		t.Fatalf("DefaultClient without a kubeconfig = %v, want ErrNoClient", err)
	}
	kubeconfig := `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "` + f.srv.URL + `"}}]
contexts: [{name: x, context: {cluster: c, namespace: team}}]
current-context: x
users: [{name: u, user: {}}]
`
	if err := os.WriteFile(path, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := kobj.DefaultClient()
	if err != nil {
		t.Fatalf("DefaultClient after the kubeconfig appeared = %v", err)
	}
	if c.Namespace() != "team" {
		t.Errorf("default namespace %q, want the context's", c.Namespace())
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

func TestErrorWithoutStatusNamesTheResource(t *testing.T) {
	f := newFakeAPI(t, "")
	f.intercept = func(w http.ResponseWriter, r *recorded) bool {
		if strings.HasPrefix(r.Path, "/api/v1/namespaces/ns/") {
			http.Error(w, "upstream gone", http.StatusBadGateway)
			return true
		}
		return false
	}
	c := f.client()
	_, err := c.Call(context.Background(), "readCoreV1NamespacedPod", kobj.Args{"namespace": "ns", "name": "p"})
	var se *apierrors.StatusError
	if !errors.As(err, &se) || se.ErrStatus.Details == nil || se.ErrStatus.Details.Kind != "pods" || se.ErrStatus.Details.Name != "p" {
		t.Errorf("error = %#v, want a StatusError about pods p", err)
	}
	if n := countPrefix(err.Error()); n > 1 {
		t.Errorf("error %q says kobj: %d times", err, n)
	}
}

func TestUnknownKindSaysKobjOnce(t *testing.T) {
	f := newFakeAPI(t, "")
	_, err := kobj.New("v1", "ConfigMapp").Read(context.Background(), kobj.WithClient(f.client()), kobj.Named("x"))
	if err == nil || countPrefix(err.Error()) != 1 || !contains(err.Error(), "ConfigMap") {
		t.Errorf("error = %v, want one kobj: prefix and a suggestion", err)
	}
}
