// Package manifestset writes the set of manifests that kobj's ApplyAll is
// measured and tested with: 300 objects, a CRD, the Namespaces its other
// objects live in, ConfigMaps, Services, Deployments and custom resources
// of the CRD, as a folder of multi-document YAML files that kobj and
// `kubectl apply -f dir/` both read.
//
// Every name the set creates derives from a prefix, so that sets written
// with different prefixes do not touch each other: the CRD's group, the
// Namespaces and, through them, every namespaced object. A fresh prefix is
// a fresh set, never applied before.
package manifestset

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The composition of the set: 1 CRD + 3 Namespaces + 296 namespaced
// objects = 300.
const (
	Namespaces  = 3
	ConfigMaps  = 100
	Services    = 70
	Deployments = 60
	Widgets     = 66 // custom resources of the set's CRD
	// Objects is the number of objects in the set.
	Objects = 1 + Namespaces + ConfigMaps + Services + Deployments + Widgets
)

// Set describes a set written to a folder.
type Set struct {
	Dir        string   // the folder holding the set's files
	CRDFile    string   // the file holding the CRD alone
	CRDName    string   // the CRD's name (widgets.<group>)
	Group      string   // the CRD's API group
	Namespaces []string // the Namespaces of the set
}

// Write writes the set named by prefix (a DNS label of at most 40
// characters) into dir, one file per kind, named so that a directory walk
// meets the CRD first, then the Namespaces, then the rest. It returns what
// it wrote, or an error when prefix is not such a label or a file cannot be
// written.
func Write(dir, prefix string) (Set, error) {
	if !validPrefix(prefix) {
		return Set{}, fmt.Errorf("prefix %q is not a DNS label of at most 40 characters", prefix)
	}
	group := prefix + ".bench.kobj.dev"
	s := Set{Dir: dir, CRDFile: filepath.Join(dir, "00-crd.yaml"), CRDName: "widgets." + group, Group: group}
	for i := range Namespaces {
		s.Namespaces = append(s.Namespaces, fmt.Sprintf("%s-%d", prefix, i))
	}
	files := []struct {
		name string
		n    int
		doc  func(i int, ns string) string
	}{
		{"00-crd.yaml", 1, func(int, string) string { return crd(group) }},
		{"01-namespaces.yaml", Namespaces, func(i int, _ string) string { return namespace(s.Namespaces[i]) }},
		{"10-configmaps.yaml", ConfigMaps, configMap},
		{"20-services.yaml", Services, service},
		{"30-deployments.yaml", Deployments, deployment},
		{"40-widgets.yaml", Widgets, func(i int, ns string) string { return widget(group, i, ns) }},
	}
	for _, f := range files {
		docs := make([]string, f.n)
		for i := range f.n {
			docs[i] = f.doc(i, s.Namespaces[i%Namespaces])
		}
		if err := os.WriteFile(filepath.Join(dir, f.name), []byte(strings.Join(docs, "---\n")), 0o644); err != nil {
			return Set{}, fmt.Errorf("writing the set: %w", err)
		}
	}
	return s, nil
}

func validPrefix(p string) bool {
	if p == "" || len(p) > 40 || p[0] == '-' || p[len(p)-1] == '-' {
		return false
	}
	for _, r := range p {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}

func crd(group string) string {
	return fmt.Sprintf(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.%[1]s
spec:
  group: %[1]s
  scope: Namespaced
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
`, group)
}

// namespace has a label: the apply of a bare Namespace owns no field, and
// the server then records no managedFields for it, so that the next apply
// writes once (Configured, not Unchanged).
func namespace(name string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Namespace
metadata:
  name: %s
  labels: {app.kubernetes.io/part-of: bench}
`, name)
}

func configMap(i int, ns string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: ConfigMap
metadata:
  name: settings-%[1]d
  namespace: %[2]s
  labels: {app: app-%[1]d}
data:
  color: blue
  size: "%[1]d"
  greeting: hello from settings-%[1]d
`, i, ns)
}

// service is headless: the control plane's range of cluster IPs (a /24)
// would run out after three sets.
func service(i int, ns string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Service
metadata:
  name: app-%[1]d
  namespace: %[2]s
  labels: {app: app-%[1]d}
spec:
  clusterIP: None
  selector: {app: app-%[1]d}
  ports:
  - name: http
    port: 80
    targetPort: 8080
`, i, ns)
}

func deployment(i int, ns string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-%[1]d
  namespace: %[2]s
  labels: {app: app-%[1]d}
spec:
  replicas: 2
  selector:
    matchLabels: {app: app-%[1]d}
  template:
    metadata:
      labels: {app: app-%[1]d}
    spec:
      containers:
      - name: app
        image: registry.k8s.io/pause:3.10
        ports:
        - containerPort: 8080
        env:
        - name: INDEX
          value: "%[1]d"
        resources:
          requests: {cpu: 10m, memory: 16Mi}
`, i, ns)
}

func widget(group string, i int, ns string) string {
	return fmt.Sprintf(`apiVersion: %[1]s/v1
kind: Widget
metadata:
  name: widget-%[2]d
  namespace: %[3]s
spec:
  size: %[2]d
  color: red
`, group, i, ns)
}
