package kobj

import (
	"reflect"
	"strings"
	"testing"
)

// orderMembers returns the members of the ordering tests: a CRD, the
// Namespace shop, a Widget and a ConfigMap in it, a ConfigMap in default,
// and a ClusterRole.
func orderMembers() (crd, shopNS, widget, cm, other, role setMember) {
	return setMember{group: "apiextensions.k8s.io", kind: "CustomResourceDefinition", name: "widgets.example.com", defines: "example.com/Widget"},
		setMember{kind: "Namespace", name: "shop"},
		setMember{group: "example.com", kind: "Widget", namespace: "shop", name: "w"},
		setMember{kind: "ConfigMap", namespace: "shop", name: "settings"},
		setMember{kind: "ConfigMap", namespace: "default", name: "elsewhere"},
		setMember{group: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "reader"}
}

// dependsOn returns m with the DependsOnAnnotation set to refs.
func dependsOn(m setMember, refs string) setMember { m.dependsOn = refs; return m }

// named returns m under another name.
func named(m setMember, name string) setMember { m.name = name; return m }

func TestOrderStages(t *testing.T) {
	crd, shopNS, widget, cm, other, role := orderMembers()
	for _, tc := range []struct {
		name    string
		members []setMember
		want    [][]int
	}{
		{"empty set", nil, nil},
		{"worst order: CR, namespaced object, its Namespace, the CRD",
			[]setMember{widget, cm, shopNS, crd}, [][]int{{2, 3}, {0, 1}}},
		{"no CRD nor Namespace: one stage", []setMember{cm, other, role}, [][]int{{0, 1, 2}}},
		{"a CRD or Namespace goes first even when nothing needs it",
			[]setMember{other, role, shopNS}, [][]int{{2}, {0, 1}}},
		{"a CR of a CRD not in the set needs nothing in it",
			[]setMember{widget, shopNS}, [][]int{{1}, {0}}},
		{"depends-on puts an object a stage later",
			[]setMember{dependsOn(cm, "rbac.authorization.k8s.io/ClusterRole/reader"), role},
			[][]int{{1}, {0}}},
		{"depends-on a namespaced object, core group",
			[]setMember{dependsOn(widget, "/namespaces/shop/ConfigMap/settings"), cm, shopNS, crd},
			[][]int{{2, 3}, {1}, {0}}},
		{"several dependencies, spaces around commas",
			[]setMember{dependsOn(other, "/namespaces/shop/ConfigMap/settings , rbac.authorization.k8s.io/ClusterRole/reader"), cm, role, shopNS},
			[][]int{{3}, {1, 2}, {0}}},
		{"a Namespace that depends on an object goes after it",
			[]setMember{dependsOn(shopNS, "rbac.authorization.k8s.io/ClusterRole/reader"), role, cm},
			[][]int{{1}, {0}, {2}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := orderStages(tc.members)
			if err != nil {
				t.Fatalf("orderStages: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("stages %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOrderStagesFails(t *testing.T) {
	_, shopNS, _, cm, other, role := orderMembers()
	for _, tc := range []struct {
		name    string
		members []setMember
		want    string // in the error
	}{
		{"a cycle of two",
			[]setMember{dependsOn(cm, "/namespaces/default/ConfigMap/elsewhere"), dependsOn(other, "/namespaces/shop/ConfigMap/settings")},
			"a dependency cycle: /namespaces/shop/ConfigMap/settings -> /namespaces/default/ConfigMap/elsewhere -> /namespaces/shop/ConfigMap/settings"},
		{"a cycle through a Namespace",
			[]setMember{cm, dependsOn(shopNS, "/namespaces/shop/ConfigMap/settings")},
			"a dependency cycle: /namespaces/shop/ConfigMap/settings -> /Namespace/shop -> /namespaces/shop/ConfigMap/settings"},
		{"an object that depends on itself",
			[]setMember{dependsOn(role, "rbac.authorization.k8s.io/ClusterRole/reader")},
			"a dependency cycle: rbac.authorization.k8s.io/ClusterRole/reader -> rbac.authorization.k8s.io/ClusterRole/reader"},
		{"a dependency not in the set",
			[]setMember{dependsOn(cm, "/namespaces/shop/ConfigMap/missing"), other},
			"/namespaces/shop/ConfigMap/settings depends on /namespaces/shop/ConfigMap/missing, which is not in the set"},
		{"a dependency in another namespace than the one in the set",
			[]setMember{dependsOn(cm, "/namespaces/elsewhere/ConfigMap/elsewhere"), other},
			"which is not in the set"},
		{"a reference with four parts",
			[]setMember{dependsOn(cm, "/ConfigMap/shop/elsewhere/x")},
			`"/ConfigMap/shop/elsewhere/x" is neither group/Kind/name nor group/namespaces/namespace/Kind/name`},
		{"a reference with no name",
			[]setMember{dependsOn(cm, "rbac.authorization.k8s.io/ClusterRole/")},
			"has an empty kind, name or namespace"},
		{"an empty reference in a list",
			[]setMember{dependsOn(cm, "rbac.authorization.k8s.io/ClusterRole/reader,,"), role},
			`"" is neither`},
		{"the same object twice",
			[]setMember{cm, other, named(other, "settings"), cm},
			"objects 0 and 3 are both /namespaces/shop/ConfigMap/settings"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := orderStages(tc.members)
			if err == nil {
				t.Fatalf("orderStages = %v, want an error with %q", got, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
}
