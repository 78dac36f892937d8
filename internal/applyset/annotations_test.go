package applyset

import (
	"maps"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

func set[K comparable](ks ...K) map[K]bool {
	m := map[K]bool{}
	for _, k := range ks {
		m[k] = true
	}
	return m
}

func TestGroupKinds(t *testing.T) {
	gk := func(group, kind string) schema.GroupKind { return schema.GroupKind{Group: group, Kind: kind} }
	for _, tc := range []struct {
		name string
		gks  map[schema.GroupKind]bool
		want string
	}{
		{"empty", nil, ""},
		{"core and grouped kinds, sorted as strings",
			set(gk("apps", "Deployment"), gk("", "ConfigMap"), gk("example.com", "Widget"), gk("", "Service")),
			"ConfigMap,Deployment.apps,Service,Widget.example.com"},
		{"a dotted group", set(gk("rbac.authorization.k8s.io", "Role")), "Role.rbac.authorization.k8s.io"},
	} {
		got := GroupKinds(tc.gks)
		if got != tc.want {
			t.Errorf("%s: GroupKinds = %q, want %q", tc.name, got, tc.want)
		}
		// What GroupKinds writes, ParseGroupKinds reads back.
		if back := ParseGroupKinds(got); !maps.Equal(back, tc.gks) {
			t.Errorf("%s: ParseGroupKinds(%q) = %v, want %v", tc.name, got, back, tc.gks)
		}
	}
}

func TestNamespaces(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ns     map[string]bool
		parent string
		want   string
	}{
		{"empty", nil, "shop", ""},
		{"the parent's own left out", set("shop"), "shop", ""},
		{"others sorted", set("shop", "b-ns", "a-ns"), "shop", "a-ns,b-ns"},
		{"cluster-scoped parent: every namespace", set("shop", "a-ns"), "", "a-ns,shop"},
		{"the empty namespace never listed", set("", "a-ns"), "shop", "a-ns"},
	} {
		if got := Namespaces(tc.ns, tc.parent); got != tc.want {
			t.Errorf("%s: Namespaces = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestParseList(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{"a,b", []string{"a", "b"}},
	} {
		if got := ParseList(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("ParseList(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestUnion(t *testing.T) {
	a, b := set("x", "y"), set("y", "z")
	if got, want := Union(a, b), set("x", "y", "z"); !maps.Equal(got, want) {
		t.Errorf("Union = %v, want %v", got, want)
	}
	if got := Union[string](nil, nil); got == nil || len(got) != 0 {
		t.Errorf("Union(nil, nil) = %#v, want an empty set", got)
	}
	u := Union(a, b)
	u["w"] = true
	if a["w"] || b["w"] {
		t.Error("Union returned a set shared with its inputs")
	}
}
