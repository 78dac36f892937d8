package kobj

import (
	"testing"

	"k8s.io/apimachinery/pkg/fields"
)

func TestNamesExcept(t *testing.T) {
	tests := []struct {
		name  string
		names []string
		want  string
	}{
		{"none", nil, ""},
		{"one", []string{"a"}, "metadata.name!=a"},
		{"two, in order", []string{"b", "a"}, "metadata.name!=b,metadata.name!=a"},
		{"a value escaped", []string{`x,y=z`}, `metadata.name!=x\,y\=z`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := namesExcept(tt.names)
			if got != tt.want {
				t.Fatalf("namesExcept(%q) = %q, want %q", tt.names, got, tt.want)
			}
			if _, err := fields.ParseSelector(got); err != nil {
				t.Fatalf("%q does not parse: %v", got, err)
			}
		})
	}
}
