package openapi

import (
	"slices"
	"strings"
	"testing"

	"github.com/kobj-dev/kobj/internal/testcorpus"
)

// The documents under the root package's testdata/openapi were fetched from
// a kube-apiserver v1.37.2 with a CRD widgets.stable.example.com/v1.
func testdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := testcorpus.OpenAPI(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseRoot(t *testing.T) {
	refs, err := ParseRoot(testdata(t, "root.json"))
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	byKey := map[string]DocRef{}
	for _, r := range refs {
		keys = append(keys, r.Key)
		byKey[r.Key] = r
	}
	if !slices.IsSorted(keys) || len(keys) != 10 {
		t.Errorf("keys = %q, want the 10 documents sorted", keys)
	}
	for _, want := range []DocRef{
		{Key: "api/v1", Path: "/openapi/v3/api/v1", Version: "v1", GroupVersion: "v1", Token: "CoreV1"},
		{Key: "apis/apps/v1", Path: "/openapi/v3/apis/apps/v1", Group: "apps", Version: "v1", GroupVersion: "apps/v1", Token: "AppsV1"},
		{Key: "apis/stable.example.com/v1", Path: "/openapi/v3/apis/stable.example.com/v1", Group: "stable.example.com", Version: "v1", GroupVersion: "stable.example.com/v1", Token: "StableExampleComV1"},
		{Key: "apis/apps", Path: "/openapi/v3/apis/apps", Token: "Apps"},
		{Key: "version", Path: "/openapi/v3/version"},
	} {
		got := byKey[want.Key]
		if len(got.Hash) != 128 {
			t.Errorf("%s: hash %q", want.Key, got.Hash)
		}
		got.Hash = ""
		if got != want {
			t.Errorf("%s: %+v, want %+v", want.Key, got, want)
		}
	}

	for _, tc := range []struct{ name, data, want string }{
		{"not JSON", `{"paths": {`, "invalid JSON at line 1, column 12"},
		{"no paths", `{"openapi": "3.0.0"}`, `no "paths"`},
		{"a URL of the wrong type", `{"paths": {"api/v1": {"serverRelativeURL": 7}}}`, `paths["api/v1"].serverRelativeURL`},
	} {
		if _, err := ParseRoot([]byte(tc.data)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one that says %q", tc.name, err, tc.want)
		}
	}
	refs, err = ParseRoot([]byte(`{"paths": {"bad": {"serverRelativeURL": "%zz"}, "version": {"serverRelativeURL": "/openapi/v3/version"}}}`))
	if err != nil || len(refs) != 1 || refs[0].Key != "version" || refs[0].Hash != "" {
		t.Errorf("an entry with a bad URL: %+v, %v; want it left out", refs, err)
	}
}

func TestNames(t *testing.T) {
	for key, want := range map[string]string{
		"api/v1": "CoreV1", "api": "Core", "apis": "", "version": "", "apis/apps": "Apps",
		"apis/rbac.authorization.k8s.io/v1": "RbacAuthorizationV1", "apis/stable.example.com/v1": "StableExampleComV1",
		"apis/flowcontrol.apiserver.k8s.io/v1beta3": "FlowcontrolApiserverV1beta3", "apis/cert-manager.io/v1": "CertManagerIoV1",
		".well-known/openid-configuration": "", "openid/v1/jwks": "", "apis/x9.example.com/v2alpha1": "X9ExampleComV2alpha1",
	} {
		if got := Token(key); got != want {
			t.Errorf("Token(%q) = %q, want %q", key, got, want)
		}
	}
	for _, tc := range []struct{ name, verb, rest string }{
		{"createCoreV1NamespacedPod", "create", "CoreV1NamespacedPod"},
		{"getCodeVersion", "get", "CodeVersion"},
		{"list", "list", ""},
		{"", "", ""},
	} {
		if verb, rest := SplitVerb(tc.name); verb != tc.verb || rest != tc.rest {
			t.Errorf("SplitVerb(%q) = %q, %q", tc.name, verb, rest)
		}
	}
	core := DocRef{Key: "api/v1", GroupVersion: "v1", Version: "v1", Token: "CoreV1"}
	group := DocRef{Key: "apis/apps", Token: "Apps"}
	for _, tc := range []struct {
		ref      DocRef
		id, want string
	}{
		{core, "createCoreV1NamespacedPod", "createNamespacedPod"},
		{core, "deleteCoreV1CollectionNamespacedPod", "deleteCollectionNamespacedPod"},
		{core, "getCoreV1", "getCoreV1"},         // nothing would be left
		{core, "getOtherThing", "getOtherThing"}, // no token
		{group, "getAppsAPIGroup", "getAppsAPIGroup"},
	} {
		if got := tc.ref.ShortID(tc.id); got != tc.want {
			t.Errorf("%s: ShortID(%q) = %q, want %q", tc.ref.Key, tc.id, got, tc.want)
		}
	}
}

// Every saved document parses, each operation once, sorted, named with the
// document's token.
func TestParseDocumentSaved(t *testing.T) {
	refs, err := ParseRoot(testdata(t, "root.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range refs {
		ops, err := ParseDocument(testdata(t, strings.ReplaceAll(r.Key, "/", "_")+".json.gz"), r)
		if err != nil {
			t.Fatalf("%s: %v", r.Key, err)
		}
		if len(ops) == 0 || !slices.IsSortedFunc(ops, func(a, b Operation) int { return strings.Compare(a.ID, b.ID) }) {
			t.Errorf("%s: %d operations, sorted %v", r.Key, len(ops), slices.IsSortedFunc(ops, func(a, b Operation) int { return strings.Compare(a.ID, b.ID) }))
		}
		for i, op := range ops {
			if i > 0 && ops[i-1].ID == op.ID {
				t.Errorf("%s: %s twice", r.Key, op.ID)
			}
			if _, rest := SplitVerb(op.ID); !strings.HasPrefix(rest, r.Token) || op.Method == "" || !strings.HasPrefix(op.Path, "/") {
				t.Errorf("%s: %+v", r.Key, op)
			}
		}
	}
}

// find returns the operation called id, failing the test when there is none.
func find(t *testing.T, ops []Operation, id string) Operation {
	t.Helper()
	i := slices.IndexFunc(ops, func(op Operation) bool { return op.ID == id })
	if i < 0 {
		t.Fatalf("no operation %s", id)
	}
	return ops[i]
}

func TestParseDocumentCoreV1(t *testing.T) {
	ops, err := ParseDocument(testdata(t, "api_v1.json.gz"), DocRef{Key: "api/v1", Version: "v1", GroupVersion: "v1", Token: "CoreV1"})
	if err != nil {
		t.Fatal(err)
	}
	patchTypes := []string{"application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"}
	for _, tc := range []struct {
		id                         string
		method, action, kind, resp string
		streaming                  bool
		body                       *Body // nil: none
		firstParams                []string
	}{
		{"createCoreV1NamespacedPod", "POST", "post", "Pod", "Pod", false,
			&Body{Required: true, ContentTypes: []string{"*/*"}, Kind: "Pod", GroupVersion: "v1"}, []string{"namespace", "dryRun"}},
		{"readCoreV1NamespacedPod", "GET", "get", "Pod", "Pod", false, nil, []string{"namespace", "name", "pretty"}},
		{"listCoreV1NamespacedPod", "GET", "list", "Pod", "PodList", false, nil, []string{"namespace", "allowWatchBookmarks"}},
		{"patchCoreV1NamespacedPod", "PATCH", "patch", "Pod", "Pod", false,
			&Body{Required: true, ContentTypes: patchTypes, Kind: "Patch"}, []string{"namespace", "name"}},
		{"deleteCoreV1CollectionNamespacedPod", "DELETE", "deletecollection", "Pod", "Status", false,
			&Body{ContentTypes: []string{"*/*"}, Kind: "DeleteOptions", GroupVersion: "v1"}, []string{"namespace"}},
		{"createCoreV1NamespacedPodEviction", "POST", "post", "Eviction", "Eviction", false,
			&Body{Required: true, ContentTypes: []string{"*/*"}, Kind: "Eviction", GroupVersion: "policy/v1"}, []string{"namespace", "name"}},
		{"watchCoreV1NamespacedPodList", "GET", "watchlist", "Pod", "WatchEvent", true, nil, []string{"namespace"}},
		{"connectCoreV1GetNamespacedPodExec", "GET", "connect", "PodExecOptions", "", true, nil, []string{"namespace", "name"}},
		{"readCoreV1NamespacedPodLog", "GET", "get", "Pod", "", false, nil, []string{"namespace", "name", "container"}},
	} {
		op := find(t, ops, tc.id)
		if op.Method != tc.method || op.Action != tc.action || op.Kind != tc.kind || op.ResponseKind != tc.resp || op.Streaming != tc.streaming {
			t.Errorf("%s: method %s action %s kind %s response %s streaming %v", tc.id, op.Method, op.Action, op.Kind, op.ResponseKind, op.Streaming)
		}
		if (op.Body == nil) != (tc.body == nil) || op.Body != nil && (op.Body.Required != tc.body.Required || op.Body.Kind != tc.body.Kind ||
			op.Body.GroupVersion != tc.body.GroupVersion || !slices.Equal(op.Body.ContentTypes, tc.body.ContentTypes)) {
			t.Errorf("%s: body %+v, want %+v", tc.id, op.Body, tc.body)
		}
		var names []string
		for _, p := range op.Params {
			names = append(names, p.Name)
			if p.Description == "" || p.Type == "" || p.In == "path" && !p.Required {
				t.Errorf("%s: parameter %+v", tc.id, p)
			}
		}
		if len(names) < len(tc.firstParams) || !slices.Equal(names[:len(tc.firstParams)], tc.firstParams) {
			t.Errorf("%s: parameters %q, want them to start with %q", tc.id, names, tc.firstParams)
		}
	}
	if op := find(t, ops, "listCoreV1NamespacedPod"); op.Description != "list or watch objects of kind Pod" {
		t.Errorf("description %q", op.Description)
	}
}

// A small document that has each case the index handles.
const smallDoc = `{
  "openapi": "3.0.0",
  "paths": {
    "/apis/g.example.com/v1/namespaces/{namespace}/things/{name}": {
      "parameters": [
        {"name": "name", "in": "path", "description": "shared name", "schema": {"type": "string"}},
        {"name": "namespace", "in": "path", "schema": {"type": "string"}},
        {"name": "pretty", "in": "query", "description": "shared pretty", "schema": {"type": "string"}}
      ],
      "get": {
        "operationId": "readGExampleComV1NamespacedThing",
        "description": "read a Thing",
        "parameters": [{"name": "pretty", "in": "query", "description": "own pretty", "required": true, "schema": {"type": "boolean"}}],
        "responses": {"200": {"content": {"application/yaml": {"schema": {"$ref": "#/components/schemas/Status"}},
                                          "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}},
        "x-kubernetes-action": "get",
        "x-kubernetes-group-version-kind": {"group": "g.example.com", "version": "v1", "kind": "Thing"}
      },
      "patch": {
        "operationId": "patchGExampleComV1NamespacedThing",
        "requestBody": {"required": true, "content": {
          "application/merge-patch+json": {"schema": {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch"}},
          "application/json-patch+json": {"schema": {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch"}}}},
        "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}},
        "x-kubernetes-action": "patch"
      },
      "delete": {
        "operationId": "deleteGExampleComV1NamespacedThing",
        "requestBody": {"content": {"*/*": {"schema": {"$ref": "#/components/schemas/DeleteOptions"}}}},
        "responses": {"202": {}, "201": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}}}},
        "x-kubernetes-action": "delete"
      },
      "put": {"description": "no operationId: left out"}
    },
    "/apis/g.example.com/v1/watch/things": {
      "get": {"operationId": "watchGExampleComV1ThingList", "x-kubernetes-action": "watchlist",
              "parameters": [{"name": "watch", "in": "query"}, {"name": "allowWatchBookmarks", "in": "query", "schema": {"type": "boolean"}}]},
      "post": {"operationId": "readGExampleComV1NamespacedThing", "description": "a second operation with the id: left out"}
    },
    "/apis/g.example.com/v1/proxy/{path}": {
      "head": {"operationId": "connectGExampleComV1HeadProxy", "x-kubernetes-action": "proxy",
               "parameters": [{"name": "path", "in": "path"}, {"name": "x", "in": "header"}]}
    },
    "/gone": null
  },
  "components": {"schemas": {
    "Thing": {"type": "object", "x-kubernetes-group-version-kind": [{"group": "g.example.com", "version": "v1", "kind": "Thing"}],
              "properties": {"spec": {"description": "x-kubernetes-group-version-kind is only a word here"}}},
    "DeleteOptions": {"x-kubernetes-group-version-kind": [
      {"group": "other.example.com", "version": "v1", "kind": "DeleteOptions"},
      {"group": "g.example.com", "version": "v1", "kind": "DeleteOptions"}]},
    "Status": {"x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "Status"}]}
  }}
}`

func TestParseDocumentSmall(t *testing.T) {
	ops, err := ParseDocument([]byte(smallDoc), DocRef{Key: "apis/g.example.com/v1", Group: "g.example.com", Version: "v1", GroupVersion: "g.example.com/v1", Token: "GExampleComV1"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, op := range ops {
		ids = append(ids, op.ID)
	}
	if want := []string{"connectGExampleComV1HeadProxy", "deleteGExampleComV1NamespacedThing", "patchGExampleComV1NamespacedThing",
		"readGExampleComV1NamespacedThing", "watchGExampleComV1ThingList"}; !slices.Equal(ids, want) {
		t.Fatalf("ids = %q, want %q", ids, want)
	}
	read := find(t, ops, "readGExampleComV1NamespacedThing")
	wantParams := []Parameter{
		{Name: "namespace", In: "path", Required: true, Type: "string"},
		{Name: "name", In: "path", Required: true, Type: "string", Description: "shared name"},
		{Name: "pretty", In: "query", Required: true, Type: "boolean", Description: "own pretty"}, // the operation's wins
	}
	if !slices.Equal(read.Params, wantParams) || read.Method != "GET" || read.Description != "read a Thing" ||
		read.Kind != "Thing" || read.ResponseKind != "Thing" || read.Body != nil || read.Streaming {
		t.Errorf("read: %+v", read)
	}
	if patch := find(t, ops, "patchGExampleComV1NamespacedThing"); patch.Body == nil || patch.Body.Kind != "Patch" || patch.Body.GroupVersion != "" ||
		!slices.Equal(patch.Body.ContentTypes, []string{"application/json-patch+json", "application/merge-patch+json"}) ||
		len(patch.Params) != 3 || patch.Params[2].Description != "shared pretty" || patch.Kind != "" {
		t.Errorf("patch: %+v body %+v", patch, patch.Body)
	}
	if del := find(t, ops, "deleteGExampleComV1NamespacedThing"); del.Body == nil || del.Body.Required ||
		del.Body.Kind != "DeleteOptions" || del.Body.GroupVersion != "g.example.com/v1" || del.ResponseKind != "Status" {
		t.Errorf("delete: %+v body %+v (want the document's own DeleteOptions, and the 201's kind)", del, del.Body)
	}
	watch := find(t, ops, "watchGExampleComV1ThingList")
	if !watch.Streaming || watch.Params[0].Name != "allowWatchBookmarks" || watch.Params[0].Type != "boolean" || watch.Params[1].Type != "string" {
		t.Errorf("watch: %+v", watch)
	}
	proxy := find(t, ops, "connectGExampleComV1HeadProxy")
	if !proxy.Streaming || proxy.Method != "HEAD" || len(proxy.Params) != 2 || proxy.Params[0].Name != "path" || proxy.Params[1].In != "header" {
		t.Errorf("proxy: %+v", proxy)
	}
}

// A malformed document fails, and the error says where and what is wrong.
func TestParseDocumentMalformed(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"cut short", `{"paths": {"/a": {"get": {`, "invalid JSON at line 1, column 27: unexpected end of JSON input"},
		{"empty", ``, "invalid JSON at line 1, column 1"},
		{"text after the document", `{"paths": {}} {}`, "invalid JSON at line 1, column 15"},
		{"a stray comma", "{\"paths\": {\n  \"/a\": {\"get\": {\"operationId\": \"x\",}}}}", "invalid JSON at line 2, column 37"},
		{"not an object", `[]`, "the document at line 1, column 2 is a JSON array, want an object"},
		{"paths of the wrong type", `{"paths": ["a"]}`, "paths at line 1, column 12 is a JSON array, want an object"},
		{"an operationId that is a number", `{"paths": {"/a": {"get": {"operationId": 1}}}}`,
			`paths["/a"].get.operationId at line 1, column 43 is a JSON number, want a string`},
		{"a parameter that is a string", `{"paths": {"/a": {"get": {"operationId": "x", "parameters": ["name"]}}}}`,
			`paths["/a"].get.parameters[0] at line 1, column 68 is a JSON string, want an object`},
		{"a required that is a string", `{"paths": {"/a": {"parameters": [{"name": "n"}, {"name": "m", "required": "yes"}]}}}`,
			`paths["/a"].parameters[1].required at line 1, column 80 is a JSON string, want a boolean`},
		{"schema kinds that are an object", `{"paths": {}, "components": {"schemas": {"S": {"x-kubernetes-group-version-kind": {"kind": "K"}}}}}`,
			`components.schemas.S.x-kubernetes-group-version-kind at line 1, column 84 is a JSON object, want an array`},
	} {
		_, err := ParseDocument([]byte(tc.data), DocRef{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one that says %q", tc.name, err, tc.want)
		}
	}
}
