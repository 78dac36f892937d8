package suggest

import (
	"slices"
	"testing"
)

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"pod", "Pod", 0},
		{"Deploymnet", "Deployment", 1},
		{"Deploymet", "Deployment", 1},
		{"ConfigMap", "ConfgiMap", 1},
		{"abc", "", 3},
		{"kitten", "sitting", 3},
		{"naïve", "naive", 1},
	} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestClosest(t *testing.T) {
	cands := []string{"Deployment", "DaemonSet", "ReplicaSet", "Deployment", "StatefulSet"}
	for _, tc := range []struct {
		name string
		max  int
		n    int
		want []string
	}{
		{"Deploymnet", -1, 3, []string{"Deployment"}},
		{"Deployment", -1, 3, []string{}}, // the name itself is no suggestion
		{"ReplicaSte", -1, 3, []string{"ReplicaSet"}},
		{"Sets", 100, 2, []string{"DaemonSet", "ReplicaSet"}}, // ties alphabetical, n bounds
		{"zzz", -1, 3, []string{}},
	} {
		if got := Closest(tc.name, cands, tc.max, tc.n); !slices.Equal(got, tc.want) {
			t.Errorf("Closest(%q, max %d, n %d) = %q, want %q", tc.name, tc.max, tc.n, got, tc.want)
		}
	}
}
