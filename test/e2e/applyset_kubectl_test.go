package e2e

// kobj's ApplySet strings checked against kubectl's own code
// (k8s.io/kubectl/pkg/cmd/apply), which the library does not import; no
// control plane needed.

import (
	"testing"

	"github.com/kobj-dev/kobj"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kubectl/pkg/cmd/apply"
)

// TestApplySetIDIsKubectls: kobj.ApplySetID gives the id kubectl's
// ApplySet.ID gives for the same parent, and the label and annotation
// keys are kubectl's.
func TestApplySetIDIsKubectls(t *testing.T) {
	t.Parallel()
	for _, p := range []struct{ group, kind, namespace, name string }{
		{"", "ConfigMap", "shop", "set"},
		{"", "Secret", "default", "applyset"},
		{"example.com", "Widget", "", "parent"},
		{"apps.example.com", "SetParent", "team-a", "a.b-c"},
		{"", "Secret", "ns", strings63()},
	} {
		ref := &apply.ApplySetParentRef{Name: p.name, Namespace: p.namespace,
			RESTMapping: &meta.RESTMapping{GroupVersionKind: schema.GroupVersionKind{Group: p.group, Version: "v1", Kind: p.kind}}}
		want := apply.NewApplySet(ref, apply.ApplySetTooling{Name: "kobj", Version: "v0"}, nil, nil).ID()
		if got := kobj.ApplySetID(p.group, p.kind, p.namespace, p.name); got != want {
			t.Errorf("ApplySetID%v = %s, kubectl's %s", p, got, want)
		}
	}
	for _, k := range []struct{ kobj, kubectl string }{
		{kobj.ApplySetIDLabel, apply.ApplySetParentIDLabel},
		{kobj.ApplySetPartOfLabel, apply.ApplysetPartOfLabel},
		{kobj.ApplySetToolingAnnotation, apply.ApplySetToolingAnnotation},
		{kobj.ApplySetGroupKindsAnnotation, apply.ApplySetGKsAnnotation},
		{kobj.ApplySetNamespacesAnnotation, apply.ApplySetAdditionalNamespacesAnnotation},
	} {
		if k.kobj != k.kubectl {
			t.Errorf("kobj's key %q, kubectl's %q", k.kobj, k.kubectl)
		}
	}
}

// strings63 is a long name (the id's length does not depend on it).
func strings63() string {
	b := make([]byte, 63)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return string(b)
}
