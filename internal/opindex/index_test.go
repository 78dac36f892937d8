package opindex

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kobj-dev/kobj/internal/openapi"
)

// The index against saved documents of a kube-apiserver v1.37.2 (see
// fixture_test.go): which documents each name costs, cold and warm, and
// what it resolves to.

func TestOpsResolveColdWarm(t *testing.T) {
	s := newOpsServer(t)
	dir := t.TempDir()
	c := s.client(dir)
	op := opsResolve(t, c, "createCoreV1NamespacedPod", "")
	wantRequests(t, s, "/openapi/v3", "/openapi/v3/api/v1")
	if op.ID != "createCoreV1NamespacedPod" || op.ShortID != "createNamespacedPod" || op.GroupVersion != "v1" ||
		op.Group != "" || op.Version != "v1" || op.Kind != "Pod" || op.Action != "post" || op.Method != "POST" ||
		op.Path != "/api/v1/namespaces/{namespace}/pods" || op.ResponseKind != "Pod" || op.Streaming ||
		op.Description != "create a Pod" {
		t.Errorf("op = %+v", op)
	}
	if again := opsResolve(t, c, "createCoreV1NamespacedPod", ""); again != op {
		t.Error("a second resolve gave another Operation")
	}
	opsResolve(t, c, "createNamespacedPod", "v1")
	opsResolve(t, c, "readCoreV1NamespacedPodLog", "")
	wantRequests(t, s)

	// A new process on the same cache folder asks nothing.
	c2 := s.client(dir)
	if op := opsResolve(t, c2, "deleteCoreV1NamespacedPod", ""); op.Method != "DELETE" {
		t.Errorf("op = %+v", op)
	}
	wantRequests(t, s)

	// Files: the root and the document under its hash, private.
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names = append(names, e.Name())
		if info, err := e.Info(); err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, %v", e.Name(), info.Mode(), err)
		}
	}
	if len(names) != 2 || !slices.Contains(names, rootFile) {
		t.Errorf("cache files = %q", names)
	}
}

func TestOpsNamesOutsideGroupVersions(t *testing.T) {
	s := newOpsServer(t)
	c := s.client(t.TempDir())
	for name, path := range map[string]string{
		"getCodeVersion":     "/version/",
		"getAPIVersions":     "/apis/",
		"getCoreAPIVersions": "/api/",
		"getAppsAPIGroup":    "/apis/apps/",
	} {
		op := opsResolve(t, c, name, "")
		if op.ID != name || op.ShortID != name || op.GroupVersion != "" || op.Path != path || op.Method != "GET" {
			t.Errorf("%s: %+v", name, op)
		}
	}
}

func TestOpsShortNames(t *testing.T) {
	s := newOpsServer(t)
	c := s.client(t.TempDir())
	if op := opsResolve(t, c, "createNamespacedPod", "v1"); op.ID != "createCoreV1NamespacedPod" {
		t.Errorf("createNamespacedPod → %s", op.ID)
	}
	wantRequests(t, s, "/openapi/v3", "/openapi/v3/api/v1")

	// Without apiVersion, discovery says which group-versions serve the kind.
	if op := opsResolve(t, c, "listDeploymentForAllNamespaces", ""); op.ID != "listAppsV1DeploymentForAllNamespaces" || op.Kind != "Deployment" || op.ResponseKind != "DeploymentList" {
		t.Errorf("listDeploymentForAllNamespaces → %+v", op)
	}
	wantRequests(t, s, "/api", "/apis", "/openapi/v3/apis/apps/v1")
	if op := opsResolve(t, c, "replaceNamespacedDeploymentScale", ""); op.ID != "replaceAppsV1NamespacedDeploymentScale" || op.Body.Kind != "Scale" || op.Body.GroupVersion != "autoscaling/v1" {
		t.Errorf("replaceNamespacedDeploymentScale → %+v %+v", op, op.Body)
	}
	if op := opsResolve(t, c, "createNamespacedPodEviction", ""); op.ID != "createCoreV1NamespacedPodEviction" || op.Body.Kind != "Eviction" || op.Body.GroupVersion != "policy/v1" {
		t.Errorf("createNamespacedPodEviction → %+v %+v", op, op.Body)
	}
	if op := opsResolve(t, c, "watchNamespacedPodList", ""); op.ID != "watchCoreV1NamespacedPodList" || !op.Streaming || op.Action != "watchlist" {
		t.Errorf("watchNamespacedPodList → %+v", op)
	}
	if op := opsResolve(t, c, "connectGetNamespacedPodExec", ""); !op.Streaming || op.Action != "connect" {
		t.Errorf("connectGetNamespacedPodExec → %+v", op)
	}
	// Custom resources: the group's dots are dropped, and camel case.
	if op := opsResolve(t, c, "createNamespacedWidget", ""); op.ID != "createStableExampleComV1NamespacedWidget" || op.GroupVersion != "stable.example.com/v1" || op.Group != "stable.example.com" || op.Body.Kind != "Widget" {
		t.Errorf("createNamespacedWidget → %+v", op)
	}
	wantRequests(t, s, "/openapi/v3/apis/stable.example.com/v1")

	// One short name, two group-versions.
	if op := opsResolve(t, c, "createNamespacedHorizontalPodAutoscaler", "autoscaling/v2"); op.ID != "createAutoscalingV2NamespacedHorizontalPodAutoscaler" {
		t.Errorf("with autoscaling/v2 → %s", op.ID)
	}
	if op := opsResolve(t, c, "createNamespacedHorizontalPodAutoscaler", "autoscaling/v1"); op.ID != "createAutoscalingV1NamespacedHorizontalPodAutoscaler" {
		t.Errorf("with autoscaling/v1 → %s", op.ID)
	}
	_, err := c.ops.Resolve(context.Background(), "createNamespacedHorizontalPodAutoscaler", "")
	var amb *AmbiguousOperationError
	if !errors.As(err, &amb) || !slices.Equal(amb.Candidates, []string{
		"createAutoscalingV1NamespacedHorizontalPodAutoscaler", "createAutoscalingV2NamespacedHorizontalPodAutoscaler"}) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range amb.Candidates {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not name %s", err, want)
		}
	}
}

