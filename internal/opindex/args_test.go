package opindex

import (
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/validation/path"
	"k8s.io/apimachinery/pkg/types"
)

// segment stands for the root's validSegment: client-go's check of a
// path segment.
func segment(field, value string) error {
	if msgs := path.IsValidPathSegmentName(value); value != "" && len(msgs) > 0 {
		return fmt.Errorf("invalid %s %q: %s", field, value, strings.Join(msgs, "; "))
	}
	return nil
}

// warmIndex returns an index with the core/v1 document loaded.
func warmIndex(t *testing.T) *testClient {
	t.Helper()
	c := newOpsServer(t).client("")
	opsResolve(t, c, "createCoreV1NamespacedPod", "")
	return c
}

// prepare checks and places args as the root's prepare does, body aside.
func prepare(t *testing.T, c *testClient, name string, args map[string]any) (string, string, error) {
	t.Helper()
	op := opsResolve(t, c, name, "")
	values, lists := map[string]string{}, map[string][]string{}
	if err := Values(op, args, values, lists); err != nil {
		return "", "", err
	}
	p, q, err := Place(op, values, lists, segment)
	if err != nil {
		return "", "", err
	}
	return p, q.Encode(), nil
}

// TestRepeatedQueryParameters checks the arguments the server takes
// repeated although the OpenAPI documents type them as single values:
// exec's command (argv) and port-forward's ports.
func TestRepeatedQueryParameters(t *testing.T) {
	c := warmIndex(t)
	tests := []struct {
		name    string
		op      string
		args    map[string]any
		query   string // the encoded query, when the arguments are valid
		wantErr string
	}{
		{"exec argv", "connectCoreV1PostNamespacedPodExec", map[string]any{"command": []string{"ls", "-l"}, "stdout": true},
			"command=ls&command=-l&stdout=true", ""},
		{"exec one string", "connectCoreV1PostNamespacedPodExec", map[string]any{"command": "ls"}, "command=ls", ""},
		{"exec list of any", "connectCoreV1GetNamespacedPodExec", map[string]any{"command": []any{"sh", "-c", "echo a b"}}, "command=sh&command=-c&command=echo+a+b", ""},
		{"port-forward ports", "connectCoreV1GetNamespacedPodPortforward", map[string]any{"ports": []int{80, 443}}, "ports=80&ports=443", ""},
		{"port-forward one port", "connectCoreV1PostNamespacedPodPortforward", map[string]any{"ports": 8080}, "ports=8080", ""},
		{"port-forward ports as uint16", "connectCoreV1PostNamespacedPodPortforward", map[string]any{"ports": []uint16{1, 2}}, "ports=1&ports=2", ""},
		{"exec argv of numbers", "connectCoreV1PostNamespacedPodExec", map[string]any{"command": []int{1}}, "", "item 0: want a string"},
		{"ports as strings", "connectCoreV1GetNamespacedPodPortforward", map[string]any{"ports": []string{"80"}}, "", "item 0: want an integer"},
		{"ports as bytes", "connectCoreV1GetNamespacedPodPortforward", map[string]any{"ports": []byte{80}}, "", "want a list of integers"},
		{"a list where one value is taken", "connectCoreV1PostNamespacedPodExec", map[string]any{"container": []string{"a", "b"}}, "", "want a string"},
		{"a list elsewhere", "listCoreV1NamespacedPod", map[string]any{"labelSelector": []string{"a"}}, "", "want a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := map[string]any{"namespace": "ns"}
			if !strings.HasPrefix(tt.op, "list") {
				args["name"] = "p"
			}
			for k, v := range tt.args {
				args[k] = v
			}
			_, query, err := prepare(t, c, tt.op, args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if query != tt.query {
				t.Errorf("query = %q, want %q", query, tt.query)
			}
		})
	}
}

// TestValuesAndPlace: the path and query of valid arguments, and the
// error of each kind of bad one.
func TestValuesAndPlace(t *testing.T) {
	c := warmIndex(t)
	tests := []struct {
		name, op    string
		args        map[string]any
		path, query string
		wantErr     string
	}{
		{"query parameters", "listCoreV1NamespacedPod", map[string]any{"namespace": "ns", "labelSelector": "app=web", "limit": 5, "allowWatchBookmarks": false},
			"/api/v1/namespaces/ns/pods", "allowWatchBookmarks=false&labelSelector=app%3Dweb&limit=5", ""},
		{"the body is not a parameter", "createCoreV1NamespacedPod", map[string]any{"namespace": "ns", "body": "{}"},
			"/api/v1/namespaces/ns/pods", "", ""},
		{"path parameters are escaped", "readCoreV1Namespace", map[string]any{"name": "a b?c"}, "/api/v1/namespaces/a%20b%3Fc", "", ""},
		{"a proxy's path is a path", "connectCoreV1GetNamespacedPodProxyWithPath", map[string]any{"namespace": "ns", "name": "p", "path": "/metrics/a b"},
			"/api/v1/namespaces/ns/pods/p/proxy/metrics/a%20b", "", ""},
		{"a proxy's path may not climb", "connectCoreV1GetNamespacedPodProxyWithPath", map[string]any{"namespace": "ns", "name": "p", "path": "a/../b"},
			"", "", `invalid path "a/../b": it may not contain ".."`},
		{"unknown parameter", "listCoreV1NamespacedPod", map[string]any{"namespace": "ns", "labelselector": "a=b"},
			"", "", `unknown parameter "labelselector" (did you mean "labelSelector"?); its parameters are namespace, `},
		{"unknown parameter of an operation with a body", "createCoreV1NamespacedPod", map[string]any{"namespace": "ns", "bdy": "{}"},
			"", "", `(did you mean "body"?)`},
		{"missing required parameter", "listCoreV1NamespacedPod", nil, "", "", `missing required path parameter "namespace"`},
		{"wrong type", "listCoreV1NamespacedPod", map[string]any{"namespace": "ns", "limit": "ten"}, "", "", `parameter "limit": want an integer, got string ten`},
		{"wrong type bool", "listCoreV1NamespacedPod", map[string]any{"namespace": "ns", "allowWatchBookmarks": "yes"}, "", "", "want a bool"},
		{"a path parameter client-go would refuse", "readCoreV1Namespace", map[string]any{"name": "a/b"}, "", "", "may not contain '/'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, query, err := prepare(t, c, tt.op, tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || path != tt.path || query != tt.query {
				t.Errorf("got %q ? %q, %v; want %q ? %q", path, query, err, tt.path, tt.query)
			}
		})
	}
}

