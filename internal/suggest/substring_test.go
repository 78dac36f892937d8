package suggest

import "testing"

func TestSubstringDistance(t *testing.T) {
	for _, tc := range []struct {
		word, text string
		want       int
	}{
		{"ConfigMap", "listNamespacedConfigMapz", 0},
		{"configmap", "NamespacedConfigMap", 0}, // case is ignored
		{"Pod", "createNamespacedPood", 1},
		{"Deployment", "NamespacedDeploymnet", 1}, // a swap counts one
		{"Deployment", "NamespacedDeploymet", 1},
		{"Deployment", "Deploy", 4},
		{"Pod", "", 3},
		{"", "anything", 0},
		{"Node", "Namespace", 2},
	} {
		if got := SubstringDistance(tc.word, tc.text); got != tc.want {
			t.Errorf("SubstringDistance(%q, %q) = %d, want %d", tc.word, tc.text, got, tc.want)
		}
		if d := SubstringDistance(tc.word, tc.text); d > Distance(tc.word, tc.text) {
			t.Errorf("SubstringDistance(%q, %q) = %d exceeds Distance %d", tc.word, tc.text, d, Distance(tc.word, tc.text))
		}
	}
}
