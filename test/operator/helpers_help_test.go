package operator_test

// Helpers of the tests of r.Apply, SetCondition, finalizers and events
// (H-helpers); names start with "help" to stay clear of other files'.

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
	"github.com/kobj-dev/kobj/test/internal/testkit"
	"k8s.io/apimachinery/pkg/util/wait"
)

// helpContext returns a context ended after d or at the end of the test.
func helpContext(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// helpClient returns a client of the control plane whose requests log
// records (nil: none recorded).
func helpClient(t *testing.T, log *testkit.RequestLog) *kobj.Client {
	t.Helper()
	c := cfg
	if log != nil {
		c = testkit.Tracked(cfg, log)
	}
	cl, err := kobj.NewClient(c)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// helpWrites returns the requests of log that write: anything but GET
// (watches are GETs).
func helpWrites(log *testkit.RequestLog) []string {
	return log.Matching(func(method, _, _ string) bool { return method != "GET" })
}

// helpReads returns the requests of log that read, watches left out.
func helpReads(log *testkit.RequestLog) []string {
	return log.Matching(func(method, _, query string) bool {
		return method == "GET" && !strings.Contains(query, "watch=true")
	})
}

// helpCRD installs a namespaced CRD of kind Website in a group of its own,
// with a status subresource whose conditions list is keyed by type
// (listMap) or atomic, and returns its apiVersion.
func helpCRD(ctx context.Context, t *testing.T, c *kobj.Client, listMap bool) string {
	t.Helper()
	group := "w" + testkit.Suffix() + ".helpers.kobj.dev"
	listType := ""
	if listMap {
		listType = "\n                x-kubernetes-list-type: map\n                x-kubernetes-list-map-keys: [type]"
	}
	y := strings.NewReplacer("$GROUP", group, "$LIST", listType).Replace(`
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: websites.$GROUP
spec:
  group: $GROUP
  scope: Namespaced
  names: {plural: websites, singular: website, kind: Website, listKind: WebsiteList}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-preserve-unknown-fields: true
          status:
            type: object
            properties:
              phase: {type: string}
              conditions:
                type: array$LIST
                items:
                  type: object
                  required: [type, status, lastTransitionTime, reason, message]
                  properties:
                    type: {type: string}
                    status: {type: string, enum: ["True", "False", "Unknown"]}
                    observedGeneration: {type: integer, format: int64}
                    lastTransitionTime: {type: string, format: date-time}
                    reason: {type: string}
                    message: {type: string}
`)
	objs, err := kobj.LoadString(y)
	if err != nil {
		t.Fatal(err)
	}
	crd := objs[0].SetClient(c)
	if _, err := crd.Apply(ctx, kobj.FieldManager("installer")); err != nil {
		t.Fatalf("Apply CRD: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = crd.Delete(ctx)
	})
	if _, err := crd.Wait(ctx, kobj.ConditionTrue("Established")); err != nil {
		t.Fatalf("CRD not Established: %v", err)
	}
	// The kind must be in discovery before anything applies a Website.
	err = wait.PollUntilContextCancel(ctx, 50*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		_, err := c.RESTMapper().RESTMapping(kobj.New(group+"/v1", "Website").GroupVersionKind().GroupKind(), "v1")
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("Website not in discovery: %v", err)
	}
	return group + "/v1"
}

// helpWebsite creates a Website named name in ns with spec.
func helpWebsite(ctx context.Context, t *testing.T, c *kobj.Client, apiVersion, ns, name string, spec map[string]any) *kobj.Object {
	t.Helper()
	w := kobj.New(apiVersion, "Website").SetName(name).SetNamespace(ns).SetClient(c)
	if spec != nil {
		if err := w.Set("spec", spec); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Create(ctx); err != nil {
		t.Fatalf("Create Website: %v", err)
	}
	return w
}

// helpManager returns a stub-backed manager (TEMPORARY: NewManagerForTest
// goes when the real Manager lands) stopped at the end of the test.
func helpManager(t *testing.T, c *kobj.Client) *operator.TestManager {
	t.Helper()
	m, err := operator.NewManagerForTest(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)
	return m
}

// helpConfigMap returns a ConfigMap to render, with data.
func helpConfigMap(name string, data map[string]any) *kobj.Object {
	o := kobj.New("v1", "ConfigMap").SetName(name)
	_ = o.Set("data", data)
	return o
}

// helpRead reads an object afresh from the server, bound to c.
func helpRead(ctx context.Context, t *testing.T, c *kobj.Client, apiVersion, kind, ns, name string) (*kobj.Object, error) {
	t.Helper()
	return kobj.New(apiVersion, kind).SetName(name).SetNamespace(ns).SetClient(c).Read(ctx)
}

// helpActions returns "name=Action" for each change of cs.
func helpActions(cs *kobj.ChangeSet) []string {
	var out []string
	for _, ch := range cs.Changes {
		s := ch.Object.Kind() + "/" + ch.Object.Name() + "=" + string(ch.Action)
		if ch.Err != nil {
			s += "(" + ch.Err.Error() + ")"
		}
		out = append(out, s)
	}
	return out
}
