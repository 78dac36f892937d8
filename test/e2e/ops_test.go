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
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// opsCall runs c.Call and fails the test on an error or a status code
// other than want.
func opsCall(t *testing.T, ctx context.Context, c *kobj.Client, op string, args kobj.Args, want int, opts ...kobj.CallOption) *kobj.Response {
	t.Helper()
	resp, err := c.Call(ctx, op, args, opts...)
	if err != nil {
		t.Fatalf("Call %s: %v", op, err)
	}
	opsCheckResponse(t, op, resp, want)
	return resp
}

// opsObjCall runs o.Call and fails the test on an error or a status code
// other than want.
func opsObjCall(t *testing.T, ctx context.Context, o *kobj.Object, op string, args kobj.Args, want int, opts ...kobj.CallOption) *kobj.Response {
	t.Helper()
	resp, err := o.Call(ctx, op, args, opts...)
	if err != nil {
		t.Fatalf("%s.Call %s: %v", o, op, err)
	}
	opsCheckResponse(t, op, resp, want)
	return resp
}

func opsCheckResponse(t *testing.T, op string, resp *kobj.Response, want int) {
	t.Helper()
	if resp == nil {
		t.Fatalf("Call %s: nil Response and no error", op)
	}
	if resp.Code != want {
		t.Fatalf("Call %s: code %d, want %d; body %s", op, resp.Code, want, resp.Body)
	}
	select {
	case <-resp.Done():
	default:
		t.Errorf("Call %s: the blocking call returned a Response whose Done is not closed", op)
	}
	if resp.Header.Get("Content-Type") == "" {
		t.Errorf("Call %s: no Content-Type in the Response's Header", op)
	}
	if len(resp.Body) == 0 {
		t.Errorf("Call %s: empty raw Body", op)
	}
}

// opsKind fails the test unless the Response carries an Object of kind.
func opsKind(t *testing.T, op string, resp *kobj.Response, kind string) *kobj.Object {
	t.Helper()
	if resp.Object == nil {
		t.Fatalf("Call %s: Response.Object is nil, want a %s; body %s", op, kind, resp.Body)
	}
	if resp.Object.Kind() != kind {
		t.Fatalf("Call %s: Response.Object is a %s, want a %s", op, resp.Object.Kind(), kind)
	}
	return resp.Object
}

func opsString(o *kobj.Object, path string) string {
	s, _ := o.GetString(path)
	return s
}

// opsNames returns the names of a list object's items, sorted.
func opsNames(list *kobj.Object) []string {
	var names []string
	for _, it := range list.Items() {
		names = append(names, it.Name())
	}
	slices.Sort(names)
	return names
}

