package e2e

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
)

// opsBeyondDiscovery returns the requests of log other than discovery's
// (GET /api and GET /apis, aggregated).
func opsBeyondDiscovery(log *requestLog) []string {
	return log.Matching(func(method, path, _ string) bool {
		return !(method == "GET" && (path == "/api" || path == "/apis"))
	})
}

// opsUnknownWith calls name on c and fails the test unless the call fails
// with an *UnknownOperationError that suggests want. It returns the
// requests sent beyond discovery, also logged.
func opsUnknownWith(t *testing.T, ctx context.Context, c *kobj.Client, log *requestLog, what, name, want string, args kobj.Args) []string {
	t.Helper()
	log.Reset()
	_, err := c.Call(ctx, name, args)
	sent := opsBeyondDiscovery(log)
	var unknown *kobj.UnknownOperationError
	if !errors.As(err, &unknown) || !slices.Contains(unknown.Suggestions, want) {
		t.Errorf("%s: %s: %v (%T), want an *UnknownOperationError suggesting %s; it sent %d requests beyond discovery: %v",
			what, name, err, err, want, len(sent), opsShort(sent))
	}
	t.Logf("%s: %s sent %d requests beyond discovery (%d in all): %v", what, name, len(sent), log.Count(), opsShort(sent))
	return sent
}

// TestCallMisspelledOperationFailsFast: with discovery warm, a misspelled
// operation name fails with its closest match without reading every
// OpenAPI document. Discovery's kinds say which group-versions' documents
// the name could mean; the only other request is the list of documents,
// fetched again in case the name is a CRD's created a moment ago, and,
// when the index has never read it, the document of the kind (with those
// outside group-versions).
func TestCallMisspelledOperationFailsFast(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)

	// Discovery warm, the index cold: the list of documents, the
	// ConfigMap's document, and the few small ones outside group-versions
	// (fetched alongside), no other group-version's.
	cold, coldLog := newCountingClient(t)
	ns := newNamespace(t, cold) // discovery is warm from here on
	sent := opsUnknownWith(t, ctx, cold, coldLog, "cold index", "listNamespacedConfigMapz", "listNamespacedConfigMap", kobj.Args{"namespace": ns})
	for _, r := range sent {
		if strings.HasPrefix(r, "GET /openapi/v3/api") && !strings.HasPrefix(r, "GET /openapi/v3/api/v1?") && !strings.HasPrefix(r, "GET /openapi/v3/apis?") {
			t.Errorf("cold index: a misspelled ConfigMap operation sent %d requests beyond discovery, want no group-version's document but api/v1's: %v", len(sent), opsShort(sent))
			break
		}
	}

	// Once an operation of the kind has been called, a misspelling of it
	// costs one request at most: the list of documents.
	c, log := newCountingClient(t)
	opsCall(t, ctx, c, "listNamespacedConfigMap", kobj.Args{"namespace": ns}, http.StatusOK)
	opsCall(t, ctx, c, "listAppsV1NamespacedDeployment", kobj.Args{"namespace": ns}, http.StatusOK)
	for _, tc := range []struct {
		name, want string
		args       kobj.Args
	}{
		{"listNamespacedConfigMapz", "listNamespacedConfigMap", kobj.Args{"namespace": ns}},
		{"createCoreV1NamespacedConfigMapp", "createCoreV1NamespacedConfigMap", kobj.Args{"namespace": ns}},
		{"lsitNamespacedDeployment", "listNamespacedDeployment", kobj.Args{"namespace": ns}},
		{"readNamespacedDeploymnetScale", "readNamespacedDeploymentScale", kobj.Args{"namespace": ns, "name": "d"}},
		{"listNamespacedPood", "listNamespacedPod", kobj.Args{"namespace": ns}},
	} {
		sent := opsUnknownWith(t, ctx, c, log, "warm", tc.name, tc.want, tc.args)
		if len(sent) > 1 || len(sent) == 1 && sent[0] != "GET /openapi/v3" {
			t.Errorf("warm: %s sent %d requests beyond discovery, want at most GET /openapi/v3: %v", tc.name, len(sent), opsShort(sent))
		}
	}

	// Correct names still resolve: short ones, and those outside
	// group-versions.
	opsCall(t, ctx, c, "listNamespacedConfigMap", kobj.Args{"namespace": ns}, http.StatusOK)
	if resp := opsCall(t, ctx, c, "getCodeVersion", nil, http.StatusOK); !strings.Contains(string(resp.Body), "gitVersion") {
		t.Errorf("getCodeVersion answered %s", resp.Body)
	}
	opsCall(t, ctx, c, "getServiceAccountIssuerOpenIDConfiguration", nil, http.StatusOK)
	opsCall(t, ctx, c, "getAppsAPIGroup", nil, http.StatusOK)
	opsUnknownWith(t, ctx, c, log, "outside group-versions", "getCodeVersoin", "getCodeVersion", nil)
}
