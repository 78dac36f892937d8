package condition

import (
	"strings"
	"testing"
)

func TestCompileJSONPath(t *testing.T) {
	tests := []struct {
		expr   string
		value  []string
		errTxt string // "" when it compiles
		want   string // the value kept, when it compiles with one
	}{
		{"{.status.phase}", nil, "", ""},
		{".status.phase", nil, "", ""},
		{"status.phase", nil, "", ""},
		{"{status.phase}", nil, "", ""},
		{`{.status.conditions[?(@.type=="Ready")].status}`, []string{"True"}, "", "True"},
		{".a", []string{`"x"`}, "", "x"},
		{".a", []string{`'x'`}, "", "x"},
		{".a", []string{`'"x"'`}, "", "x"},
		{".a", []string{`"x`}, "", "x"},
		{".a", []string{` x `}, "", " x "},
		{".a", []string{`x"y`}, "", `x"y`},
		{"", nil, "empty expression", ""},
		{"{.a", nil, "not one expression", ""},
		{".a}", nil, "not one expression", ""},
		{"{}", nil, "not one expression", ""},
		{"{.}", nil, "", ""},
		{"{.a}{.b}", nil, "not one expression", ""},
		{"{range .a}{.b}{end}", nil, "not one expression", ""},
		{"{.a[}", nil, `JSONPath "{.a[}"`, ""},
		{".a", []string{""}, "empty once its quotes are removed", ""},
		{".a", []string{`''`}, "empty once its quotes are removed", ""},
		{".a", []string{`"'"`}, "empty once its quotes are removed", ""},
		{".a", []string{"x", "y"}, "at most one value, got 2", ""},
	}
	for _, tt := range tests {
		t.Run(tt.expr+"="+strings.Join(tt.value, ","), func(t *testing.T) {
			j, err := CompileJSONPath(tt.expr, tt.value...)
			if tt.errTxt != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errTxt) || !strings.Contains(err.Error(), tt.expr) {
					t.Fatalf("err = %v, want one naming %q and containing %q", err, tt.expr, tt.errTxt)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if j.matchAny != (len(tt.value) == 0) || j.value != tt.want {
				t.Errorf("matchAny %t, value %q; want value %q", j.matchAny, j.value, tt.want)
			}
		})
	}
}

func TestJSONPathEvaluate(t *testing.T) {
	obj := map[string]any{
		"spec": map[string]any{"replicas": int64(3), "ratio": 0.5, "paused": false, "labels": map[string]any{"a": "b"}, "none": nil},
		"status": map[string]any{
			"phase":   "Running",
			"ingress": []any{map[string]any{"ip": "10.0.0.1"}},
			"empty":   []any{},
			"conditions": []any{
				map[string]any{"type": "Ready", "status": "True"},
				map[string]any{"type": "Synced", "status": "False"},
			},
		},
	}
	tests := []struct {
		expr   string
		value  []string
		met    bool
		errTxt string
		seen   string
	}{
		{".status.phase", []string{"Running"}, true, "", `is "Running"`},
		{".status.phase", []string{" Running "}, true, "", ""},
		{".status.phase", []string{`"Running"`}, true, "", ""},
		{".status.phase", []string{"Done"}, false, "", `is "Running"`},
		{".status.phase", nil, true, "", ""},
		{".spec.replicas", []string{"3"}, true, "", ""},
		{".spec.ratio", []string{"0.5"}, true, "", ""},
		{".spec.paused", []string{"false"}, true, "", ""},
		{".spec.none", []string{"<nil>"}, true, "", ""},
		{".status.nothing", nil, false, "", "no value at .status.nothing"},
		{".status.nothing.deeper", []string{"x"}, false, "", "no value"},
		{".status.ingress", nil, true, "", "is a list of 1"},
		{".status.empty", nil, true, "", "is a list of 0"},
		{".spec.labels", nil, true, "", "is a map"},
		{".spec.labels", []string{"x"}, false, "map or a list", ""},
		{".status.ingress", []string{"x"}, false, "map or a list", ""},
		{".status.ingress[0].ip", []string{"10.0.0.1"}, true, "", ""},
		{`.status.conditions[?(@.type=="Ready")].status`, []string{"True"}, true, "", ""},
		{`.status.conditions[?(@.type=="Gone")].status`, nil, false, "", "no value"},
		{".status.conditions[*].type", nil, false, "more than one value", ""},
		{".status.conditions[*].type", []string{"Ready"}, false, "more than one value", ""},
	}
	for _, tt := range tests {
		t.Run(tt.expr+"="+strings.Join(tt.value, ","), func(t *testing.T) {
			j, err := CompileJSONPath(tt.expr, tt.value...)
			if err != nil {
				t.Fatal(err)
			}
			v := j.Evaluate(obj)
			if v.Met != tt.met {
				t.Errorf("Met = %t, want %t (%+v)", v.Met, tt.met, v)
			}
			if (tt.errTxt == "") != (v.Err == nil) || (v.Err != nil && !strings.Contains(v.Err.Error(), tt.errTxt)) {
				t.Errorf("Err = %v, want %q", v.Err, tt.errTxt)
			}
			if !strings.Contains(v.Seen, tt.seen) {
				t.Errorf("Seen = %q, want it to contain %q", v.Seen, tt.seen)
			}
		})
	}
}
