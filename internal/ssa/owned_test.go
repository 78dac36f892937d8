package ssa

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOwned(t *testing.T) {
	tests := []struct {
		name        string
		manager     string
		subresource string
		want        string // "" when nothing is owned
		wantErr     bool
	}{
		{name: "an Apply manager's fields, keyed elements named by their keys", manager: "me",
			want: `{"metadata":{"labels":{"mine":"1"}},"spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"app","image":"app:1"}]}}}}`},
		{name: "another manager's", manager: "other",
			want: `{"metadata":{"annotations":{"theirs":"x"}},"spec":{"template":{"spec":{"containers":[{"name":"side","image":"side:1"}]}}}}`},
		{name: "a manager that owns nothing", manager: "stranger"},
		{name: "an Update entry owns nothing by Apply", manager: "me", subresource: "status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := Owned(decodeJSON(t, servedDeployment), tt.manager, tt.subresource)
			if err != nil {
				t.Fatal(err)
			}
			if ok != (tt.want != "") {
				t.Fatalf("owned = %v, want %v (%v)", ok, tt.want != "", got)
			}
			if diff := cmp.Diff(decodeJSON(t, tt.want), got); ok && diff != "" {
				t.Errorf("owned (-want +got):\n%s", diff)
			}
		})
	}
	bad := decodeJSON(t, `{"metadata":{"managedFields":[{"manager":"me","operation":"Apply","fieldsV1":{"x:y":{}}}]}}`)
	if _, _, err := Owned(bad, "me", ""); err == nil {
		t.Error("a malformed fieldsV1: no error")
	}
}
