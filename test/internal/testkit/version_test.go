package testkit

import (
	"fmt"
	"strings"
	"testing"

	utilversion "k8s.io/apimachinery/pkg/util/version"
)

// recordingTB records the skips and failures of RequireServerVersion
// instead of ending the test (its Fatal and Skip return).
type recordingTB struct {
	testing.TB
	skipped, failed string
}

func (r *recordingTB) Helper()                           {}
func (r *recordingTB) Skipf(format string, args ...any)  { r.skipped = fmt.Sprintf(format, args...) }
func (r *recordingTB) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }
func (r *recordingTB) Fatal(args ...any)                 { r.failed = fmt.Sprint(args...) }

func TestRequireServerVersion(t *testing.T) {
	tests := []struct {
		name, server, min, why string
		wantSkip, wantFail     string // substrings; empty: none
	}{
		{name: "older server skips with the reason", server: "v1.29.15", min: "1.30", why: "no ValidatingAdmissionPolicy v1",
			wantSkip: "needs Kubernetes 1.30 or later, the server is v1.29.15: no ValidatingAdmissionPolicy v1"},
		{name: "newer server runs", server: "v1.37.2", min: "1.30", why: "w"},
		{name: "same minor runs", server: "v1.30.0", min: "1.30", why: "w"},
		{name: "patch release below min skips", server: "v1.29.1", min: "1.29.2", why: "w", wantSkip: "1.29.2"},
		{name: "unparsable min fails", server: "v1.37.2", min: "one.thirty", why: "w", wantFail: "RequireServerVersion"},
		{name: "unknown server fails", min: "1.30", why: "w", wantFail: "server version is unknown"},
		{name: "missing reason fails", server: "v1.37.2", min: "1.30", wantFail: "needs its reason"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var server *utilversion.Version
			if tc.server != "" {
				server = utilversion.MustParseSemantic(tc.server)
			}
			rec := &recordingTB{TB: t}
			RequireServerVersion(rec, server, tc.min, tc.why)
			if !contains(rec.skipped, tc.wantSkip) {
				t.Errorf("skip %q, want one containing %q", rec.skipped, tc.wantSkip)
			}
			if !contains(rec.failed, tc.wantFail) {
				t.Errorf("failure %q, want one containing %q", rec.failed, tc.wantFail)
			}
		})
	}
}

// contains reports whether got holds want, an empty want meaning that
// got must be empty too.
func contains(got, want string) bool {
	if want == "" {
		return got == ""
	}
	return strings.Contains(got, want)
}
