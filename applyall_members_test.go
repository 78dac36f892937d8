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
	cr := setMember{Group: "example.com", Kind: "Widget", Name: "w"}
	crd := setMember{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition", Name: "widgets.example.com", Defines: "example.com/Widget"}
	ns := setMember{Kind: "Namespace", Name: "shop"}
	cm := setMember{Kind: "ConfigMap", Namespace: "shop", Name: "a"}
	later := setMember{Kind: "ConfigMap", Name: "b", DependsOn: "/namespaces/shop/ConfigMap/a"}
	got, err := orderStages([]setMember{cr, crd, later, cm, ns})
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]int{{1, 4}, {0, 3}, {2}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("stages %v, want %v", got, want)
	}
	if k := later.Key(); k != (setorder.Key{Kind: "ConfigMap", Name: "b"}) {
		t.Errorf("key %#v", k)
	}
}