func TestOpsUnknownName(t *testing.T) {
	s := newOpsServer(t)
	c := s.client(t.TempDir())
	for name, want := range map[string]string{
		"createNamespacedPood":       "createNamespacedPod",
		"createCoreV1NamespacedPood": "createCoreV1NamespacedPod",
		"lsitNamespacedDeployment":   "listNamespacedDeployment",
		"":                           "",
	} {
		_, err := c.ops.Resolve(context.Background(), name, "")
		var unknown *UnknownOperationError
		if want == "" {
			if !errors.As(err, &unknown) || len(unknown.Suggestions) != 0 {
				t.Errorf("empty name: err = %v", err)
			}
		} else if !errors.As(err, &unknown) || unknown.Name != name || len(unknown.Suggestions) == 0 || unknown.Suggestions[0] != want {
			t.Errorf("%s: err = %v", name, err)
		} else if len(unknown.Suggestions) > 5 || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestOpsRootRefetchedOnMiss(t *testing.T) {
	s := newOpsServer(t, "apis/stable.example.com/v1") // the CRD is not there yet
	dir := t.TempDir()
	old := s.client(dir)
	for _, name := range []string{"createNamespacedPod", "getCodeVersion", "getAPIVersions"} {
		opsResolve(t, old, name, "") // discovery and the small documents on disk
	}
	s.requests()

	s.show("apis/stable.example.com/v1") // the CRD is created
	c := s.client(dir)
	if op := opsResolve(t, c, "createStableExampleComV1NamespacedWidget", ""); op.ShortID != "createNamespacedWidget" {
		t.Errorf("op = %+v", op)
	}
	wantRequests(t, s, "/openapi/v3", "/openapi/v3/apis/stable.example.com/v1")

	// The root fetched during a call is not fetched again for its miss.
	_, err := c.ops.Resolve(context.Background(), "getCoreV1Nothing", "")
	var unknown *UnknownOperationError
	if !errors.As(err, &unknown) {
		t.Fatalf("err = %v", err)
	}
	if n := len(slices.DeleteFunc(s.requests(), func(p string) bool { return p != "/openapi/v3" })); n > 1 {
		t.Errorf("root fetched %d times", n)
	}
}

func TestOpsParameters(t *testing.T) {
	s := newOpsServer(t)
	c := s.client("")
	op := opsResolve(t, c, "createCoreV1NamespacedPod", "")
	type p struct {
		name, in, typ string
		required      bool
	}
	var got []p
	for _, x := range op.Params {
		got = append(got, p{x.Name, x.In, x.Type, x.Required})
		if x.Description == "" {
			t.Errorf("%s has no description", x.Name)
		}
	}
	want := []p{{"namespace", "path", "string", true}, {"dryRun", "query", "string", false}, {"fieldManager", "query", "string", false},
		{"fieldValidation", "query", "string", false}, {"pretty", "query", "string", false}}
	if !slices.Equal(got, want) {
		t.Errorf("params = %v, want %v", got, want)
	}
	if b := op.Body; b == nil || !b.Required || b.Kind != "Pod" || b.GroupVersion != "v1" || !slices.Equal(b.ContentTypes, []string{"*/*"}) {
		t.Errorf("body = %+v", op.Body)
	}

	op = opsResolve(t, c, "readCoreV1NamespacedPod", "")
	if len(op.Params) < 2 || op.Params[0].Name != "namespace" || op.Params[1].Name != "name" || op.Body != nil {
		t.Errorf("read params = %+v body %+v", op.Params, op.Body)
	}
	op = opsResolve(t, c, "patchCoreV1NamespacedPod", "")
	want2 := []string{"application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"}
	if b := op.Body; b == nil || b.Kind != "Patch" || b.GroupVersion != "" || !slices.Equal(b.ContentTypes, want2) {
		t.Errorf("patch body = %+v", op.Body)
	}
	op = opsResolve(t, c, "listCoreV1NamespacedPod", "")
	var limit *Parameter
	for i := range op.Params {
		if op.Params[i].Name == "limit" {
			limit = &op.Params[i]
		}
	}
	if limit == nil || limit.Type != "integer" || op.ResponseKind != "PodList" || op.Streaming {
		t.Errorf("list: limit %+v, %+v", limit, op)
	}
	op = opsResolve(t, c, "deleteCoreV1CollectionNamespacedPod", "")
	if op.ShortID != "deleteCollectionNamespacedPod" || op.Action != "deletecollection" || op.Body == nil || op.Body.Kind != "DeleteOptions" || op.Body.GroupVersion != "v1" {
		t.Errorf("deletecollection: %+v %+v", op, op.Body)
	}
}

func TestOpsConcurrentColdResolves(t *testing.T) {
	s := newOpsServer(t)
	c := s.client(t.TempDir())
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, err := c.ops.Resolve(context.Background(), "createCoreV1NamespacedPod", ""); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	wantRequests(t, s, "/openapi/v3", "/openapi/v3/api/v1")
}

func TestOpsWaitHonoursContext(t *testing.T) {
	s := newOpsServer(t)
	c := s.client("")
	if _, err := c.ops.root.Get(context.Background(), false, 0); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	s.Hold(release)
	loaded := make(chan error, 1)
	go func() {
		_, err := c.ops.Resolve(context.Background(), "createCoreV1NamespacedPod", "")
		loaded <- err
	}()
	for len(s.requests()) == 0 {
		time.Sleep(time.Millisecond) // wait until the loader is at the server
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.ops.Resolve(ctx, "createCoreV1NamespacedPod", ""); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiter: err = %v", err)
	}
	close(release)
	if err := <-loaded; err != nil {
		t.Errorf("loader: %v", err)
	}
}

func TestOpsOperations(t *testing.T) {
	s := newOpsServer(t)
	c := s.client("")
	ops, err := c.ops.Operations(context.Background(), "apps/v1")
	if err != nil {
		t.Fatal(err)
	}
	wantRequests(t, s, "/openapi/v3", "/openapi/v3/apis/apps/v1")
	if len(ops) < 50 || !slices.IsSortedFunc(ops, func(a, b *Operation) int { return strings.Compare(a.ID, b.ID) }) {
		t.Errorf("%d operations", len(ops))
	}
	for _, op := range ops {
		if op.GroupVersion != "apps/v1" || op.Group != "apps" || op.ShortID == op.ID {
			t.Errorf("%+v", op)
		}
	}
	all, err := c.ops.Operations(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, op := range all {
		if ids[op.ID] {
			t.Errorf("%s twice", op.ID)
		}
		ids[op.ID] = true
	}
	for _, id := range []string{"getCodeVersion", "getAPIVersions", "createCoreV1NamespacedPod", "createAppsV1NamespacedDeployment", "listAutoscalingV2HorizontalPodAutoscalerForAllNamespaces"} {
		if !ids[id] {
			t.Errorf("%s missing", id)
		}
	}
	if _, err := c.ops.Operations(context.Background(), "nope/v1"); err == nil {
		t.Error("no error for an unknown group-version")
	}
}

// Every operation of every saved document: the token computed from the
// document's key is what the real server put in its operationIds, and only
// operations of a group-version have a short name of their own.
func TestOpsTokensMatchServer(t *testing.T) {
	refs, err := openapi.ParseRoot(opsTestdata(t, "root.json"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range refs {
		r := &refs[i]
		records, err := openapi.ParseDocument(opsTestdata(t, strings.ReplaceAll(r.Key, "/", "_")+".json.gz"), *r)
		if err != nil {
			t.Fatal(err)
		}
		d := NewDoc(records, r)
		if len(d.ops) == 0 {
			t.Errorf("%s: no operations", r.Key)
		}
		for _, op := range d.ops {
			if _, rest := openapi.SplitVerb(op.ID); r.Token != "" && !strings.HasPrefix(rest, r.Token) {
				t.Errorf("%s: %s lacks %s", r.Key, op.ID, r.Token)
			}
			if (r.GroupVersion != "") != (op.ShortID != op.ID) {
				t.Errorf("%s: %s → %s", r.Key, op.ID, op.ShortID)
			}
			if op.GroupVersion != r.GroupVersion || d.byID[op.ID] != op || !slices.Contains(d.byShort[op.ShortID], op) {
				t.Errorf("%s: %s is not indexed as it should be: %+v", r.Key, op.ID, op)
			}
		}
	}
}

// BenchmarkResolveWarm is the cost of naming an operation on each call once
// the index is warm: full and short names alike are one map read.
func BenchmarkResolveWarm(b *testing.B) {
	for _, name := range []string{"createCoreV1NamespacedPod", "createNamespacedPod"} {
		b.Run(name, func(b *testing.B) {
			s := newOpsServer(b)
			c := s.client(b.TempDir())
			ctx := context.Background()
			if _, err := c.ops.Resolve(ctx, name, ""); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.ops.Resolve(ctx, name, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A misspelled name fails with its closest match without loading every
// document: with discovery warm, the documents of the kinds the name
// mentions give the suggestions, and the only request is the list of
// documents, fetched again in case the name is a CRD's created a moment ago.
func TestOpsMisspelledNameFailsFast(t *testing.T) {
	s := newOpsServer(t)
	c := s.client(t.TempDir())
	ctx := context.Background()
	if _, err := c.resources(ctx); err != nil {
		t.Fatal(err)
	}
	s.requests()

	// Discovery warm, no document loaded yet: the list of documents, the
	// one document that serves the kind, and those outside group-versions.
	_, err := c.ops.Resolve(ctx, "listNamespacedConfigMapz", "")
	var unknown *UnknownOperationError
	if !errors.As(err, &unknown) || len(unknown.Suggestions) == 0 || unknown.Suggestions[0] != "listNamespacedConfigMap" {
		t.Fatalf("listNamespacedConfigMapz: err = %v, want listNamespacedConfigMap suggested", err)
	}
	wantRequests(t, s, "/openapi/v3", "/openapi/v3/api/v1", "/openapi/v3/apis", "/openapi/v3/version")

	// A second process, whose cache folder has none of those documents:
	// once a name of the kind has been called, a misspelling costs the list
	// of documents at most.
	c = s.client(t.TempDir())
	if _, err := c.resources(ctx); err != nil {
		t.Fatal(err)
	}
	opsResolve(t, c, "listNamespacedPod", "")
	opsResolve(t, c, "createNamespacedDeployment", "") // apps/v1 at hand too
	s.requests()
	for _, tc := range []struct{ name, apiVersion, want string }{
		{"listNamespacedConfigMapz", "", "listNamespacedConfigMap"},
		{"createNamespacedPood", "", "createNamespacedPod"},
		{"createCoreV1NamespacedPood", "", "createCoreV1NamespacedPod"},
		{"lsitNamespacedDeployment", "", "listNamespacedDeployment"},
		{"readNamespacedDeploymnetScale", "", "readNamespacedDeploymentScale"},
		{"patchNamespacedDeploymentt", "apps/v1", "patchNamespacedDeployment"},
		{"createAppsV1NamespacedConfigMap", "", "createCoreV1NamespacedConfigMap"}, // a kind in the wrong group
		{"listnamespacedpod", "", "listNamespacedPod"},
	} {
		_, err := c.ops.Resolve(ctx, tc.name, tc.apiVersion)
		if !errors.As(err, &unknown) || unknown.Name != tc.name || !slices.Contains(unknown.Suggestions, tc.want) {
			t.Errorf("%s: err = %v, want %s suggested", tc.name, err, tc.want)
		}
		if got := s.requests(); len(got) > 1 || len(got) == 1 && got[0] != "/openapi/v3" {
			t.Errorf("%s: %d requests %q, want at most GET /openapi/v3", tc.name, len(got), got)
		}
	}

	// A name near nothing reads the documents outside group-versions,
	// which may have it; names outside group-versions still resolve.
	_, err = c.ops.Resolve(ctx, "nothingLikeAnyOperation", "")
	if !errors.As(err, &unknown) || len(unknown.Suggestions) != 0 {
		t.Errorf("nothingLikeAnyOperation: err = %v, want no suggestion", err)
	}
	wantRequests(t, s, "/openapi/v3", "/openapi/v3/apis", "/openapi/v3/version")
	if op := opsResolve(t, c, "createNamespacedPod", ""); op.ID != "createCoreV1NamespacedPod" {
		t.Errorf("createNamespacedPod → %s", op.ID)
	}
	if op := opsResolve(t, c, "getCodeVersion", ""); op.Path != "/version/" {
		t.Errorf("getCodeVersion → %+v", op)
	}
	_, err = c.ops.Resolve(ctx, "getCodeVersoin", "")
	if !errors.As(err, &unknown) || !slices.Equal(unknown.Suggestions, []string{"getCodeVersion"}) {
		t.Errorf("getCodeVersoin: err = %v, want getCodeVersion suggested", err)
	}
	wantRequests(t, s, "/openapi/v3")

	// A cold process resolves a name outside group-versions too.
	c = s.client(t.TempDir())
	if op := opsResolve(t, c, "getAPIVersions", ""); op.Path != "/apis/" {
		t.Errorf("getAPIVersions → %+v", op)
	}
}

// Which documents a misspelled name makes the index read, by discovery's
// kinds: the best-matching kinds only, not the short ones every name holds.
func TestOpsNearDocs(t *testing.T) {
	s := newOpsServer(t)
	c := s.client("")
	ctx := context.Background()
	root, err := c.ops.root.Get(ctx, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, apiVersion string
		want             []string
	}{
		{"listNamespacedConfigMapz", "", []string{"api/v1"}},
		{"createNamespacedPood", "", []string{"api/v1"}},
		{"createCoreV1NamespacedPood", "", []string{"api/v1"}},
		{"lsitNamespacedDeployment", "", []string{"apis/apps/v1"}},
		{"createNamespacedHorizontalPodAutoscalr", "", []string{"apis/autoscaling/v1", "apis/autoscaling/v2"}},
		{"readNamespacedWidgt", "", []string{"apis/stable.example.com/v1"}},
		{"createAppsV1NamespacedConfigMap", "", []string{"apis/apps/v1", "api/v1"}},
		{"getAppsAPIGrop", "", []string{"apis/apps"}},
		{"anything", "autoscaling/v2", []string{"apis/autoscaling/v2"}},
		{"nothingLikeAnyOperation", "", nil},
		{"getCodeVersoin", "", []string{"api/v1"}}, // Node is one letter from Code: a guess costs one document at most
	} {
		var got []string
		for _, r := range c.ops.nearDocs(ctx, root.Value, tc.name, tc.apiVersion) {
			got = append(got, r.Key)
		}
		slices.Sort(got)
		slices.Sort(tc.want)
		if !slices.Equal(got, tc.want) {
			t.Errorf("nearDocs(%q, %q) = %q, want %q", tc.name, tc.apiVersion, got, tc.want)
		}
	}
}

// TestShortNameOfANewGroupVersionIsNotTakenFromAnother: an object of a
// group-version newer than the cached list of documents (a second CRD of
// the same kind, created a second ago) must get its own operation, not the
// one of the group-version the list already knows.
func TestShortNameOfANewGroupVersionIsNotTakenFromAnother(t *testing.T) {
	s := newOpsServer(t, "apis/autoscaling/v2")
	c := s.client(t.TempDir())
	ctx := context.Background()
	op, err := c.ops.Resolve(ctx, "createNamespacedHorizontalPodAutoscaler", "autoscaling/v1")
	if err != nil || op.GroupVersion != "autoscaling/v1" {
		t.Fatalf("autoscaling/v1: %v, %v", op, err)
	}
	s.show("apis/autoscaling/v2") // published now
	op, err = c.ops.Resolve(ctx, "createNamespacedHorizontalPodAutoscaler", "autoscaling/v2")
	if err != nil || op.GroupVersion != "autoscaling/v2" {
		t.Fatalf("an autoscaling/v2 object got %v (%v), want its own group-version's operation", op, err)
	}
}
