package kobj_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
)

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
