package kobj

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// TestApplySetID: the exported ApplySetID is internal/applyset's ID (whose
// own test holds it to kubectl's ids).
func TestApplySetID(t *testing.T) {
	const want = "applyset-7fFB87CRhJ5TNi_w4TDPYDEGqjgqS1PzgLi-dyqcOv4-v1"
	if got := ApplySetID("", "ConfigMap", "shop", "set"); got != want {
		t.Errorf("ApplySetID = %s, want %s", got, want)
	}
}

func TestApplySetAnnotations(t *testing.T) {
	gk := func(group, kind string) schema.GroupKind { return schema.GroupKind{Group: group, Kind: kind} }
	for _, tc := range []struct {
		name           string
		oldKinds       []schema.GroupKind
		newKinds       []schema.GroupKind
		oldNS, newNS   []string
		superset       bool
		wantKinds      string
		wantNamespaces string
	}{
		{name: "core and grouped kinds, sorted as strings",
			newKinds:  []schema.GroupKind{gk("apps", "Deployment"), gk("", "ConfigMap"), gk("example.com", "Widget"), gk("", "Service")},
			newNS:     []string{"shop"},
			wantKinds: "ConfigMap,Deployment.apps,Service,Widget.example.com"},
		{name: "other namespaces listed, the parent's left out",
			newKinds: []schema.GroupKind{gk("", "ConfigMap")}, newNS: []string{"shop", "b-ns", "a-ns"},
			wantKinds: "ConfigMap", wantNamespaces: "a-ns,b-ns"},
		{name: "superset of old and new",
			oldKinds: []schema.GroupKind{gk("", "Secret")}, oldNS: []string{"shop", "old"},
			newKinds: []schema.GroupKind{gk("", "ConfigMap")}, newNS: []string{"shop"}, superset: true,
			wantKinds: "ConfigMap,Secret", wantNamespaces: "old"},
		{name: "latest drops the old",
			oldKinds: []schema.GroupKind{gk("", "Secret")}, oldNS: []string{"shop", "old"},
			newKinds: []schema.GroupKind{gk("", "ConfigMap")}, newNS: []string{"shop"},
			wantKinds: "ConfigMap"},
		{name: "an empty set", wantKinds: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &applySet{parent: New("v1", "ConfigMap").SetName("set").SetNamespace("shop"),
				id: "applyset-x-v1", tooling: "kobj/v1.2.3",
				oldKinds: set(tc.oldKinds), newKinds: set(tc.newKinds),
				oldNamespaces: set(tc.oldNS), newNamespaces: set(tc.newNS)}
			want := map[string]string{
				ApplySetToolingAnnotation:    "kobj/v1.2.3",
				ApplySetGroupKindsAnnotation: tc.wantKinds,
				ApplySetNamespacesAnnotation: tc.wantNamespaces,
			}
			if got := s.parentAnnotations(tc.superset); !maps.Equal(got, want) {
				t.Errorf("annotations %v, want %v", got, want)
			}
			p := s.parentPatch(tc.superset)
			if got := p.Labels(); !maps.Equal(got, map[string]string{ApplySetIDLabel: "applyset-x-v1"}) {
				t.Errorf("parent patch labels %v", got)
			}
			if p.APIVersion() != "v1" || p.Kind() != "ConfigMap" || p.Namespace() != "shop" || p.Name() != "set" {
				t.Errorf("parent patch is %s, want v1 ConfigMap shop/set", p)
			}
			if _, hasData := p.u.Object["data"]; hasData {
				t.Errorf("parent patch carries data: %v", p.u.Object)
			}
		})
	}
}

func set[K comparable](ks []K) map[K]bool {
	m := map[K]bool{}
	for _, k := range ks {
		m[k] = true
	}
	return m
}

// The tooling kobj writes is one checkTooling accepts; what it refuses
// names the option.
func TestApplySetTooling(t *testing.T) {
	if got := DefaultApplySetTooling(); !strings.HasPrefix(got, "kobj/v") || checkTooling(got) != nil {
		t.Errorf("DefaultApplySetTooling() = %q, want kobj/<version>", got)
	}
	for _, tooling := range []string{"kubectl", "kobj/", "/v1", ""} {
		err := checkTooling(tooling)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("ApplySetTooling(%q): want <tool name>/<version>", tooling)) {
			t.Errorf("checkTooling(%q) = %v, want an error naming ApplySetTooling", tooling, err)
		}
	}
}

func TestIsImmutableError(t *testing.T) {
	cm := schema.GroupKind{Kind: "ConfigMap"}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"immutable ConfigMap", apierrors.NewInvalid(cm, "x", field.ErrorList{
			field.Forbidden(field.NewPath("data"), "field is immutable when `immutable` is set")}), true},
		{"immutable Service field", apierrors.NewInvalid(schema.GroupKind{Kind: "Service"}, "s", field.ErrorList{
			field.Invalid(field.NewPath("spec", "clusterIP"), "10.0.0.9", "field is immutable")}), true},
		{"another invalid value", apierrors.NewInvalid(cm, "x", field.ErrorList{
			field.Invalid(field.NewPath("data"), "not a valid key!", "a valid config key must consist of ...")}), false},
		{"not a 422", apierrors.NewBadRequest("field is immutable"), false},
		{"wrapped", fmt.Errorf("apply: %w", apierrors.NewInvalid(cm, "x", field.ErrorList{
			field.Forbidden(field.NewPath("data"), "field is immutable when `immutable` is set")})), true},
	} {
		if got := isImmutableError(tc.err); got != tc.want {
			t.Errorf("%s: isImmutableError(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}
