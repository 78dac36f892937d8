package condition

import (
	"strings"
	"testing"
)

func withConditions(gen any, statusGen any, conds any) map[string]any {
	obj := map[string]any{"metadata": map[string]any{}, "status": map[string]any{}}
	if gen != nil {
		obj["metadata"].(map[string]any)["generation"] = gen
	}
	if statusGen != nil {
		obj["status"].(map[string]any)["observedGeneration"] = statusGen
	}
	if conds != nil {
		obj["status"].(map[string]any)["conditions"] = conds
	}
	return obj
}

func cond(typ, status any, extra ...any) map[string]any {
	c := map[string]any{}
	if typ != nil {
		c["type"] = typ
	}
	if status != nil {
		c["status"] = status
	}
	for i := 0; i+1 < len(extra); i += 2 {
		c[extra[i].(string)] = extra[i+1]
	}
	return c
}

func TestIs(t *testing.T) {
	tests := []struct {
		name         string
		obj          map[string]any
		typ, status  string
		ignoreGen    bool
		met          bool
		seen, errTxt string
	}{
		{"met", withConditions(nil, nil, []any{cond("Ready", "True")}), "Ready", "True", false, true, `Ready is "True"`, ""},
		{"type and status case-folded", withConditions(nil, nil, []any{cond("ready", "TRUE")}), "Ready", "true", false, true, "", ""},
		{"status differs", withConditions(nil, nil, []any{cond("Ready", "False", "reason", "Wait")}), "Ready", "True", false, false, `Ready is "False" (reason Wait)`, ""},
		{"no entry", withConditions(nil, nil, []any{cond("Other", "True")}), "Ready", "True", false, false, "no condition Ready", ""},
		{"no status", map[string]any{}, "Ready", "True", false, false, "no condition Ready", ""},
		{"null status", map[string]any{"status": nil}, "Ready", "True", false, false, "no condition Ready", ""},
		{"null conditions", withConditions(nil, nil, nil), "Ready", "True", false, false, "no condition Ready", ""},
		{"status not a map", map[string]any{"status": "x"}, "Ready", "True", false, false, "", "status is a string, not a map"},
		{"conditions a map", withConditions(nil, nil, map[string]any{}), "Ready", "True", false, false, "", "status.conditions is a map, not a list"},
		{"conditions a string", withConditions(nil, nil, "Ready"), "Ready", "True", false, false, "", "status.conditions is a string, not a list"},
		{"entries not maps are skipped", withConditions(nil, nil, []any{"Ready", cond("Ready", "True")}), "Ready", "True", false, true, "", ""},
		{"a type not a string is skipped", withConditions(nil, nil, []any{cond(int64(1), "True")}), "Ready", "True", false, false, "no condition Ready", ""},
		{"an entry without status is skipped", withConditions(nil, nil, []any{cond("Ready", nil), cond("Ready", "True")}), "Ready", "True", false, true, "", ""},
		{"an entry with a bool status is skipped", withConditions(nil, nil, []any{cond("Ready", true), cond("Ready", "True")}), "Ready", "True", false, true, "", ""},
		{"only entries without status", withConditions(nil, nil, []any{cond("Ready", true)}), "Ready", "True", false, false, "Ready has no status", ""},
		{"the first string status decides", withConditions(nil, nil, []any{cond("Ready", "False"), cond("Ready", "True")}), "Ready", "True", false, false, `Ready is "False"`, ""},
		{"an empty status is a status", withConditions(nil, nil, []any{cond("Ready", ""), cond("Ready", "True")}), "Ready", "True", false, false, `Ready is ""`, ""},
		{"stale by status.observedGeneration", withConditions(int64(2), int64(1), []any{cond("Ready", "True")}), "Ready", "True", false, false, "observedGeneration 1 is older than generation 2", ""},
		{"stale ignored", withConditions(int64(2), int64(1), []any{cond("Ready", "True")}), "Ready", "True", true, true, "", ""},
		{"stale only when met", withConditions(int64(2), int64(1), []any{cond("Ready", "False")}), "Ready", "True", false, false, `Ready is "False"`, ""},
		{"the entry's observedGeneration wins", withConditions(int64(2), int64(1), []any{cond("Ready", "True", "observedGeneration", int64(2))}), "Ready", "True", false, true, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Is(tt.obj, tt.typ, tt.status, Mode{IgnoreObservedGeneration: tt.ignoreGen})
			if v.Met != tt.met {
				t.Errorf("Met = %t, want %t (%+v)", v.Met, tt.met, v)
			}
			if !strings.Contains(v.Seen, tt.seen) {
				t.Errorf("Seen = %q, want it to contain %q", v.Seen, tt.seen)
			}
			if (tt.errTxt == "") != (v.Err == nil) || (v.Err != nil && !strings.Contains(v.Err.Error(), tt.errTxt)) {
				t.Errorf("Err = %v, want %q", v.Err, tt.errTxt)
			}
		})
	}
}

func TestStale(t *testing.T) {
	tests := []struct {
		name                string
		gen, statusGen, own any
		stale               bool
	}{
		{"no generation", nil, int64(1), nil, false},
		{"no observedGeneration", int64(2), nil, nil, false},
		{"status behind", int64(2), int64(1), nil, true},
		{"status level", int64(2), int64(2), nil, false},
		{"status ahead", int64(2), int64(3), nil, false},
		{"the entry's own wins over the status", int64(2), int64(1), int64(2), false},
		{"the entry's own behind", int64(2), int64(2), int64(1), true},
		{"whole float64s are integers", float64(2), float64(1), nil, true},
		{"a whole float64 entry", int64(2), nil, float64(1), true},
		{"a fractional float64 entry falls back to the status", int64(2), int64(2), 1.5, false},
		{"a string entry falls back to the status", int64(2), int64(1), "2", true},
		{"a fractional generation is none", 2.5, int64(1), nil, false},
		{"a float64 beyond int64 is none", 1e19, int64(1), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := withConditions(tt.gen, tt.statusGen, nil)
			c := cond("Ready", "True")
			if tt.own != nil {
				c["observedGeneration"] = tt.own
			}
			stale, why := Stale(obj, c)
			if stale != tt.stale || (stale && why == "") {
				t.Errorf("Stale = %t, %q; want %t", stale, why, tt.stale)
			}
		})
	}
}
