package condition

import (
	"errors"
	"strings"
	"testing"
)

func TestCombinations(t *testing.T) {
	boom := errors.New("boom")
	met := Verdict{Met: true, Seen: "a"}
	unmet := Verdict{Seen: "b"}
	absent := Verdict{Seen: Absent}
	broken := Verdict{Seen: "c", Err: boom}
	tests := []struct {
		name string
		join func([]Verdict) Verdict
		in   []Verdict
		met  bool
		err  error
		seen string
	}{
		{"AnyOf none", AnyOf, nil, false, nil, ""},
		{"AnyOf one met", AnyOf, []Verdict{unmet, met}, true, nil, "b; a"},
		{"AnyOf met past an error", AnyOf, []Verdict{broken, met}, true, nil, "c; a"},
		{"AnyOf unmet with an error", AnyOf, []Verdict{unmet, broken}, false, boom, "b; c"},
		{"AllOf none", AllOf, nil, true, nil, ""},
		{"AllOf all met", AllOf, []Verdict{met, met}, true, nil, "a"},
		{"AllOf one short", AllOf, []Verdict{met, unmet}, false, nil, "a; b"},
		{"AllOf with an error", AllOf, []Verdict{met, broken}, false, boom, "a; c"},
		{"repeated descriptions once", AllOf, []Verdict{absent, absent, absent}, false, nil, Absent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.join(tt.in)
			if v.Met != tt.met || !errors.Is(v.Err, tt.err) || (tt.err == nil && v.Err != nil) || v.Seen != tt.seen {
				t.Errorf("got %+v, want met %t, err %v, seen %q", v, tt.met, tt.err, tt.seen)
			}
		})
	}
}

func TestFailWhen(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name   string
		in     Verdict
		met    bool
		failed bool
		err    error
	}{
		{"inner holds: failure", Verdict{Met: true, Seen: "Failed is \"True\""}, false, true, nil},
		{"inner does not hold: met", Verdict{Seen: "no condition Failed"}, true, false, nil},
		{"inner error stays", Verdict{Err: boom}, false, false, boom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := FailWhen(`ConditionTrue("Failed")`, tt.in)
			if v.Met != tt.met || errors.Is(v.Err, ErrFailed) != tt.failed || (tt.err != nil && !errors.Is(v.Err, tt.err)) {
				t.Errorf("got %+v", v)
			}
			if tt.failed && !strings.Contains(v.Err.Error(), `ConditionTrue("Failed") holds: Failed is "True"`) {
				t.Errorf("err = %v, want it to name the condition and what was seen", v.Err)
			}
			if v.Seen != tt.in.Seen {
				t.Errorf("Seen = %q, want %q", v.Seen, tt.in.Seen)
			}
		})
	}
}

func TestPathEqualsAndShow(t *testing.T) {
	tests := []struct {
		name      string
		want, got any
		found     bool
		met       bool
		seen      string
	}{
		{"numbers by value", float64(3), int64(3), true, true, "a is 3"},
		{"strings", "x", "x", true, true, `a is "x"`},
		{"differs", "x", "y", true, false, `a is "y"`},
		{"maps", map[string]any{"k": int64(1)}, map[string]any{"k": 1.0}, true, true, ""},
		{"missing equals nil", nil, nil, false, true, "no value at a"},
		{"missing", "x", nil, false, false, "no value at a"},
		{"null found", nil, nil, true, true, "a is null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := PathEquals("a", tt.want, tt.got, tt.found)
			if v.Met != tt.met || !strings.Contains(v.Seen, tt.seen) || v.Err != nil {
				t.Errorf("got %+v, want met %t, seen %q", v, tt.met, tt.seen)
			}
		})
	}
}
