package setorder

import (
	"reflect"
	"strings"
	"testing"
)

// orderMembers returns the members of the ordering tests: a CRD, the
// Namespace shop, a Widget and a ConfigMap in it, a ConfigMap in default,
// and a ClusterRole.
func orderMembers() (crd, shopNS, widget, cm, other, role Member) {
	return Member{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition", Name: "widgets.example.com", Defines: "example.com/Widget"},
		Member{Kind: "Namespace", Name: "shop"},
		Member{Group: "example.com", Kind: "Widget", Namespace: "shop", Name: "w"},
		Member{Kind: "ConfigMap", Namespace: "shop", Name: "settings"},
		Member{Kind: "ConfigMap", Namespace: "default", Name: "elsewhere"},
		Member{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "reader"}
}

// dependsOn returns m with the DependsOnAnnotation set to refs.
func dependsOn(m Member, refs string) Member { m.DependsOn = refs; return m }

// named returns m under another name.
func named(m Member, name string) Member { m.Name = name; return m }
func TestStages(t *testing.T) {
	crd, shopNS, widget, cm, other, role := orderMembers()
	for _, tc := range []struct {
		name    string
		members []Member
		want    [][]int
	}{
		{"empty set", nil, nil},
		{"worst order: CR, namespaced object, its Namespace, the CRD",
			[]Member{widget, cm, shopNS, crd}, [][]int{{2, 3}, {0, 1}}},
		{"no CRD nor Namespace: one stage", []Member{cm, other, role}, [][]int{{0, 1, 2}}},
		{"a CRD or Namespace goes first even when nothing needs it",
			[]Member{other, role, shopNS}, [][]int{{2}, {0, 1}}},
		{"a CR of a CRD not in the set needs nothing in it",
			[]Member{widget, shopNS}, [][]int{{1}, {0}}},
		{"depends-on puts an object a stage later",
			[]Member{dependsOn(cm, "rbac.authorization.k8s.io/ClusterRole/reader"), role},
			[][]int{{1}, {0}}},
		{"depends-on a namespaced object, core group",
			[]Member{dependsOn(widget, "/namespaces/shop/ConfigMap/settings"), cm, shopNS, crd},
			[][]int{{2, 3}, {1}, {0}}},
		{"several dependencies, spaces around commas",
			[]Member{dependsOn(other, "/namespaces/shop/ConfigMap/settings , rbac.authorization.k8s.io/ClusterRole/reader"), cm, role, shopNS},
			[][]int{{3}, {1, 2}, {0}}},
		{"a Namespace that depends on an object goes after it",
			[]Member{dependsOn(shopNS, "rbac.authorization.k8s.io/ClusterRole/reader"), role, cm},
			[][]int{{1}, {0}, {2}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Stages(tc.members)
			if err != nil {
				t.Fatalf("Stages: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("stages %v, want %v", got, tc.want)
			}
		})
	}
}

func TestStagesFails(t *testing.T) {
	_, shopNS, _, cm, other, role := orderMembers()
	for _, tc := range []struct {
		name    string
		members []Member
		want    string // in the error
	}{
		{"a cycle of two",
			[]Member{dependsOn(cm, "/namespaces/default/ConfigMap/elsewhere"), dependsOn(other, "/namespaces/shop/ConfigMap/settings")},
			"a dependency cycle: /namespaces/shop/ConfigMap/settings -> /namespaces/default/ConfigMap/elsewhere -> /namespaces/shop/ConfigMap/settings"},
		{"a cycle through a Namespace",
			[]Member{cm, dependsOn(shopNS, "/namespaces/shop/ConfigMap/settings")},
			"a dependency cycle: /namespaces/shop/ConfigMap/settings -> /Namespace/shop -> /namespaces/shop/ConfigMap/settings"},
		{"an object that depends on itself",
			[]Member{dependsOn(role, "rbac.authorization.k8s.io/ClusterRole/reader")},
			"a dependency cycle: rbac.authorization.k8s.io/ClusterRole/reader -> rbac.authorization.k8s.io/ClusterRole/reader"},
		{"a dependency not in the set",
			[]Member{dependsOn(cm, "/namespaces/shop/ConfigMap/missing"), other},
			"/namespaces/shop/ConfigMap/settings depends on /namespaces/shop/ConfigMap/missing, which is not in the set"},
		{"a dependency in another namespace than the one in the set",
			[]Member{dependsOn(cm, "/namespaces/elsewhere/ConfigMap/elsewhere"), other},
			"which is not in the set"},
		{"a reference with four parts",
			[]Member{dependsOn(cm, "/ConfigMap/shop/elsewhere/x")},
			`"/ConfigMap/shop/elsewhere/x" is neither group/Kind/name nor group/namespaces/namespace/Kind/name`},
		{"a reference with no name",
			[]Member{dependsOn(cm, "rbac.authorization.k8s.io/ClusterRole/")},
			"has an empty kind, name or namespace"},
		{"an empty reference in a list",
			[]Member{dependsOn(cm, "rbac.authorization.k8s.io/ClusterRole/reader,,"), role},
			`"" is neither`},
		{"the same object twice",
			[]Member{cm, other, named(other, "settings"), cm},
			"objects 0 and 3 are both /namespaces/shop/ConfigMap/settings"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Stages(tc.members)
			if err == nil {
				t.Fatalf("Stages = %v, want an error with %q", got, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestKeyString(t *testing.T) {
	for _, tc := range []struct {
		key  Key
		want string
	}{
		{Key{Kind: "ConfigMap", Namespace: "shop", Name: "settings"}, "/namespaces/shop/ConfigMap/settings"},
		{Key{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "reader"}, "rbac.authorization.k8s.io/ClusterRole/reader"},
		{Key{Group: "example.com", Kind: "Widget", Namespace: "shop", Name: "w"}, "example.com/namespaces/shop/Widget/w"},
	} {
		if got := tc.key.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.key, got, tc.want)
		}
		// What String writes, the annotation reads back.
		refs, err := parseDependsOn(tc.key.String())
		if err != nil || len(refs) != 1 || refs[0] != tc.key {
			t.Errorf("parseDependsOn(%q) = %v, %v, want %#v", tc.key.String(), refs, err, tc.key)
		}
	}
}

func TestFirstStageKind(t *testing.T) {
	for _, tc := range []struct {
		group, kind string
		want        bool
	}{
		{"apiextensions.k8s.io", "CustomResourceDefinition", true},
		{"", "Namespace", true},
		{"example.com", "Namespace", false},
		{"", "CustomResourceDefinition", false},
		{"", "ConfigMap", false},
	} {
		if got := FirstStageKind(tc.group, tc.kind); got != tc.want {
			t.Errorf("FirstStageKind(%q, %q) = %v, want %v", tc.group, tc.kind, got, tc.want)
		}
	}
}
