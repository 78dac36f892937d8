package operator

import (
	"context"
	"strings"
	"testing"

	"github.com/kobj-dev/kobj"
)

func noop(context.Context, *Reconcile) (Result, error) { return Result{}, nil }

func cleanup(context.Context, *Reconcile) error { return nil }

func TestBuilderValidate(t *testing.T) {
	cases := []struct {
		name string
		b    *Builder
		want []string // every one in the error; none: no error
	}{
		{"complete", For("example.com/v1", "Widget").Owns("v1", "ConfigMap").
			Watches("v1", "Secret", func(*kobj.Object) []Request { return nil }).
			When(GenerationChanged()).Finalizer("example.com/cleanup", cleanup).Workers(4).Reconcile(noop), nil},
		{"core For", For("v1", "ConfigMap").Reconcile(noop), nil},
		{"no reconcile", For("example.com/v1", "Widget"), []string{"no Reconcile function"}},
		{"nil reconcile", For("example.com/v1", "Widget").Reconcile(nil), []string{"Reconcile(nil): nil function"}},
		{"empty apiVersion", For("", "Widget").Reconcile(noop), []string{`For("", "Widget"): empty apiVersion`}},
		{"no version", For("example.com/", "Widget").Reconcile(noop), []string{`For("example.com/", "Widget"): apiVersion "example.com/" has no version`}},
		{"bad apiVersion", For("a/b/c", "Widget").Reconcile(noop), []string{`For("a/b/c", "Widget"): apiVersion:`}},
		{"empty kind", For("v1", "").Reconcile(noop), []string{`For("v1", ""): empty kind`}},
		{"zero workers", For("v1", "ConfigMap").Workers(0).Reconcile(noop), []string{"Workers(0): at least 1 worker"}},
		{"negative workers", For("v1", "ConfigMap").Workers(-2).Reconcile(noop), []string{"Workers(-2)"}},
		{"owns twice", For("example.com/v1", "Widget").Owns("v1", "ConfigMap").Owns("v1", "ConfigMap").Reconcile(noop),
			[]string{`Owns("v1", "ConfigMap"): given twice`}},
		{"owns bad kind", For("example.com/v1", "Widget").Owns("apps/v1", "").Reconcile(noop), []string{`Owns("apps/v1", ""): empty kind`}},
		{"watches nil", For("example.com/v1", "Widget").Watches("v1", "Secret", nil).Reconcile(noop),
			[]string{`Watches("v1", "Secret", nil): nil mapping function`}},
		{"zero predicate", For("v1", "ConfigMap").When(LabelsChanged(), Predicate{}).Reconcile(noop),
			[]string{"When: predicate 2: a zero Predicate"}},
		{"bad path", For("v1", "ConfigMap").When(PathsChanged("data[")).Reconcile(noop), []string{"When: predicate 1: PathsChanged: path"}},
		{"finalizer name", For("v1", "ConfigMap").Finalizer("not a name!", cleanup).Reconcile(noop), []string{`Finalizer("not a name!", ...)`}},
		{"finalizer nil", For("v1", "ConfigMap").Finalizer("example.com/x", nil).Reconcile(noop), []string{`Finalizer("example.com/x", ...): nil function`}},
		{"finalizer twice", For("v1", "ConfigMap").Finalizer("example.com/x", cleanup).Finalizer("example.com/y", cleanup).Reconcile(noop),
			[]string{`Finalizer("example.com/y", ...): a finalizer is set already ("example.com/x")`}},
		{"every problem at once", For("", "").Workers(0).When(PathsChanged()),
			[]string{`For("", "")`, "Workers(0)", "PathsChanged()", "no Reconcile function"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.b.validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("validate() = nil, want an error with %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("validate() = %v\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

func TestBuilderKeepsWhatIsValid(t *testing.T) {
	b := For("example.com/v1", "Widget").Owns("v1", "ConfigMap").Owns("apps/v1", "Deployment").
		When(GenerationChanged(), LabelsChanged()).Workers(3).Reconcile(noop)
	if len(b.owns) != 2 || len(b.predicates) != 2 || b.workers != 3 || b.reconcile == nil {
		t.Errorf("builder = %+v", b)
	}
	if For("v1", "ConfigMap").workers != 1 {
		t.Error("default workers is not 1")
	}
}

func TestAddNil(t *testing.T) {
	m := &Manager{}
	if err := m.Add(nil); err == nil || !strings.Contains(err.Error(), "Add(nil)") {
		t.Errorf("Add(nil) = %v", err)
	}
}

func TestAddInvalidStartsNothing(t *testing.T) {
	// A builder with its own problems is refused before any request:
	// the manager has no cache nor client to send one with.
	m := &Manager{}
	err := m.Add(For("", "Widget").Workers(0))
	if err == nil || !strings.Contains(err.Error(), "Workers(0)") || !strings.Contains(err.Error(), "empty apiVersion") {
		t.Fatalf("Add = %v", err)
	}
	if len(m.controllers) != 0 {
		t.Error("a refused controller was added")
	}
}