func TestCallConfigMapEveryAction(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	label := "kobj-ops=" + suffix()
	labelKey, labelValue, _ := strings.Cut(label, "=")

	// create, by full name with a map body, and by short name through an
	// object that supplies body and namespace.
	resp := opsCall(t, ctx, c, "createCoreV1NamespacedConfigMap", kobj.Args{"namespace": ns, "body": map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "a", "labels": map[string]any{labelKey: labelValue}},
		"data":     map[string]any{"k": "v", "gone": "soon"},
	}}, http.StatusCreated)
	a := opsKind(t, "createCoreV1NamespacedConfigMap", resp, "ConfigMap")
	if a.Name() != "a" || a.Namespace() != ns || a.ResourceVersion() == "" || opsString(a, "data.k") != "v" {
		t.Errorf("created object %s: namespace %q, resourceVersion %q, data %v", a, a.Namespace(), a.ResourceVersion(), a.Map()["data"])
	}
	b := newConfigMap("b", ns, map[string]any{"k": "b"}).SetLabel(labelKey, labelValue).SetClient(c)
	resp = opsObjCall(t, ctx, b, "createNamespacedConfigMap", nil, http.StatusCreated)
	if got := opsKind(t, "createNamespacedConfigMap", resp, "ConfigMap"); got.Name() != "b" || got.ResourceVersion() == "" {
		t.Errorf("created %s with resourceVersion %q", got, got.ResourceVersion())
	}
	if b.ResourceVersion() != "" {
		t.Errorf("o.Call changed o: resourceVersion %q", b.ResourceVersion())
	}
	// A third one without the label, which deletecollection must spare.
	opsObjCall(t, ctx, newConfigMap("unlabeled", ns, nil).SetClient(c), "createNamespacedConfigMap", nil, http.StatusCreated)

	// read, by both names.
	for _, op := range []string{"readNamespacedConfigMap", "readCoreV1NamespacedConfigMap"} {
		got := opsKind(t, op, opsCall(t, ctx, c, op, kobj.Args{"namespace": ns, "name": "a"}, http.StatusOK), "ConfigMap")
		if opsString(got, "data.k") != "v" || got.Labels()[labelKey] != labelValue {
			t.Errorf("%s: data %v labels %v", op, got.Map()["data"], got.Labels())
		}
	}

	// replace: the object read, changed, is the body.
	cur := opsKind(t, "readNamespacedConfigMap", opsCall(t, ctx, c, "readNamespacedConfigMap", kobj.Args{"namespace": ns, "name": "a"}, http.StatusOK), "ConfigMap")
	if err := cur.Set("data.k", "replaced"); err != nil {
		t.Fatal(err)
	}
	cur.Remove("data.gone")
	resp = opsObjCall(t, ctx, cur, "replaceNamespacedConfigMap", nil, http.StatusOK)
	if got := opsKind(t, "replaceNamespacedConfigMap", resp, "ConfigMap"); opsString(got, "data.k") != "replaced" || got.ResourceVersion() == cur.ResourceVersion() {
		t.Errorf("replace answered data %v resourceVersion %q (was %q)", got.Map()["data"], got.ResourceVersion(), cur.ResourceVersion())
	}
	fresh, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "a")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := fresh.Get("data.gone"); ok || opsString(fresh, "data.k") != "replaced" {
		t.Errorf("after replace the server holds data %v", fresh.Map()["data"])
	}
	// replaceCoreV1… with the stale object: the server's Conflict, as a StatusError.
	resp, err = cur.Call(ctx, "replaceCoreV1NamespacedConfigMap", nil)
	if !apierrors.IsConflict(err) {
		t.Errorf("replace with a stale resourceVersion: %v, want a Conflict", err)
	} else if resp == nil || resp.Code != http.StatusConflict {
		t.Errorf("replace with a stale resourceVersion: Response %+v, want one with code 409", resp)
	}

	// patch, each type a ConfigMap accepts.
	patches := []struct {
		name string
		args kobj.Args
		opts []kobj.CallOption
		key  string // data key the patch sets to want
		want string
	}{
		{"json-patch", kobj.Args{"body": `[{"op":"add","path":"/data/jp","value":"1"}]`}, []kobj.CallOption{kobj.PatchAs(kobj.JSONPatch)}, "jp", "1"},
		{"merge-patch (default)", kobj.Args{"body": map[string]any{"data": map[string]any{"mp": "2"}}}, nil, "mp", "2"},
		{"merge-patch", kobj.Args{"body": []byte(`{"data":{"mp2":"2b"}}`)}, []kobj.CallOption{kobj.PatchAs(kobj.MergePatch)}, "mp2", "2b"},
		{"strategic-merge-patch", kobj.Args{"body": map[string]any{"data": map[string]any{"smp": "3"}}}, []kobj.CallOption{kobj.PatchAs(kobj.StrategicMergePatch)}, "smp", "3"},
		{"apply-patch+yaml", kobj.Args{"fieldManager": "kobj-e2e", "body": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  ap: \"4\"\n"}, []kobj.CallOption{kobj.PatchAs(kobj.ApplyPatch)}, "ap", "4"},
	}
	for _, p := range patches {
		args := kobj.Args{"namespace": ns, "name": "a"}
		for k, v := range p.args {
			args[k] = v
		}
		resp := opsCall(t, ctx, c, "patchNamespacedConfigMap", args, http.StatusOK, p.opts...)
		got := opsKind(t, "patchNamespacedConfigMap "+p.name, resp, "ConfigMap")
		if opsString(got, "data."+p.key) != p.want || opsString(got, "data.k") != "replaced" {
			t.Errorf("%s: answered data %v, want %s=%s and k kept", p.name, got.Map()["data"], p.key, p.want)
		}
	}
	fresh, err = readFresh(ctx, c, "v1", "ConfigMap", ns, "a")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range patches {
		if opsString(fresh, "data."+p.key) != p.want {
			t.Errorf("after the %s patch the server holds data %v", p.name, fresh.Map()["data"])
		}
	}
	managers, _ := fresh.GetSlice("metadata.managedFields")
	applied := false
	for _, m := range managers {
		if mf, _ := m.(map[string]any); mf["manager"] == "kobj-e2e" && mf["operation"] == "Apply" {
			applied = true
		}
	}
	if !applied {
		t.Errorf("no Apply managed-fields entry for kobj-e2e: %v", managers)
	}
	// Apply without a fieldManager: the server refuses it.
	_, err = c.Call(ctx, "patchCoreV1NamespacedConfigMap", kobj.Args{"namespace": ns, "name": "a", "body": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"}, kobj.PatchAs(kobj.ApplyPatch))
	var se *apierrors.StatusError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "fieldManager") {
		t.Errorf("apply without fieldManager: %v, want the server's StatusError about fieldManager", err)
	}

	// list, namespaced and across namespaces.
	list := opsKind(t, "listNamespacedConfigMap", opsCall(t, ctx, c, "listNamespacedConfigMap", kobj.Args{"namespace": ns}, http.StatusOK), "ConfigMapList")
	if got := opsNames(list); !slices.Equal(got, []string{"a", "b", "unlabeled"}) {
		t.Errorf("listNamespacedConfigMap: %v, want [a b unlabeled]", got)
	}
	for _, op := range []string{"listConfigMapForAllNamespaces", "listCoreV1ConfigMapForAllNamespaces"} {
		list := opsKind(t, op, opsCall(t, ctx, c, op, kobj.Args{"labelSelector": label}, http.StatusOK), "ConfigMapList")
		if got := opsNames(list); !slices.Equal(got, []string{"a", "b"}) {
			t.Errorf("%s labelSelector=%s: %v, want [a b]", op, label, got)
		}
		for _, it := range list.Items() {
			if it.Namespace() != ns {
				t.Errorf("%s: item %s in namespace %q", op, it, it.Namespace())
			}
		}
	}

	// delete one, by short name through an object.
	resp = opsObjCall(t, ctx, kobj.New("v1", "ConfigMap").SetName("b").SetNamespace(ns).SetClient(c), "deleteNamespacedConfigMap", nil, http.StatusOK)
	if resp.Object == nil {
		t.Errorf("deleteNamespacedConfigMap: no Object in the answer: %s", resp.Body)
	}
	if _, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "b"); !apierrors.IsNotFound(err) {
		t.Errorf("read after delete: %v, want NotFound", err)
	}
	// delete what is not there: the server's NotFound.
	resp, err = c.Call(ctx, "deleteCoreV1NamespacedConfigMap", kobj.Args{"namespace": ns, "name": "b"})
	if !apierrors.IsNotFound(err) || resp == nil || resp.Code != http.StatusNotFound {
		t.Errorf("deleting a deleted ConfigMap: %v (response %v), want NotFound with code 404", err, resp)
	}

	// deletecollection by label: a goes, unlabeled stays.
	opsCall(t, ctx, c, "deleteCollectionNamespacedConfigMap", kobj.Args{"namespace": ns, "labelSelector": label}, http.StatusOK)
	list = opsKind(t, "listCoreV1NamespacedConfigMap", opsCall(t, ctx, c, "listCoreV1NamespacedConfigMap", kobj.Args{"namespace": ns}, http.StatusOK), "ConfigMapList")
	if got := opsNames(list); !slices.Equal(got, []string{"unlabeled"}) {
		t.Errorf("after deleteCollection %s: %v, want [unlabeled]", label, got)
	}
}

