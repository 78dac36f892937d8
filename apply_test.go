package kobj

import (
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