func TestContentType(t *testing.T) {
	c := warmIndex(t)
	patch := opsResolve(t, c, "patchCoreV1NamespacedPod", "")
	create := opsResolve(t, c, "createCoreV1NamespacedPod", "")
	tests := []struct {
		name    string
		op      *Operation
		pt      types.PatchType
		data    string
		want    string
		wantErr string
	}{
		{"a body", create, "", `{"kind":"Pod"}`, "application/json", ""},
		{"a merge patch by default", patch, "", `{}`, "application/merge-patch+json", ""},
		{"a JSON patch", patch, types.JSONPatchType, `[{"op":"remove","path":"/a"}]`, "application/json-patch+json", ""},
		{"an apply patch may be YAML", patch, types.ApplyYAMLPatchType, "kind: Pod\n", "application/apply-patch+yaml", ""},
		{"a patch type the operation does not accept", patch, "application/yaml", `{}`, "", "patch type application/yaml is not accepted; the server accepts application/apply-patch+yaml, "},
		{"a patch type on no patch", create, types.MergePatchType, `{}`, "", "PatchAs given, but this is not a patch operation"},
		{"not JSON", create, "", `{nope`, "", "the body is not valid JSON"},
		{"a JSON patch that is not a list", patch, types.JSONPatchType, `{}`, "", "a JSON patch body must be a list of operations"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ContentType(tt.op, tt.pt, []byte(tt.data))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestNotForCall: each streaming operation is refused, naming what runs it.
func TestNotForCall(t *testing.T) {
	c := warmIndex(t)
	tests := []struct {
		op   string
		args map[string]any
		want string // "" for an operation Call runs
	}{
		{"watchCoreV1NamespacedPodList", nil, "is a watch, which Call cannot return: use Watch"},
		{"listCoreV1NamespacedPod", map[string]any{"watch": true}, "watch=true streams events, which Call cannot return: use Watch"},
		{"readCoreV1NamespacedPodLog", map[string]any{"follow": true}, "follow=true streams its answer, which Call would read whole: use CallStream"},
		{"connectCoreV1GetNamespacedPodProxy", nil, "streams its answer (connect), which Call would read whole: use CallStream"},
		{"connectCoreV1GetNamespacedPodExec", nil, "needs an upgraded (WebSocket or SPDY) connection: use Object.Exec"},
		{"connectCoreV1PostNamespacedPodAttach", nil, "use client-go's remotecommand"},
		{"connectCoreV1GetNamespacedPodPortforward", nil, "needs an upgraded (WebSocket or SPDY) connection: use Object.PortForward"},
		{"listCoreV1NamespacedPod", map[string]any{"watch": false}, ""},
		{"readCoreV1NamespacedPodLog", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			err := NotForCall(opsResolve(t, c, tt.op, ""), tt.args)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestResourceOf(t *testing.T) {
	for path, want := range map[string]string{
		"/api/v1/namespaces/{namespace}/pods/{name}":                    "pods",
		"/api/v1/namespaces/{namespace}/pods/{name}/exec":               "pods",
		"/api/v1/namespaces/{namespace}/pods":                           "pods",
		"/apis/apps/v1/deployments":                                     "deployments",
		"/api/v1/namespaces/{name}":                                     "namespaces",
		"/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale": "deployments",
		"/api/v1/":       "",
		"/apis/apps/v1/": "",
		"/version/":      "",
		"/apis/":         "",
		"/api/v1/namespaces/{namespace}/pods/{name}/proxy/{path}": "pods",
	} {
		if got := ResourceOf(path); got != want {
			t.Errorf("ResourceOf(%q) = %q, want %q", path, got, want)
		}
	}
}

// TestParamNames: the body counts as a name where the operation takes one.
func TestParamNames(t *testing.T) {
	c := warmIndex(t)
	op := opsResolve(t, c, "createCoreV1NamespacedPod", "")
	if got := strings.Join(ParamNames(op), " "); got != "namespace dryRun fieldManager fieldValidation pretty body" {
		t.Errorf("ParamNames = %q", got)
	}
	if p := Param(op, "dryRun"); p == nil || p.In != "query" {
		t.Errorf("Param(dryRun) = %+v", p)
	}
	if p := Param(op, "nope"); p != nil {
		t.Errorf("Param(nope) = %+v", p)
	}
}