func TestCallClusterRoleEveryAction(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	c := newClient(t)
	name := uniqueName(t, "kobj")
	label := "kobj-ops-cr=" + suffix()
	labelKey, labelValue, _ := strings.Cut(label, "=")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = c.Call(ctx, "deleteRbacAuthorizationV1CollectionClusterRole", kobj.Args{"labelSelector": label})
	})
	rule := func(verbs ...string) []any {
		return []any{map[string]any{"apiGroups": []any{""}, "resources": []any{"configmaps"}, "verbs": opsAny(verbs)}}
	}

	resp := opsCall(t, ctx, c, "createRbacAuthorizationV1ClusterRole", kobj.Args{"body": map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
		"metadata": map[string]any{"name": name, "labels": map[string]any{labelKey: labelValue}},
		"rules":    rule("get"),
	}}, http.StatusCreated)
	if got := opsKind(t, "createRbacAuthorizationV1ClusterRole", resp, "ClusterRole"); got.Name() != name || got.Namespace() != "" {
		t.Errorf("created %s in namespace %q", got, got.Namespace())
	}
	second := kobj.New("rbac.authorization.k8s.io/v1", "ClusterRole").SetName(name+"-2").SetLabel(labelKey, labelValue).SetClient(c)
	opsObjCall(t, ctx, second, "createClusterRole", nil, http.StatusCreated)

	cr := opsKind(t, "readClusterRole", opsCall(t, ctx, c, "readClusterRole", kobj.Args{"name": name}, http.StatusOK), "ClusterRole")
	if verbs, _ := cr.Get("rules[0].verbs"); !sameJSON(verbs, []any{"get"}) {
		t.Errorf("read rules[0].verbs = %v", verbs)
	}
	opsKind(t, "readRbacAuthorizationV1ClusterRole", opsCall(t, ctx, c, "readRbacAuthorizationV1ClusterRole", kobj.Args{"name": name}, http.StatusOK), "ClusterRole")

	// A namespace for a cluster-scoped operation is an unknown parameter.
	if _, err := c.Call(ctx, "readClusterRole", kobj.Args{"name": name, "namespace": "default"}); err == nil || !strings.Contains(err.Error(), `unknown parameter "namespace"`) {
		t.Errorf("readClusterRole with a namespace: %v, want unknown parameter", err)
	}

	cr.Map()["rules"] = rule("get", "list")
	resp = opsObjCall(t, ctx, cr, "replaceClusterRole", nil, http.StatusOK)
	if verbs, _ := resp.Object.Get("rules[0].verbs"); !sameJSON(verbs, []any{"get", "list"}) {
		t.Errorf("replace answered rules[0].verbs = %v", verbs)
	}

	for _, p := range []struct {
		pt   kobj.PatchType
		body any
		key  string
	}{
		{kobj.MergePatch, map[string]any{"metadata": map[string]any{"annotations": map[string]any{"merge": "1"}}}, "merge"},
		{kobj.JSONPatch, `[{"op":"add","path":"/metadata/annotations/json","value":"1"}]`, "json"},
		{kobj.StrategicMergePatch, map[string]any{"metadata": map[string]any{"annotations": map[string]any{"strategic": "1"}}}, "strategic"},
		{kobj.ApplyPatch, `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"` + name + `","annotations":{"apply":"1"}}}`, "apply"},
	} {
		resp := opsCall(t, ctx, c, "patchRbacAuthorizationV1ClusterRole", kobj.Args{"name": name, "body": p.body, "fieldManager": "kobj-e2e"}, http.StatusOK, kobj.PatchAs(p.pt))
		if got := opsKind(t, "patch "+string(p.pt), resp, "ClusterRole"); got.Annotations()[p.key] != "1" {
			t.Errorf("%s: annotations %v", p.pt, got.Annotations())
		}
	}
	fresh, err := readFresh(ctx, c, "rbac.authorization.k8s.io/v1", "ClusterRole", "", name)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"merge", "json", "strategic", "apply"} {
		if fresh.Annotations()[k] != "1" {
			t.Errorf("after the patches the server holds annotations %v", fresh.Annotations())
			break
		}
	}
	if verbs, _ := fresh.Get("rules[0].verbs"); !sameJSON(verbs, []any{"get", "list"}) {
		t.Errorf("after replace and patches rules[0].verbs = %v", verbs)
	}

	for _, op := range []string{"listClusterRole", "listRbacAuthorizationV1ClusterRole"} {
		list := opsKind(t, op, opsCall(t, ctx, c, op, kobj.Args{"labelSelector": label}, http.StatusOK), "ClusterRoleList")
		if got := opsNames(list); !slices.Equal(got, []string{name, name + "-2"}) {
			t.Errorf("%s: %v", op, got)
		}
	}

	opsCall(t, ctx, c, "deleteClusterRole", kobj.Args{"name": name}, http.StatusOK)
	if _, err := readFresh(ctx, c, "rbac.authorization.k8s.io/v1", "ClusterRole", "", name); !apierrors.IsNotFound(err) {
		t.Errorf("read after delete: %v, want NotFound", err)
	}
	opsCall(t, ctx, c, "deleteCollectionClusterRole", kobj.Args{"labelSelector": label}, http.StatusOK)
	list := opsKind(t, "listClusterRole", opsCall(t, ctx, c, "listClusterRole", kobj.Args{"labelSelector": label}, http.StatusOK), "ClusterRoleList")
	if n := len(list.Items()); n != 0 {
		t.Errorf("after deleteCollectionClusterRole: %d left", n)
	}
}

func opsAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

const opsPodYAML = `
apiVersion: v1
kind: Pod
metadata:
  name: $NAME
spec:
  containers:
  - name: c
    image: busybox
`

func opsPod(t *testing.T, ctx context.Context, c *kobj.Client, ns, name string) *kobj.Object {
	t.Helper()
	p := load(t, strings.ReplaceAll(opsPodYAML, "$NAME", name)).SetNamespace(ns).SetClient(c)
	if _, err := p.Create(ctx); err != nil {
		t.Fatalf("Create pod %s: %v", name, err)
	}
	return p
}

// TestCallBadArgumentsSendNothing checks, against the real server, that
// every argument error is found before any request.
func TestCallBadArgumentsSendNothing(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	c, log := newCountingClient(t)
	ns := newNamespace(t, c)

	// Cold, an unknown name costs the list of documents and every document.
	log.Reset()
	_, err := c.Call(ctx, "listNamespacedConfigMapz", kobj.Args{"namespace": ns})
	var unknown *kobj.UnknownOperationError
	if !errors.As(err, &unknown) {
		t.Fatalf("unknown operation, cold: %v (%T), want *UnknownOperationError", err, err)
	}
	t.Logf("an unknown operation on a cold index sent %d requests", log.Count())

	// Warm-up: a successful call of each kind of call used below.
	opsCall(t, ctx, c, "listNamespacedConfigMap", kobj.Args{"namespace": ns}, http.StatusOK)
	cm := newConfigMap("cm", ns, map[string]any{"k": "v"}).SetClient(c)
	opsObjCall(t, ctx, cm, "createNamespacedConfigMap", nil, http.StatusCreated)
	opsObjCall(t, ctx, cm, "readNamespacedConfigMap", nil, http.StatusOK)
	log.Reset()
	ops, err := c.Operations(ctx, "ConfigMap")
	if err != nil {
		t.Fatalf("Operations: %v", err)
	}
	if len(ops) < 8 || log.Count() != 0 {
		t.Errorf("Operations(ConfigMap) on a warm index: %d operations, %v sent", len(ops), log.Requests())
	}

	base := func(extra kobj.Args) kobj.Args {
		args := kobj.Args{"namespace": ns}
		for k, v := range extra {
			args[k] = v
		}
		return args
	}
	cases := []struct {
		name string
		call func() (*kobj.Response, error)
		want []string // each in the error
	}{
		{"unknown parameter", func() (*kobj.Response, error) {
			return c.Call(ctx, "listNamespacedConfigMap", base(kobj.Args{"labelSelecter": "a=b"}))
		}, []string{`unknown parameter "labelSelecter"`, `did you mean "labelSelector"`, "fieldSelector"}},
		{"unknown parameter on o.Call", func() (*kobj.Response, error) {
			return cm.Call(ctx, "readNamespacedConfigMap", kobj.Args{"nmae": "x"})
		}, []string{`unknown parameter "nmae"`, `"name"`}},
		{"missing required path parameter", func() (*kobj.Response, error) {
			return c.Call(ctx, "readNamespacedConfigMap", base(nil))
		}, []string{"missing required", `"name"`}},
		{"missing namespace", func() (*kobj.Response, error) {
			return c.Call(ctx, "readCoreV1NamespacedConfigMap", kobj.Args{"name": "cm"})
		}, []string{"missing required", `"namespace"`}},
		{"integer given a string", func() (*kobj.Response, error) {
			return c.Call(ctx, "listNamespacedConfigMap", base(kobj.Args{"limit": "ten"}))
		}, []string{`"limit"`, "integer"}},
		{"boolean given a string", func() (*kobj.Response, error) {
			return c.Call(ctx, "listNamespacedConfigMap", base(kobj.Args{"allowWatchBookmarks": "yes"}))
		}, []string{`"allowWatchBookmarks"`, "bool"}},
		{"string given an integer", func() (*kobj.Response, error) {
			return c.Call(ctx, "listNamespacedConfigMap", base(kobj.Args{"labelSelector": 7}))
		}, []string{`"labelSelector"`, "string"}},
		{"missing body", func() (*kobj.Response, error) {
			return c.Call(ctx, "createNamespacedConfigMap", base(nil))
		}, []string{"body", "ConfigMap"}},
		{"nil body", func() (*kobj.Response, error) {
			return c.Call(ctx, "replaceNamespacedConfigMap", base(kobj.Args{"name": "cm", "body": nil}))
		}, []string{"body"}},
		{"a body where none is taken", func() (*kobj.Response, error) {
			return c.Call(ctx, "readNamespacedConfigMap", base(kobj.Args{"name": "cm", "body": map[string]any{}}))
		}, []string{"no body"}},
		{"body that is not JSON", func() (*kobj.Response, error) {
			return c.Call(ctx, "createNamespacedConfigMap", base(kobj.Args{"body": "{not json"}))
		}, []string{"not valid JSON"}},
		{"JSON patch that is not a list", func() (*kobj.Response, error) {
			return c.Call(ctx, "patchNamespacedConfigMap", base(kobj.Args{"name": "cm", "body": `{"data":{}}`}), kobj.PatchAs(kobj.JSONPatch))
		}, []string{"list of operations"}},
		{"PatchAs on a create", func() (*kobj.Response, error) {
			return cm.Call(ctx, "createNamespacedConfigMap", nil, kobj.PatchAs(kobj.MergePatch))
		}, []string{"PatchAs", "not a patch"}},
		{"watch=true", func() (*kobj.Response, error) {
			return c.Call(ctx, "listNamespacedConfigMap", base(kobj.Args{"watch": true}))
		}, []string{"watch=true", "use Watch"}},
		{"a watch operation", func() (*kobj.Response, error) {
			return c.Call(ctx, "watchCoreV1NamespacedConfigMap", base(kobj.Args{"name": "cm"}))
		}, []string{"use Watch"}},
		{"follow=true", func() (*kobj.Response, error) {
			return c.Call(ctx, "readNamespacedPodLog", base(kobj.Args{"name": "p", "follow": true}))
		}, []string{"follow=true", "use CallStream"}},
		{"exec", func() (*kobj.Response, error) {
			return c.Call(ctx, "connectCoreV1GetNamespacedPodExec", base(kobj.Args{"name": "p", "command": "ls"}))
		}, []string{"use Object.Exec"}},
		{"namespace disagreement on o.Call", func() (*kobj.Response, error) {
			return cm.Call(ctx, "readNamespacedConfigMap", kobj.Args{"namespace": "other-" + ns})
		}, []string{"other-" + ns, ns}},
		{"name disagreement on o.Call", func() (*kobj.Response, error) {
			return cm.Call(ctx, "replaceNamespacedConfigMap", kobj.Args{"name": "not-cm"})
		}, []string{"not-cm"}},
	}
	for _, tc := range cases {
		log.Reset()
		resp, err := tc.call()
		if err == nil {
			t.Errorf("%s: no error (response %d %s)", tc.name, resp.Code, resp.Body)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", tc.name, err, w)
			}
		}
		var se *apierrors.StatusError
		if errors.As(err, &se) {
			t.Errorf("%s: the server answered (%v); the error should come before any request", tc.name, err)
		}
		if n := log.Count(); n != 0 {
			t.Errorf("%s: %d requests sent: %v", tc.name, n, log.Requests())
		}
	}

	// An unknown operation may fetch the list of documents once more (a CRD
	// may have been added), and nothing else.
	for _, name := range []string{"listNamespacedConfigMapz", "createCoreV1NamespacedConfigMapp", "nothingLikeAnyOperation"} {
		log.Reset()
		_, err := c.Call(ctx, name, kobj.Args{"namespace": ns})
		if !errors.As(err, &unknown) {
			t.Errorf("%s: %v (%T), want *UnknownOperationError", name, err, err)
			continue
		}
		if unknown.Name != name {
			t.Errorf("%s: UnknownOperationError.Name %q", name, unknown.Name)
		}
		// The documents of groups created since (CRDs of tests running
		// alongside) are read too; nothing else.
		var roots, others []string
		for _, r := range log.Requests() {
			switch {
			case r == "GET /openapi/v3":
				roots = append(roots, r)
			case strings.HasPrefix(r, "GET /openapi/v3/apis/") && strings.Contains(r, ".example.com/"):
			default:
				others = append(others, r)
			}
		}
		if len(roots) > 1 || len(others) > 0 {
			t.Errorf("%s: sent %v, want at most GET /openapi/v3 (and documents of new CRDs)", name, log.Requests())
		}
		t.Logf("%s: %v", name, err)
	}
	log.Reset()
	_, err = c.Call(ctx, "listNamespacedConfigMapz", kobj.Args{"namespace": ns})
	if errors.As(err, &unknown) && !slices.Contains(unknown.Suggestions, "listNamespacedConfigMap") {
		t.Errorf("suggestions for listNamespacedConfigMapz: %v", unknown.Suggestions)
	}
	_, err = c.Call(ctx, "createCoreV1NamespacedConfigMapp", nil)
	if errors.As(err, &unknown) && !slices.Contains(unknown.Suggestions, "createCoreV1NamespacedConfigMap") {
		t.Errorf("suggestions for createCoreV1NamespacedConfigMapp: %v", unknown.Suggestions)
	}

	// Nothing above reached the server: cm is as created, and no "p" exists.
	fresh, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "cm")
	if err != nil || opsString(fresh, "data.k") != "v" {
		t.Errorf("cm after the bad calls: %v data %v", err, fresh.Map()["data"])
	}
}

