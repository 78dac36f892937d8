package operator

import (
	"strings"
	"testing"

	"github.com/kobj-dev/kobj"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// testEntry makes the entry of a Widget from its content (apiVersion,
// kind and metadata.name filled in when absent).
func testEntry(t *testing.T, content map[string]any) *entry {
	t.Helper()
	u := &unstructured.Unstructured{Object: content}
	if u.GetAPIVersion() == "" {
		u.SetAPIVersion("example.com/v1")
	}
	if u.GetKind() == "" {
		u.SetKind("Widget")
	}
	if u.GetName() == "" {
		u.SetName("w")
	}
	e, err := newEntry(u)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// widget is the content of a Widget with the given metadata fields and
// spec.
func widget(meta map[string]any, spec map[string]any) map[string]any {
	m := map[string]any{"name": "w", "namespace": "ns"}
	for k, v := range meta {
		m[k] = v
	}
	out := map[string]any{"metadata": m}
	if spec != nil {
		out["spec"] = spec
	}
	return out
}

func TestPredicates(t *testing.T) {
	base := widget(map[string]any{"generation": int64(1), "labels": map[string]any{"a": "1"},
		"annotations": map[string]any{"x": "1"}}, map[string]any{"size": int64(3), "color": "red"})
	with := func(mut func(m map[string]any)) map[string]any {
		m := widget(map[string]any{"generation": int64(1), "labels": map[string]any{"a": "1"},
			"annotations": map[string]any{"x": "1"}}, map[string]any{"size": int64(3), "color": "red"})
		mut(m)
		return m
	}
	md := func(m map[string]any) map[string]any { return m["metadata"].(map[string]any) }
	spec := func(m map[string]any) map[string]any { return m["spec"].(map[string]any) }
	specChange := with(func(m map[string]any) { md(m)["generation"] = int64(2); spec(m)["size"] = int64(4) })
	labelChange := with(func(m map[string]any) { md(m)["labels"] = map[string]any{"a": "2"} })
	annotationChange := with(func(m map[string]any) { md(m)["annotations"] = map[string]any{"x": "2"} })
	statusChange := with(func(m map[string]any) { m["status"] = map[string]any{"ready": true} })
	colorChange := with(func(m map[string]any) { md(m)["generation"] = int64(2); spec(m)["color"] = "blue" })
	sameNumber := with(func(m map[string]any) { spec(m)["size"] = float64(3) })

	cases := []struct {
		name string
		p    Predicate
		new  map[string]any
		want bool
	}{
		{"generation/spec", GenerationChanged(), specChange, true},
		{"generation/label", GenerationChanged(), labelChange, false},
		{"generation/status", GenerationChanged(), statusChange, false},
		{"generation/annotation", GenerationChanged(), annotationChange, false},
		{"labels/label", LabelsChanged(), labelChange, true},
		{"labels/spec", LabelsChanged(), specChange, false},
		{"annotations/annotation", AnnotationsChanged(), annotationChange, true},
		{"annotations/label", AnnotationsChanged(), labelChange, false},
		{"paths/size changed", PathsChanged("spec.size"), specChange, true},
		{"paths/color only", PathsChanged("spec.size"), colorChange, false},
		{"paths/any of two", PathsChanged("spec.size", "spec.color"), colorChange, true},
		{"paths/appears", PathsChanged("status.ready"), statusChange, true},
		{"paths/same number", PathsChanged("spec.size"), sameNumber, false},
		{"paths/quoted key", PathsChanged(`metadata.annotations["x"]`), annotationChange, true},
		{"and/both", And(GenerationChanged(), PathsChanged("spec.size")), specChange, true},
		{"and/one", And(GenerationChanged(), PathsChanged("spec.size")), colorChange, false},
		{"and/none given", And(), statusChange, true},
		{"or/one", Or(LabelsChanged(), GenerationChanged()), labelChange, true},
		{"or/neither", Or(LabelsChanged(), GenerationChanged()), statusChange, false},
		{"or/none given", Or(), specChange, false},
		{"not", Not(GenerationChanged()), statusChange, true},
		{"not/negates", Not(GenerationChanged()), specChange, false},
		{"func", PredicateFunc(func(old, new *kobj.Object) bool {
			a, _ := old.GetString("spec.color")
			b, _ := new.GetString("spec.color")
			return a != b
		}), colorChange, true},
		{"func/unchanged", PredicateFunc(func(old, new *kobj.Object) bool { return old.Generation() != new.Generation() }), labelChange, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.p.check(); err != nil {
				t.Fatalf("check: %v", err)
			}
			ch := &change{old: testEntry(t, base), new: testEntry(t, tc.new)}
			if got := tc.p.fn(ch); got != tc.want {
				t.Errorf("%s = %v, want %v", tc.p, got, tc.want)
			}
		})
	}
}

func TestPredicateErrors(t *testing.T) {
	cases := []struct {
		name string
		p    Predicate
		want string
	}{
		{"zero", Predicate{}, "zero Predicate"},
		{"no paths", PathsChanged(), "PathsChanged(): no path given"},
		{"bad path", PathsChanged("spec..size"), `PathsChanged: path "spec..size"`},
		{"nil func", PredicateFunc(nil), "PredicateFunc(nil)"},
		{"inside and", And(GenerationChanged(), PathsChanged()), "argument 2: PathsChanged(): no path given"},
		{"inside not", Not(Predicate{}), "Not(Predicate{}): argument 1: a zero Predicate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.check()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("check() = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestPredicateString(t *testing.T) {
	p := Or(GenerationChanged(), Not(PathsChanged("spec.a", "spec.b")))
	want := `Or(GenerationChanged(), Not(PathsChanged("spec.a", "spec.b")))`
	if p.String() != want {
		t.Errorf("String() = %s, want %s", p, want)
	}
}

// TestPredicatesDecodeOnce checks that content is decoded once per change,
// whatever the number of predicates reading it.
func TestPredicatesDecodeOnce(t *testing.T) {
	ch := &change{old: testEntry(t, widget(nil, map[string]any{"size": int64(1)})), new: testEntry(t, widget(nil, map[string]any{"size": int64(2)}))}
	if !PathsChanged("spec.size").fn(ch) {
		t.Fatal("spec.size changed")
	}
	first := ch.oldMap
	AnnotationsChanged().fn(ch)
	if ch.oldMap == nil || !sameMapPtr(first, ch.oldMap) {
		t.Error("the change was decoded twice")
	}
}

func sameMapPtr(a, b map[string]any) bool {
	a["__probe"] = true
	defer delete(a, "__probe")
	_, ok := b["__probe"]
	return ok
}
