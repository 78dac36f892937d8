package main

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/kobj-dev/kobj"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// TestBundle runs the manager with the bundle reconciler against a real
// control plane (envtest, from KUBEBUILDER_ASSETS): a bundle of a
// ConfigMap and a Secret is applied and annotated; removing the Secret's
// manifest from the bundle prunes the Secret.
func TestBundle(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Skip("KUBEBUILDER_ASSETS is not set (kube-apiserver and etcd binaries)")
	}
	ctrl.SetLogger(logr.Discard())
	env := &envtest.Environment{}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	mgr, err := ctrl.NewManager(cfg, manager.Options{Metrics: metricsserver.Options{BindAddress: "0"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := Setup(mgr); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- mgr.Start(runCtx) }()
	defer func() {
		stop()
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}()

	// The test's own reads go to the server, not through a cache.
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ns := "bundle-test"
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}
	bundle := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns, Labels: map[string]string{BundleLabel: "true"}},
		Data: map[string]string{
			"config.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-config}\ndata: {greeting: hello}\n",
			"secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: web-secret}\nstringData: {token: s3cr3t}\n",
		},
	}
	if err := c.Create(ctx, bundle); err != nil {
		t.Fatal(err)
	}
	eventually(ctx, t, "the bundle annotated with 2 applied objects", func() (bool, error) {
		var got corev1.ConfigMap
		err := c.Get(ctx, client.ObjectKeyFromObject(bundle), &got)
		return got.Annotations[AppliedAnnotation] == "2", err
	})
	var cfgMap corev1.ConfigMap
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web-config"}, &cfgMap); err != nil {
		t.Fatal(err)
	}
	if cfgMap.Data["greeting"] != "hello" {
		t.Errorf("web-config data = %v, want greeting: hello", cfgMap.Data)
	}
	// kobj made web-set the ApplySet's parent: kubectl sees the set.
	var set corev1.ConfigMap
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web" + SetSuffix}, &set); err != nil {
		t.Fatal(err)
	}
	id := set.Labels["applyset.kubernetes.io/id"]
	if want := kobj.ApplySetID("", "ConfigMap", ns, "web"+SetSuffix); id != want {
		t.Errorf("bundle's applyset id label = %q, want %q", id, want)
	}
	if got := cfgMap.Labels["applyset.kubernetes.io/part-of"]; got != id {
		t.Errorf("web-config part-of = %q, want %q", got, id)
	}
	var secret corev1.Secret
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web-secret"}, &secret); err != nil {
		t.Fatal(err)
	}

	// Remove the Secret's manifest: the next reconcile prunes it.
	var current corev1.ConfigMap
	if err := c.Get(ctx, client.ObjectKeyFromObject(bundle), &current); err != nil {
		t.Fatal(err)
	}
	current.Data = map[string]string{"config.yaml": bundle.Data["config.yaml"]}
	if err := c.Update(ctx, &current); err != nil {
		t.Fatal(err)
	}
	eventually(ctx, t, "web-secret pruned", func() (bool, error) {
		err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web-secret"}, &corev1.Secret{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	})
	eventually(ctx, t, "the bundle annotated with 1 applied object", func() (bool, error) {
		var got corev1.ConfigMap
		err := c.Get(ctx, client.ObjectKeyFromObject(bundle), &got)
		return got.Annotations[AppliedAnnotation] == "1", err
	})
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web-config"}, &corev1.ConfigMap{}); err != nil {
		t.Errorf("web-config, still in the bundle: %v", err)
	}
}

// eventually polls cond until it holds, failing the test with what when
// ctx ends first or cond fails.
func eventually(ctx context.Context, t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	for {
		ok, err := cond()
		if err != nil && !apierrors.IsNotFound(err) {
			t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %v", what, errors.Join(ctx.Err(), err))
		case <-time.After(100 * time.Millisecond):
		}
	}
}
