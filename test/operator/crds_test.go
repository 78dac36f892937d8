package operator_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"k8s.io/apimachinery/pkg/util/wait"
)

// testCRD describes a namespaced CustomResourceDefinition of one kind,
// served as version v1 of group: the shapes the operator suite needs.
type testCRD struct {
	group, kind string
	// widgetSpec types spec.size (integer) and spec.color (string); else
	// spec keeps any field.
	widgetSpec bool
	// status adds a status subresource, which keeps any field unless
	// conditions is set.
	status bool
	// conditions ("map" or "atomic") types status.phase and
	// status.conditions as metav1.Condition, keyed by type or atomic.
	conditions string
}

// object returns the CRD as an Object, not created.
func (d testCRD) object(t *testing.T) *kobj.Object {
	t.Helper()
	lower := strings.ToLower(d.kind)
	spec := `
          spec:
            type: object
            x-kubernetes-preserve-unknown-fields: true`
	if d.widgetSpec {
		spec = `
          spec:
            type: object
            properties:
              size: {type: integer}
              color: {type: string}`
	}
	status, subresources := "", ""
	if d.status {
		subresources = "\n    subresources: {status: {}}"
		status = `
          status:
            type: object
            x-kubernetes-preserve-unknown-fields: true`
	}
	if d.conditions != "" {
		listType := ""
		if d.conditions == "map" {
			listType = "\n                x-kubernetes-list-type: map\n                x-kubernetes-list-map-keys: [type]"
		}
		status = `
          status:
            type: object
            properties:
              phase: {type: string}
              conditions:
                type: array` + listType + `
                items:
                  type: object
                  required: [type, status, lastTransitionTime, reason, message]
                  properties:
                    type: {type: string}
                    status: {type: string, enum: ["True", "False", "Unknown"]}
                    observedGeneration: {type: integer, format: int64}
                    lastTransitionTime: {type: string, format: date-time}
                    reason: {type: string}
                    message: {type: string}`
	}
	y := strings.NewReplacer("$GROUP", d.group, "$KIND", d.kind, "$LOWER", lower).Replace(`
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${LOWER}s.$GROUP
spec:
  group: $GROUP
  scope: Namespaced
  names: {plural: ${LOWER}s, singular: $LOWER, kind: $KIND, listKind: ${KIND}List}
  versions:
  - name: v1
    served: true
    storage: true` + subresources + `
    schema:
      openAPIV3Schema:
        type: object
        properties:` + spec + status + "\n")
	y = strings.NewReplacer("${LOWER}", lower, "${KIND}", d.kind).Replace(y)
	objs, err := kobj.LoadString(y)
	if err != nil {
		t.Fatalf("the test CRD does not load: %v\n%s", err, y)
	}
	return objs[0]
}

// install applies the CRD (deleted when the test ends), waits until it is
// Established and its kind is in c's discovery, and returns its
// apiVersion.
func (d testCRD) install(ctx context.Context, t *testing.T, c *kobj.Client) string {
	t.Helper()
	crd := d.object(t).SetClient(c)
	if _, err := crd.Apply(ctx, kobj.FieldManager("kobj-test")); err != nil {
		t.Fatalf("applying the CRD %s: %v", crd.Name(), err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = crd.Delete(ctx)
	})
	if _, err := crd.Wait(ctx, kobj.ConditionTrue("Established")); err != nil {
		t.Fatalf("the CRD %s is not Established: %v", crd.Name(), err)
	}
	apiVersion := d.group + "/v1"
	gk := kobj.New(apiVersion, d.kind).GroupVersionKind().GroupKind()
	err := wait.PollUntilContextCancel(ctx, 50*time.Millisecond, true, func(context.Context) (bool, error) {
		_, err := c.RESTMapper().RESTMapping(gk, "v1")
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("%s %s is not in discovery: %v", apiVersion, d.kind, err)
	}
	return apiVersion
}
