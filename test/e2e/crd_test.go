package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// crdYAML is a CustomResourceDefinition of kind Widget in group, with the
// given scope.
func crdYAML(group, scope string) string {
	return strings.NewReplacer("$GROUP", group, "$SCOPE", scope).Replace(`
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.$GROUP
spec:
  group: $GROUP
  scope: $SCOPE
  names:
    plural: widgets
    singular: widget
    kind: Widget
    listKind: WidgetList
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
              color: {type: string}
`)
}

// createCRD creates the CRD with kobj and polls until it is Established.
func createCRD(t *testing.T, c *kobj.Client, group, scope string) {
	t.Helper()
	ctx := testContext(t, time.Minute)
	crd := load(t, crdYAML(group, scope)).SetClient(c)
	if _, err := crd.Create(ctx); err != nil {
		t.Fatalf("Create CRD: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = kobj.New("apiextensions.k8s.io/v1", "CustomResourceDefinition").Delete(ctx, kobj.Named("widgets."+group), kobj.WithClient(c))
	})
	for {
		if _, err := crd.Read(ctx); err != nil {
			t.Fatalf("Read CRD: %v", err)
		}
		conds, _ := crd.GetSlice("status.conditions")
		for _, cond := range conds {
			m, _ := cond.(map[string]any)
			if m["type"] == "Established" && m["status"] == "True" {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("CRD widgets.%s not Established: conditions %v", group, conds)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func TestCustomResourcesOfACRDCreatedAfterDiscovery(t *testing.T) {
	t.Parallel()
	for _, scope := range []string{"Namespaced", "Cluster"} {
		t.Run(scope, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t, 2*time.Minute)
			c, log := newCountingClient(t)
			ns := newNamespace(t, c)
			// Fill the discovery cache before the CRD exists.
			warm(t, c, log, ns)
			group := strings.ToLower(scope) + "-" + suffix() + ".kobj.example.com"
			apiVersion := group + "/v1"
			namespaced := scope == "Namespaced"

			createCRD(t, c, group, scope)
			log.Reset()

			// Create at once: discovery misses, refetches, finds Widget.
			w := load(t, "apiVersion: "+apiVersion+`
kind: Widget
metadata:
  name: w1
spec:
  size: 3
  color: red
  extra: kept-until-the-server-prunes-it
`).SetClient(c)
			opts := []kobj.CreateOption{}
			wantNS := ""
			if namespaced {
				opts = append(opts, kobj.InNamespace(ns))
				wantNS = ns
			}
			if _, err := w.Create(ctx, opts...); err != nil {
				t.Fatalf("Create Widget right after the CRD is Established, with a warm discovery cache: %v\nrequests: %v", err, log.Requests())
			}
			t.Logf("requests for the first Create: %v", log.Requests())
			refetches := log.Matching(func(method, path, _ string) bool {
				return method == "GET" && (path == "/api" || path == "/apis")
			})
			if len(refetches) == 0 {
				t.Errorf("the first Create of a new kind refetched no discovery: %v", log.Requests())
			}
			if w.Namespace() != wantNS {
				t.Errorf("Widget namespace %q, want %q", w.Namespace(), wantNS)
			}
			if _, ok := w.Get("spec.extra"); ok {
				t.Error("spec.extra lingers after Create; the server prunes unknown fields and its answer is the truth")
			}
			if size, err := w.GetInt64("spec.size"); err != nil || size != 3 {
				t.Errorf("spec.size = %d (%v), want 3", size, err)
			}

			// The kind is now known: the next calls fetch no discovery.
			log.Reset()
			fresh, err := readFresh(ctx, c, apiVersion, "Widget", wantNS, "w1")
			if err != nil {
				t.Fatalf("Read Widget: %v", err)
			}
			if color, _ := fresh.GetString("spec.color"); color != "red" {
				t.Errorf("spec.color = %q, want red", color)
			}
			if n := log.Count(); n != 1 {
				t.Errorf("Read of a known kind sent %d requests, want 1: %v", n, log.Requests())
			}

			// Scope rules hold for custom kinds too.
			if !namespaced {
				if _, err := kobj.New(apiVersion, "Widget").Read(ctx, kobj.Named("w1"), kobj.InNamespace(ns), kobj.WithClient(c)); err == nil {
					t.Error("Read of a cluster-scoped Widget with a namespace: no error")
				}
			}

			// Update, and clear a field.
			w.SetLabel("stage", "two")
			if err := w.Set("spec.size", 5); err != nil {
				t.Fatal(err)
			}
			w.Remove("spec.color")
			if _, err := w.Update(ctx); err != nil {
				t.Fatalf("Update Widget: %v", err)
			}
			after, err := readFresh(ctx, c, apiVersion, "Widget", wantNS, "w1")
			if err != nil {
				t.Fatalf("Read Widget after Update: %v", err)
			}
			if size, _ := after.GetInt64("spec.size"); size != 5 || after.Labels()["stage"] != "two" {
				t.Errorf("after Update: spec.size %d, labels %v", size, after.Labels())
			}
			if _, ok := after.Get("spec.color"); ok {
				t.Error("spec.color is still on the server after removing it and updating")
			}

			// The list kind works too.
			listOpts := []kobj.ReadOption{kobj.WithClient(c)}
			if namespaced {
				listOpts = append(listOpts, kobj.InNamespace(ns))
			}
			list, err := kobj.New(apiVersion, "WidgetList").Read(ctx, listOpts...)
			if err != nil {
				t.Fatalf("Read WidgetList: %v", err)
			}
			if items := list.Items(); len(items) != 1 || items[0].Name() != "w1" {
				t.Errorf("WidgetList items: %v", items)
			}

			// Delete.
			if _, err := w.Delete(ctx); err != nil {
				t.Fatalf("Delete Widget: %v", err)
			}
			if _, err := readFresh(ctx, c, apiVersion, "Widget", wantNS, "w1"); !apierrors.IsNotFound(err) {
				t.Errorf("Read Widget after Delete: %v, want NotFound", err)
			}
		})
	}
}

// TestCRDSeenByASecondClientSharingTheCache: a client whose on-disk cache
// was filled by another, before the CRD existed, also finds the new kind.
func TestCRDSeenByASecondClientSharingTheCache(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	dir := t.TempDir()
	first, err := kobj.NewClient(cfg, kobj.CacheDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	ns := newNamespace(t, first)
	if _, err := kobj.New("v1", "ConfigMapList").Read(ctx, kobj.InNamespace(ns), kobj.WithClient(first)); err != nil {
		t.Fatal(err)
	}
	group := "shared-" + suffix() + ".kobj.example.com"
	createCRD(t, first, group, "Namespaced")

	second, log := newCountingClient(t, kobj.CacheDir(dir))
	// The on-disk cache answers for known kinds: a list is one request.
	if _, err := kobj.New("v1", "ConfigMapList").Read(ctx, kobj.InNamespace(ns), kobj.WithClient(second)); err != nil {
		t.Fatal(err)
	}
	if n := log.Count(); n != 1 {
		t.Errorf("a new client with a warm on-disk cache sent %d requests for one list, want 1: %v", n, log.Requests())
	}
	log.Reset()
	w := kobj.New(group+"/v1", "Widget").SetName("w").SetNamespace(ns)
	if _, err := w.Create(ctx, kobj.WithClient(second)); err != nil {
		t.Fatalf("Create Widget through a client with a stale on-disk cache: %v", err)
	}
	if len(log.Matching(func(m, p, _ string) bool { return m == "GET" && (p == "/api" || p == "/apis") })) == 0 {
		t.Errorf("the stale on-disk cache was not refetched: %v", log.Requests())
	}
	if _, err := w.Read(ctx, kobj.WithClient(first)); err != nil {
		t.Fatalf("Read Widget through the first client: %v", err)
	}
}
