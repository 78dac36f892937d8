package ssa

import (
	"strings"
	"testing"
)

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
		if err := ValidFieldManager(tt.name); (err == nil) != tt.ok {
			t.Errorf("ValidFieldManager(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}
