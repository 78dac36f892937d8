package ssa

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kobj-dev/kobj/internal/jsonvalue"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

func decodeJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	if s == "" {
		return nil
	}
	var m map[string]any
	if err := utiljson.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
	return m
}

// servedDeployment is a Deployment as the server returns it: manager "me"
// applied the replicas, a label and the image of container app; manager
// "hpa" updated nothing by apply but owns the sidecar by Apply, and
// "other" owns an annotation.
const servedDeployment = `{"apiVersion":"apps/v1","kind":"Deployment",
 "metadata":{"name":"web","namespace":"shop","uid":"u1","resourceVersion":"7","generation":2,
  "creationTimestamp":"2026-01-01T00:00:00Z","labels":{"mine":"1"},"annotations":{"theirs":"x"},
  "managedFields":[
   {"manager":"me","operation":"Apply","apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":
    {"f:metadata":{"f:labels":{"f:mine":{}}},"f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:image":{},"f:name":{}}}}}}}},
   {"manager":"other","operation":"Apply","apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":
    {"f:metadata":{"f:annotations":{"f:theirs":{}}},"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"side\"}":{".":{},"f:image":{},"f:name":{}}}}}}}},
   {"manager":"me","operation":"Update","apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:paused":{}}}}]},
 "spec":{"replicas":2,"paused":false,"template":{"spec":{"containers":[{"name":"app","image":"app:1","ports":[{"containerPort":80}]},{"name":"side","image":"side:1"}]}}},
 "status":{"replicas":2}}`

func TestBody(t *testing.T) {
	tests := []struct {
		name    string
		served  string // "" when never served
		edit    func(m map[string]any)
		manager string
		status  bool
		want    string
	}{
		{"never served: sent whole, less server-only fields and status", "",
			nil, "me", false,
			`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"n","namespace":"ns","labels":{"a":"b"}},"data":{"k":"v"}}`},
		{"served and unchanged: only what the manager owns", servedDeployment,
			nil, "me", false,
			`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop","labels":{"mine":"1"}},
			  "spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"app","image":"app:1"}]}}}}`},
		{"a manager that owns nothing sends only the identity", servedDeployment,
			nil, "stranger", false,
			`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"}}`},
		{"a local change in another's list element sends that element by its key only", servedDeployment,
			func(m map[string]any) {
				c := m["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)
				c[1].(map[string]any)["image"] = "side:2"
			}, "me", false,
			`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop","labels":{"mine":"1"}},
			  "spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"app","image":"app:1"},{"name":"side","image":"side:2"}]}}}}`},
		{"an owned field removed locally is not sent; a new field is", servedDeployment,
			func(m map[string]any) {
				delete(m["metadata"].(map[string]any), "labels")
				m["data"] = map[string]any{"new": "1"}
			}, "me", false,
			`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"},"data":{"new":"1"},
			  "spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"app","image":"app:1"}]}}}}`},
		{"an Update entry of the same name owns nothing for apply", servedDeployment,
			func(m map[string]any) { m["spec"].(map[string]any)["paused"] = false }, "me", false,
			`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop","labels":{"mine":"1"}},
			  "spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"app","image":"app:1"}]}}}}`},
		{"status apply sends status only", servedDeployment,
			func(m map[string]any) { m["status"].(map[string]any)["ready"] = int64(1) }, "me", true,
			`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"},"status":{"ready":1}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			served := decodeJSON(t, tt.served)
			current := served
			if served == nil {
				current = decodeJSON(t, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"n","namespace":"ns","labels":{"a":"b"},
					"uid":"u","resourceVersion":"3","generation":1,"creationTimestamp":"2026-01-01T00:00:00Z","managedFields":[{"manager":"x"}]},
					"data":{"k":"v"},"status":{"s":1}}`)
			} else {
				current = jsonvalue.Copy(served).(map[string]any)
			}
			if tt.edit != nil {
				tt.edit(current)
			}
			md := current["metadata"].(map[string]any)
			got, err := Body(current, served, tt.manager, tt.status, md["name"].(string), md["namespace"].(string))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(decodeJSON(t, tt.want), got); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBodyBadManagedFields(t *testing.T) {
	for _, fields := range []string{`{"x:y":{}}`, `{"k:notjson":{}}`, `{"i:-1":{}}`, `{"f:a":3}`} {
		served := decodeJSON(t, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"n","managedFields":[
			{"manager":"me","operation":"Apply","fieldsV1":`+fields+`}]}}`)
		if _, err := Body(served, served, "me", false, "n", ""); err == nil {
			t.Errorf("fieldsV1 %s: no error", fields)
		}
	}
}
