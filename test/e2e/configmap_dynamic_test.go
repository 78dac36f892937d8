package e2e

import (
	"context"
	"testing"

	"github.com/kobj-dev/kobj"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// TestLoadedConfigMapThroughDynamicClient loads a ConfigMap with kobj and
// creates and reads it through client-go's dynamic client: the loader's
// output is what the server accepts, and the server's answer loads back.
func TestLoadedConfigMapThroughDynamicClient(t *testing.T) {
	ctx := context.Background()
	objs, err := kobj.LoadString(`
apiVersion: v1
kind: ConfigMap
metadata:
  name: loaded-by-kobj
  namespace: default
  labels: {app: demo}
data:
  enabled: "yes"
  retries: "3"
  motd: |
    hello
    world
`)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 {
		t.Fatalf("loaded %d objects, want 1", len(objs))
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	res := dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}).Namespace("default")
	created, err := res.Create(ctx, objs[0].Unstructured(), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	t.Cleanup(func() { _ = res.Delete(context.Background(), "loaded-by-kobj", metav1.DeleteOptions{}) })
	if created.GetUID() == "" {
		t.Fatal("created ConfigMap has no uid")
	}
	got, err := res.Get(ctx, "loaded-by-kobj", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	back, err := kobj.FromMap(got.Object)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"data.enabled":        "yes",
		"data.retries":        "3",
		"data.motd":           "hello\nworld\n",
		"metadata.labels.app": "demo",
	} {
		if v, err := back.GetString(path); err != nil || v != want {
			t.Errorf("%s = %q (%v), want %q", path, v, err, want)
		}
	}
}
