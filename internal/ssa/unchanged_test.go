package ssa

import (
	"testing"

	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/yaml"
)

// served is a Deployment as the server holds it after manager "deployer"
// applied manifestDeployment: the port's protocol defaulted, and another
// manager owning an annotation and the replicas.
const liveDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ns
  resourceVersion: "42"
  uid: 0d6a
  generation: 2
  labels: {app: web}
  annotations: {note: other}
  managedFields:
  - manager: deployer
    operation: Apply
    apiVersion: apps/v1
    fieldsType: FieldsV1
    fieldsV1:
      f:metadata: {f:labels: {f:app: {}}}
      f:spec:
        f:selector: {}
        f:template:
          f:metadata: {f:labels: {f:app: {}}}
          f:spec:
            f:containers:
              k:{"name":"app"}:
                .: {}
                f:image: {}
                f:name: {}
                f:ports:
                  k:{"containerPort":80,"protocol":"TCP"}:
                    .: {}
                    f:containerPort: {}
  - manager: scaler
    operation: Update
    apiVersion: apps/v1
    fieldsType: FieldsV1
    fieldsV1:
      f:metadata: {f:annotations: {f:note: {}}}
      f:spec: {f:replicas: {}}
spec:
  replicas: 5
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: nginx:1.27
        imagePullPolicy: IfNotPresent
        ports: [{containerPort: 80, protocol: TCP}]
status: {replicas: 5}
`

const manifestDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ns, labels: {app: web}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: nginx:1.27
        ports: [{containerPort: 80}]
`

func TestAppliesNothing(t *testing.T) {
	tests := []struct {
		name    string
		manager string
		edit    func(body, live map[string]any) // nil: as written above
		want    bool
	}{
		{name: "the same manifest again", manager: "deployer", want: true},
		{name: "another manager", manager: "someone", want: false},
		{name: "a value changed", manager: "deployer", want: false, edit: func(b, _ map[string]any) {
			containers(b)[0].(map[string]any)["image"] = "nginx:1.28"
		}},
		{name: "a field added", manager: "deployer", want: false, edit: func(b, _ map[string]any) {
			containers(b)[0].(map[string]any)["imagePullPolicy"] = "IfNotPresent" // served, but not owned
		}},
		{name: "a field removed", manager: "deployer", want: false, edit: func(b, _ map[string]any) {
			delete(b["metadata"].(map[string]any), "labels")
		}},
		{name: "a field another manager owns", manager: "deployer", want: false, edit: func(b, _ map[string]any) {
			b["spec"].(map[string]any)["replicas"] = int64(5)
		}},
		{name: "a number written as a float", manager: "deployer", want: true, edit: func(b, _ map[string]any) {
			ports := containers(b)[0].(map[string]any)["ports"].([]any)
			ports[0].(map[string]any)["containerPort"] = float64(80)
		}},
		{name: "the key field given as the default", manager: "deployer", want: true, edit: func(b, _ map[string]any) {
			ports := containers(b)[0].(map[string]any)["ports"].([]any)
			ports[0].(map[string]any)["protocol"] = "TCP"
		}},
		{name: "a non-key field the server defaulted", manager: "deployer", want: false, edit: func(_, l map[string]any) {
			// The manager owning a field its manifest lacks: the apply would
			// drop the ownership.
			mf := l["metadata"].(map[string]any)["managedFields"].([]any)[0].(map[string]any)
			c := mf["fieldsV1"].(map[string]any)["f:spec"].(map[string]any)["f:template"].(map[string]any)["f:spec"].(map[string]any)["f:containers"].(map[string]any)[`k:{"name":"app"}`].(map[string]any)
			c["f:imagePullPolicy"] = map[string]any{}
		}},
		{name: "the key field left out, served as another value", manager: "deployer", want: false, edit: func(_, l map[string]any) {
			// The manager applied protocol UDP; the manifest now leaves it to
			// its default, TCP: the apply would replace the port.
			setPortProtocol(l, "UDP")
		}},
		{name: "a key field left out that the server never defaults", manager: "deployer", want: false, edit: func(b, _ map[string]any) {
			delete(containers(b)[0].(map[string]any), "name")
		}},
		{name: "a set list applied again", manager: "deployer", want: true, edit: func(b, l map[string]any) {
			b["metadata"].(map[string]any)["finalizers"] = []any{"a"}
			l["metadata"].(map[string]any)["finalizers"] = []any{"b", "a"}
			fv := managedFieldsV1(l)["f:metadata"].(map[string]any)
			fv["f:finalizers"] = map[string]any{`v:"a"`: map[string]any{}}
		}},
		{name: "a set list losing an element", manager: "deployer", want: false, edit: func(b, l map[string]any) {
			b["metadata"].(map[string]any)["finalizers"] = []any{"a"}
			l["metadata"].(map[string]any)["finalizers"] = []any{"c", "a"}
			fv := managedFieldsV1(l)["f:metadata"].(map[string]any)
			fv["f:finalizers"] = map[string]any{`v:"a"`: map[string]any{}, `v:"c"`: map[string]any{}}
		}},
		{name: "an atomic map applied with fewer keys", manager: "deployer", want: false, edit: func(b, l map[string]any) {
			l["spec"].(map[string]any)["selector"] = map[string]any{"matchLabels": map[string]any{"app": "web", "tier": "front"}}
		}},
		{name: "an owned field served as null", manager: "deployer", want: false, edit: func(_, l map[string]any) {
			l["metadata"].(map[string]any)["labels"] = map[string]any{"app": nil}
		}},
		{name: "applied as another version", manager: "deployer", want: false, edit: func(b, _ map[string]any) {
			b["apiVersion"] = "apps/v1beta2"
		}},
		{name: "being deleted", manager: "deployer", want: false, edit: func(_, l map[string]any) {
			l["metadata"].(map[string]any)["deletionTimestamp"] = "2026-12-01T00:00:00Z"
		}},
		{name: "no managedFields", manager: "deployer", want: false, edit: func(_, l map[string]any) {
			delete(l["metadata"].(map[string]any), "managedFields")
		}},
		{name: "a bare manifest, no managedFields", manager: "deployer", want: true, edit: func(b, l map[string]any) {
			bareManifest(b)
			delete(l["metadata"].(map[string]any), "managedFields")
		}},
		{name: "a bare manifest, a manager owning nothing among others", manager: "someone", want: true, edit: func(b, _ map[string]any) {
			bareManifest(b)
		}},
		{name: "a bare manifest of another version, a manager owning nothing", manager: "someone", want: true, edit: func(b, _ map[string]any) {
			bareManifest(b)
			b["apiVersion"] = "apps/v1beta2"
		}},
		{name: "a bare manifest, a manager owning fields", manager: "deployer", want: false, edit: func(b, _ map[string]any) {
			bareManifest(b) // the apply would give them up
		}},
		{name: "a bare manifest, being deleted", manager: "someone", want: false, edit: func(b, l map[string]any) {
			bareManifest(b)
			l["metadata"].(map[string]any)["deletionTimestamp"] = "2026-12-01T00:00:00Z"
		}},
		{name: "a label on an object without managedFields", manager: "deployer", want: false, edit: func(b, l map[string]any) {
			bareManifest(b)
			b["metadata"].(map[string]any)["labels"] = map[string]any{"app": "web"}
			delete(l["metadata"].(map[string]any), "managedFields")
		}},
		{name: "a malformed fieldsV1", manager: "deployer", want: false, edit: func(_, l map[string]any) {
			mf := l["metadata"].(map[string]any)["managedFields"].([]any)[0].(map[string]any)
			mf["fieldsV1"] = "not an object"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, live := parseYAMLMap(t, manifestDeployment), parseYAMLMap(t, liveDeployment)
			if tt.edit != nil {
				tt.edit(body, live)
			}
			if got := AppliesNothing(body, live, tt.manager); got != tt.want {
				t.Errorf("AppliesNothing = %v, want %v", got, tt.want)
			}
		})
	}
}

