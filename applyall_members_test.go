package kobj

import (
	"slices"
	"testing"

	"github.com/kobj-dev/kobj/internal/setorder"
)

// The ordering reads the annotation under the name kobj exports.
func TestDependsOnAnnotationIsTheOneOrderingReads(t *testing.T) {
	if DependsOnAnnotation != setorder.DependsOnAnnotation {
		t.Errorf("DependsOnAnnotation %q, setorder reads %q", DependsOnAnnotation, setorder.DependsOnAnnotation)
	}
}

// orderStages hands every field that orders an object to setorder: the
// CRD a member defines, the Namespace holding it, its depends-on.
func TestOrderStagesKeepsWhatOrders(t *testing.T) {
	cr := setMember{group: "example.com", kind: "Widget", name: "w"}
	crd := setMember{group: "apiextensions.k8s.io", kind: "CustomResourceDefinition", name: "widgets.example.com", defines: "example.com/Widget"}
	ns := setMember{kind: "Namespace", name: "shop"}
	cm := setMember{kind: "ConfigMap", namespace: "shop", name: "a"}
	later := setMember{kind: "ConfigMap", name: "b", dependsOn: "/namespaces/shop/ConfigMap/a"}
	got, err := orderStages([]setMember{cr, crd, later, cm, ns})
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]int{{1, 4}, {0, 3}, {2}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("stages %v, want %v", got, want)
	}
	if k := later.key(); k != (setorder.Key{Kind: "ConfigMap", Name: "b"}) {
		t.Errorf("key %#v", k)
	}
}