// TestCallPatchMatchesUpdate checks that o.Update and o.Call of the patch
// operation with no args leave the server in the same state.
func TestCallPatchMatchesUpdate(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	for _, name := range []string{"a", "b"} {
		o := newConfigMap(name, ns, map[string]any{"keep": "1", "drop": "2", "change": "3"}).
			SetLabel("l1", "x").SetLabel("l2", "y").SetClient(c)
		if _, err := o.Create(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var objs [2]*kobj.Object
	for i, name := range []string{"a", "b"} {
		o, err := readFresh(ctx, c, "v1", "ConfigMap", ns, name)
		if err != nil {
			t.Fatal(err)
		}
		if err := o.Set("data.change", "changed"); err != nil {
			t.Fatal(err)
		}
		if err := o.Set("data.new", "4"); err != nil {
			t.Fatal(err)
		}
		if !o.Remove("data.drop") || !o.Remove("metadata.labels.l2") {
			t.Fatal("Remove found nothing")
		}
		o.SetLabel("l3", "z")
		objs[i] = o
	}
	if _, err := objs[0].Update(ctx); err != nil {
		t.Fatalf("Update: %v", err)
	}
	resp := opsObjCall(t, ctx, objs[1], "patchNamespacedConfigMap", nil, http.StatusOK)
	if resp.Object == nil || opsString(resp.Object, "data.change") != "changed" {
		t.Errorf("patch answered %s", resp.Body)
	}

	a, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "b")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"keep": "1", "change": "changed", "new": "4"}
	for _, o := range []*kobj.Object{a, b} {
		if got := o.Map()["data"]; !sameJSON(got, want) {
			t.Errorf("%s data %v, want %v", o, got, want)
		}
		if _, ok := o.Get("data.drop"); ok {
			t.Errorf("%s: data.drop still there", o)
		}
		if got := o.Labels(); len(got) != 2 || got["l1"] != "x" || got["l3"] != "z" {
			t.Errorf("%s labels %v, want l1=x l3=z", o, got)
		}
	}
	if !sameJSON(a.Map()["data"], b.Map()["data"]) || !sameJSON(a.Map()["metadata"].(map[string]any)["labels"], b.Map()["metadata"].(map[string]any)["labels"]) {
		t.Errorf("Update and the patch call differ: %v %v / %v %v", a.Map()["data"], a.Labels(), b.Map()["data"], b.Labels())
	}

	// Both carry the resourceVersion they were read at: the stale one conflicts.
	if err := objs[1].Set("data.keep", "again"); err != nil {
		t.Fatal(err)
	}
	if _, err := objs[1].Call(ctx, "patchNamespacedConfigMap", nil); !apierrors.IsConflict(err) {
		t.Errorf("a second patch from the same stale object: %v, want a Conflict", err)
	}
}