// bareManifest leaves body its identity only: apiVersion, kind, name and
// namespace.
func bareManifest(body map[string]any) {
	md := body["metadata"].(map[string]any)
	for k := range body {
		if k != "apiVersion" && k != "kind" && k != "metadata" {
			delete(body, k)
		}
	}
	for k := range md {
		if k != "name" && k != "namespace" {
			delete(md, k)
		}
	}
}

func containers(body map[string]any) []any {
	return body["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)
}

// parseYAMLMap decodes YAML as kobj holds objects: whole numbers as int64.
func parseYAMLMap(t *testing.T, s string) map[string]any {
	t.Helper()
	b, err := yaml.YAMLToJSON([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := utiljson.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// managedFieldsV1 is the fieldsV1 of live's first managedFields entry.
func managedFieldsV1(live map[string]any) map[string]any {
	mf := live["metadata"].(map[string]any)["managedFields"].([]any)[0].(map[string]any)
	return mf["fieldsV1"].(map[string]any)
}

// setPortProtocol makes the served port of live's container, and the key
// its manager owns it by, use protocol.
func setPortProtocol(live map[string]any, protocol string) {
	ports := containers(live)[0].(map[string]any)["ports"].([]any)
	ports[0].(map[string]any)["protocol"] = protocol
	c := managedFieldsV1(live)["f:spec"].(map[string]any)["f:template"].(map[string]any)["f:spec"].(map[string]any)["f:containers"].(map[string]any)[`k:{"name":"app"}`].(map[string]any)
	fp := c["f:ports"].(map[string]any)
	v := fp[`k:{"containerPort":80,"protocol":"TCP"}`]
	delete(fp, `k:{"containerPort":80,"protocol":"TCP"}`)
	fp[`k:{"containerPort":80,"protocol":"`+protocol+`"}`] = v
}
