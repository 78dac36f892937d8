package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
)

// opsLetters returns n random lower-case letters: a group part made of
// them is its own operationId token, capitalized.
func opsLetters(n int) string {
	var b strings.Builder
	for b.Len() < n {
		for _, r := range suffix() {
			if b.Len() == n {
				break
			}
			if r >= '0' && r <= '9' {
				r = 'a' + (r - '0') + 6 // g…p
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// opsCallUntilKnown runs call until it fails with something other than
// an unknown operation: the server publishes a new CRD's OpenAPI document
// shortly after the CRD is Established, not at once.
func opsCallUntilKnown(t *testing.T, ctx context.Context, log *requestLog, what string, call func() (*kobj.Response, error)) (*kobj.Response, error) {
	t.Helper()
	start := time.Now()
	for attempt := 1; ; attempt++ {
		log.Reset()
		resp, err := call()
		var unknown *kobj.UnknownOperationError
		if errors.As(err, &unknown) {
			roots := log.Matching(func(method, path, _ string) bool { return method == "GET" && path == "/openapi/v3" })
			t.Logf("%s: attempt %d after %v: %v; it fetched the list of documents %d time(s), %d requests in all",
				what, attempt, time.Since(start).Round(time.Millisecond), err, len(roots), log.Count())
			if len(roots) == 0 {
				t.Errorf("%s: an unknown operation did not fetch the list of documents again", what)
			}
		} else {
			t.Logf("%s: answered after %d attempt(s), %v; the last sent %d requests: %v", what, attempt, time.Since(start).Round(time.Millisecond), log.Count(), opsShort(log.Requests()))
			return resp, err
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: still unknown after %v: %v", what, time.Since(start), err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// opsShort abbreviates a long list of requests.
func opsShort(reqs []string) []string {
	if len(reqs) > 8 {
		return append(reqs[:8:8], fmt.Sprintf("… %d more", len(reqs)-8))
	}
	return reqs
}

func opsWidget(apiVersion, name, ns string, size int) *kobj.Object {
	w := kobj.New(apiVersion, "Widget").SetName(name).SetNamespace(ns)
	w.Map()["spec"] = map[string]any{"size": int64(size), "color": "red"}
	return w
}

func TestCallOperationsOfACRD(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	c, log := newCountingClient(t)
	ns := newNamespace(t, c)
	// Warm discovery and the index before the CRDs exist.
	opsCall(t, ctx, c, "listNamespacedConfigMap", kobj.Args{"namespace": ns}, http.StatusOK)

	// Two groups serving a Widget, so that its short names are shared.
	la, lb := opsLetters(8), opsLetters(8)
	groupA, groupB := "kobjops"+la+".example.com", "kobjops"+lb+".example.com"
	// kube-openapi's token: each dot-separated part of the group
	// capitalized, then the version.
	tokA, tokB := "Kobjops"+la+"ExampleComV1", "Kobjops"+lb+"ExampleComV1"
	createCRD(t, c, groupA, "Namespaced")
	createCRD(t, c, groupB, "Namespaced")
	avA, avB := groupA+"/v1", groupB+"/v1"

	// create, by full name.
	createA := "create" + tokA + "NamespacedWidget"
	resp, err := opsCallUntilKnown(t, ctx, log, createA, func() (*kobj.Response, error) {
		return c.Call(ctx, createA, kobj.Args{"namespace": ns, "body": opsWidget(avA, "w1", "", 1)})
	})
	if err != nil {
		t.Fatalf("%s: %v", createA, err)
	}
	opsCheckResponse(t, createA, resp, http.StatusCreated)
	if w := opsKind(t, createA, resp, "Widget"); w.APIVersion() != avA || w.Namespace() != ns {
		t.Errorf("%s made %s %s in %q", createA, w.APIVersion(), w, w.Namespace())
	}

	// create, by short name through a Widget: its apiVersion picks the group.
	w2 := opsWidget(avA, "w2", ns, 2).SetClient(c)
	resp = opsObjCall(t, ctx, w2, "createNamespacedWidget", nil, http.StatusCreated)
	if got := opsKind(t, "createNamespacedWidget", resp, "Widget"); got.APIVersion() != avA {
		t.Errorf("createNamespacedWidget through an %s Widget made a %s", avA, got.APIVersion())
	}
	wb := opsWidget(avB, "wb", ns, 7).SetClient(c)
	resp, err = opsCallUntilKnown(t, ctx, log, "createNamespacedWidget in "+groupB, func() (*kobj.Response, error) {
		return wb.Call(ctx, "createNamespacedWidget", nil)
	})
	if err != nil {
		t.Fatalf("createNamespacedWidget through an %s Widget: %v", avB, err)
	}
	if got := opsKind(t, "createNamespacedWidget", resp, "Widget"); got.APIVersion() != avB {
		t.Errorf("createNamespacedWidget through an %s Widget made a %s", avB, got.APIVersion())
	}
	if _, err := readFresh(ctx, c, avA, "Widget", ns, "wb"); !apierrors.IsNotFound(err) {
		t.Errorf("wb in %s: %v, want NotFound", groupA, err)
	}

	// Without an object, the short name is ambiguous.
	log.Reset()
	_, err = c.Call(ctx, "createNamespacedWidget", kobj.Args{"namespace": ns, "body": opsWidget(avA, "w3", "", 3)})
	var amb *kobj.AmbiguousOperationError
	if !errors.As(err, &amb) {
		t.Errorf("createNamespacedWidget with two Widget groups: %v (%T), want *AmbiguousOperationError", err, err)
	} else if !slices.Contains(amb.Candidates, createA) || !slices.Contains(amb.Candidates, "create"+tokB+"NamespacedWidget") {
		t.Errorf("candidates %v, want %s and the other group's", amb.Candidates, createA)
	}
	if n := len(log.Matching(func(method, _, _ string) bool { return method != "GET" })); n != 0 {
		t.Errorf("the ambiguous call wrote: %v", log.Requests())
	}

	// read and list.
	w1 := opsKind(t, "readNamespacedWidget", opsObjCall(t, ctx, kobj.New(avA, "Widget").SetName("w1").SetNamespace(ns).SetClient(c), "readNamespacedWidget", nil, http.StatusOK), "Widget")
	if n, _ := w1.GetInt64("spec.size"); n != 1 {
		t.Errorf("w1 spec.size = %d", n)
	}
	list := opsKind(t, "list", opsCall(t, ctx, c, "list"+tokA+"NamespacedWidget", kobj.Args{"namespace": ns}, http.StatusOK), "WidgetList")
	if got := opsNames(list); !slices.Equal(got, []string{"w1", "w2"}) {
		t.Errorf("list %s: %v, want [w1 w2]", groupA, got)
	}
	list = opsKind(t, "list", opsCall(t, ctx, c, "list"+tokB+"WidgetForAllNamespaces", nil, http.StatusOK), "WidgetList")
	if got := opsNames(list); !slices.Equal(got, []string{"wb"}) {
		t.Errorf("list %s across namespaces: %v, want [wb]", groupB, got)
	}

	// replace, through the object read.
	if err := w1.Set("spec.color", "blue"); err != nil {
		t.Fatal(err)
	}
	resp = opsObjCall(t, ctx, w1, "replaceNamespacedWidget", nil, http.StatusOK)
	if opsString(resp.Object, "spec.color") != "blue" {
		t.Errorf("replace answered %s", resp.Body)
	}

	// patch: each type a custom resource accepts…
	for _, p := range []struct {
		pt   kobj.PatchType
		args kobj.Args
		size int64
	}{
		{kobj.MergePatch, kobj.Args{"body": map[string]any{"spec": map[string]any{"size": 10}}}, 10},
		{kobj.JSONPatch, kobj.Args{"body": `[{"op":"replace","path":"/spec/size","value":11}]`}, 11},
		{kobj.ApplyPatch, kobj.Args{"fieldManager": "kobj-e2e", "force": true, "body": "apiVersion: " + avA + "\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 12}\n"}, 12},
	} {
		resp := opsObjCall(t, ctx, w1, "patchNamespacedWidget", p.args, http.StatusOK, kobj.PatchAs(p.pt))
		if n, _ := resp.Object.GetInt64("spec.size"); n != p.size {
			t.Errorf("%s: spec.size %d, want %d", p.pt, n, p.size)
		}
	}
	fresh, err := readFresh(ctx, c, avA, "Widget", ns, "w1")
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := fresh.GetInt64("spec.size"); n != 12 || opsString(fresh, "spec.color") != "blue" {
		t.Errorf("server holds spec %v", opsMust(fresh.Get("spec")))
	}

	// …and strategic merge, which it does not: refused before any request.
	log.Reset()
	_, err = w1.Call(ctx, "patchNamespacedWidget", kobj.Args{"body": map[string]any{"spec": map[string]any{"size": 99}}}, kobj.PatchAs(kobj.StrategicMergePatch))
	if err == nil {
		t.Fatal("strategic merge patch of a custom resource: no error")
	}
	_, accepts, _ := strings.Cut(err.Error(), "accepts")
	for _, want := range []string{string(kobj.MergePatch), string(kobj.JSONPatch), string(kobj.ApplyPatch)} {
		if !strings.Contains(accepts, want) {
			t.Errorf("strategic merge patch refused with %q: does not name %s as accepted", err, want)
		}
	}
	if strings.Contains(accepts, string(kobj.StrategicMergePatch)) {
		t.Errorf("error %q names strategic merge patch as accepted", err)
	}
	if n := log.Count(); n != 0 {
		t.Errorf("the refused strategic merge patch sent %v", log.Requests())
	}
	t.Logf("strategic merge patch refused: %v", err)

	// delete, deletecollection.
	opsObjCall(t, ctx, kobj.New(avA, "Widget").SetName("w2").SetNamespace(ns).SetClient(c), "deleteNamespacedWidget", nil, http.StatusOK)
	if _, err := readFresh(ctx, c, avA, "Widget", ns, "w2"); !apierrors.IsNotFound(err) {
		t.Errorf("w2 after delete: %v, want NotFound", err)
	}
	opsCall(t, ctx, c, "delete"+tokB+"CollectionNamespacedWidget", kobj.Args{"namespace": ns}, http.StatusOK)
	list = opsKind(t, "list", opsCall(t, ctx, c, "list"+tokB+"NamespacedWidget", kobj.Args{"namespace": ns}, http.StatusOK), "WidgetList")
	if n := len(list.Items()); n != 0 {
		t.Errorf("%s after deletecollection: %v", groupB, opsNames(list))
	}

	// The operations are listed with the kind.
	ops, err := c.Operations(ctx, avA)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, op := range ops {
		ids = append(ids, op.ID)
		if op.ID == createA {
			if op.ShortID != "createNamespacedWidget" || op.Kind != "Widget" || op.Method != "POST" || op.GroupVersion != avA ||
				op.Path != "/apis/"+avA+"/namespaces/{namespace}/widgets" || op.Body == nil || op.Body.Kind != "Widget" {
				t.Errorf("Operation %s: %+v body %+v", op.ID, op, op.Body)
			}
		}
	}
	if !slices.Contains(ids, createA) || !slices.Contains(ids, "patch"+tokA+"NamespacedWidget") {
		t.Errorf("Operations(%s): %v", avA, ids)
	}
}

// opsPublished reports whether the server's list of OpenAPI documents has
// the group-version gv, asking with a new client that caches nothing.
func opsPublished(t *testing.T, ctx context.Context, gv string) bool {
	t.Helper()
	c := newClient(t, kobj.CacheDir(""))
	_, err := c.Operations(ctx, gv)
	return err == nil
}

// TestCallOperationsAfterACRDIsDeleted: the list of documents kept on disk
// may name the document of a CRD deleted since. Listing every operation
// must then not fail on the document that is gone.
func TestCallOperationsAfterACRDIsDeleted(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	admin := newClient(t)
	group := "kobjgone" + opsLetters(8) + ".example.com"
	gv := group + "/v1"
	createCRD(t, admin, group, "Namespaced")
	for !opsPublished(t, ctx, gv) {
		if ctx.Err() != nil {
			t.Fatalf("%s never published", gv)
		}
		time.Sleep(200 * time.Millisecond)
	}

	docURL := opsDocURL(t, "apis/"+gv)
	// A process reads the list of documents (it has the CRD's) into the
	// shared cache, and the core group's document only.
	dir := t.TempDir()
	first := newClient(t, kobj.CacheDir(dir))
	if _, err := first.Operations(ctx, "v1"); err != nil {
		t.Fatal(err)
	}

	// The CRD goes.
	if _, err := kobj.New("apiextensions.k8s.io/v1", "CustomResourceDefinition").Delete(ctx, kobj.Named("widgets."+group), kobj.WithClient(admin)); err != nil {
		t.Fatal(err)
	}
	for opsPublished(t, ctx, gv) {
		if ctx.Err() != nil {
			t.Fatalf("%s still published after its CRD was deleted", gv)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// A later process sharing the cache lists every operation, right after
	// (when the server still answers the document's address with an empty
	// 200) and once the server answers it with 404.
	check := func(when string) {
		t.Helper()
		c, log := newCountingClient(t, kobj.CacheDir(dir))
		ops, err := c.Operations(ctx)
		if err != nil {
			t.Errorf("Operations() %s, with the list of documents from the cache: %v\nrequests: %v", when, err, opsShort(log.Requests()))
			return
		}
		for _, op := range ops {
			if op.GroupVersion == gv {
				t.Errorf("Operations() %s lists %s of the deleted %s", when, op.ID, gv)
				return
			}
		}
	}
	check("right after a CRD was deleted")
	for opsDocStatus(t, docURL) != http.StatusNotFound {
		if ctx.Err() != nil {
			t.Fatalf("%s still answered after its CRD was deleted", docURL)
		}
		time.Sleep(200 * time.Millisecond)
	}
	check("once the deleted CRD's document answers 404")

	second := newClient(t, kobj.CacheDir(dir))
	// And Operations of a kind the server serves still works.
	if ops, err := second.Operations(ctx, "ConfigMap"); err != nil || len(ops) == 0 {
		t.Errorf("Operations(ConfigMap): %d, %v", len(ops), err)
	}
}

// opsRawGet sends GET path with the admin credentials, outside kobj.
func opsRawGet(t *testing.T, path string) (int, []byte) {
	t.Helper()
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Get(strings.TrimSuffix(cfg.Host, "/") + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// opsDocURL returns the address the server's list of OpenAPI documents
// gives for key ("apis/apps/v1").
func opsDocURL(t *testing.T, key string) string {
	t.Helper()
	code, body := opsRawGet(t, "/openapi/v3")
	var root struct {
		Paths map[string]struct {
			URL string `json:"serverRelativeURL"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(body, &root); err != nil || code != http.StatusOK || root.Paths[key].URL == "" {
		t.Fatalf("GET /openapi/v3: %d, %v, no %s", code, err, key)
	}
	return root.Paths[key].URL
}

func opsDocStatus(t *testing.T, url string) int {
	code, _ := opsRawGet(t, url)
	return code
}
