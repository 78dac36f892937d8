package kobj

import (
	"strings"
	"testing"
)

func TestConflictManager(t *testing.T) {
	tests := map[string]string{
		`conflict with "deployer"`:                          "deployer",
		`conflict with "kube-controller" using apps/v1`:     "kube-controller",
		`conflict with "a \"b\"" with subresource "status"`: `a "b"`,
		`something else`:                                    "something else",
		`conflict with unquoted`:                            "conflict with unquoted",
	}
	for msg, want := range tests {
		if got := conflictManager(msg); got != want {
			t.Errorf("conflictManager(%q) = %q, want %q", msg, got, want)
		}
	}
}

func TestValidFieldManager(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"deployer", true},
		{"", false},
		{"tab\there", false},
		{strings.Repeat("a", 128), true},
		{strings.Repeat("a", 129), false},
	}
	for _, tt := range tests {
		if err := validFieldManager(tt.name); (err == nil) != tt.ok {
			t.Errorf("validFieldManager(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}
