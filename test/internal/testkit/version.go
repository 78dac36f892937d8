package testkit

import (
	"testing"

	utilversion "k8s.io/apimachinery/pkg/util/version"
)

// RequireServerVersion skips t, saying why, when server (the version the
// kube-apiserver reports at /version) is older than min ("1.30"): for a
// test of a feature that older servers lack, never to hide a kobj defect.
// A min that does not parse, or a nil server, fails the test.
func RequireServerVersion(t testing.TB, server *utilversion.Version, min, why string) {
	t.Helper()
	want, err := utilversion.ParseGeneric(min)
	if err != nil {
		t.Fatalf("RequireServerVersion: %v", err)
		return
	}
	if server == nil {
		t.Fatal("RequireServerVersion: the server version is unknown")
		return
	}
	if why == "" {
		t.Fatal("RequireServerVersion: a skip needs its reason")
		return
	}
	if !server.AtLeast(want) {
		t.Skipf("needs Kubernetes %s or later, the server is v%s: %s", min, server, why)
	}
}
