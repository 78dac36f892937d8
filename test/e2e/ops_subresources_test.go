package e2e

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

func TestCallPodStatus(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	opsPod(t, ctx, c, ns, "p")

	st := opsKind(t, "readNamespacedPodStatus", opsCall(t, ctx, c, "readNamespacedPodStatus", kobj.Args{"namespace": ns, "name": "p"}, http.StatusOK), "Pod")
	if phase := opsString(st, "status.phase"); phase != "Pending" {
		t.Errorf("status.phase = %q, want Pending", phase)
	}

	// replace the status through the object read: body, name and namespace from it.
	if err := st.Set("status.message", "set by replaceNamespacedPodStatus"); err != nil {
		t.Fatal(err)
	}
	resp := opsObjCall(t, ctx, st, "replaceNamespacedPodStatus", nil, http.StatusOK)
	if got := opsString(resp.Object, "status.message"); got != "set by replaceNamespacedPodStatus" {
		t.Errorf("replace answered status.message %q", got)
	}

	// patch the status: a condition, by strategic merge (keyed by type).
	resp = opsCall(t, ctx, c, "patchCoreV1NamespacedPodStatus", kobj.Args{"namespace": ns, "name": "p", "body": map[string]any{
		"status": map[string]any{"conditions": []any{map[string]any{"type": "PodScheduled", "status": "False", "reason": "KobjTest"}}},
	}}, http.StatusOK, kobj.PatchAs(kobj.StrategicMergePatch))
	opsKind(t, "patchCoreV1NamespacedPodStatus", resp, "Pod")

	fresh, err := readFresh(ctx, c, "v1", "Pod", ns, "p")
	if err != nil {
		t.Fatal(err)
	}
	if got := opsString(fresh, "status.message"); got != "set by replaceNamespacedPodStatus" {
		t.Errorf("server holds status.message %q", got)
	}
	if reason := opsString(fresh, "status.conditions[0].reason"); reason != "KobjTest" {
		t.Errorf("server holds status.conditions %v", opsMust(fresh.Get("status.conditions")))
	}
	// A status write leaves the spec alone.
	if img := opsString(fresh, "spec.containers[0].image"); img != "busybox" {
		t.Errorf("spec.containers[0].image = %q", img)
	}
}

func opsMust(v any, _ bool) any { return v }

func respCode(r *kobj.Response) int {
	if r == nil {
		return 0
	}
	return r.Code
}

func respBody(r *kobj.Response) []byte {
	if r == nil {
		return nil
	}
	return r.Body
}

func TestCallDeploymentScale(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	d := load(t, `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
`).SetNamespace(ns).SetClient(c)
	if _, err := d.Create(ctx); err != nil {
		t.Fatal(err)
	}

	// read the Scale through the Deployment: name and namespace from it.
	scale := opsKind(t, "readNamespacedDeploymentScale", opsObjCall(t, ctx, d, "readNamespacedDeploymentScale", nil, http.StatusOK), "Scale")
	if scale.APIVersion() != "autoscaling/v1" || opsMust(scale.Get("spec.replicas")) != int64(1) {
		t.Errorf("Scale: apiVersion %s spec %v", scale.APIVersion(), opsMust(scale.Get("spec")))
	}

	// replace it: the body is a Scale, not the Deployment, so it must be given.
	body := map[string]any{
		"apiVersion": "autoscaling/v1", "kind": "Scale",
		"metadata": map[string]any{"name": "web", "namespace": ns},
		"spec":     map[string]any{"replicas": 4},
	}
	resp := opsObjCall(t, ctx, d, "replaceNamespacedDeploymentScale", kobj.Args{"body": body}, http.StatusOK)
	if got := opsKind(t, "replaceNamespacedDeploymentScale", resp, "Scale"); opsMust(got.Get("spec.replicas")) != int64(4) {
		t.Errorf("replace answered spec %v", opsMust(got.Get("spec")))
	}
	fresh, err := readFresh(ctx, c, "apps/v1", "Deployment", ns, "web")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := fresh.GetInt64("spec.replicas"); err != nil || n != 4 {
		t.Errorf("Deployment spec.replicas = %d (%v), want 4", n, err)
	}
	scale = opsKind(t, "readAppsV1NamespacedDeploymentScale", opsCall(t, ctx, c, "readAppsV1NamespacedDeploymentScale", kobj.Args{"namespace": ns, "name": "web"}, http.StatusOK), "Scale")
	if opsMust(scale.Get("spec.replicas")) != int64(4) {
		t.Errorf("Scale read back: spec %v", opsMust(scale.Get("spec")))
	}
}

func TestCallPodEviction(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	opsPod(t, ctx, c, ns, "evictee")

	resp := opsCall(t, ctx, c, "createNamespacedPodEviction", kobj.Args{"namespace": ns, "name": "evictee", "body": map[string]any{
		"apiVersion": "policy/v1", "kind": "Eviction",
		"metadata": map[string]any{"name": "evictee", "namespace": ns},
	}}, http.StatusCreated)
	st := opsKind(t, "createNamespacedPodEviction", resp, "Status")
	if opsString(st, "status") != "Success" {
		t.Errorf("eviction answered %s", resp.Body)
	}
	p, err := readFresh(ctx, c, "v1", "Pod", ns, "evictee")
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		t.Fatal(err)
	default:
		if _, ok := p.Get("metadata.deletionTimestamp"); !ok {
			t.Errorf("evicted pod is neither gone nor being deleted: %s", p.Map()["metadata"])
		}
	}
}

func TestCallPodBinding(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	node := uniqueName(t, "node")
	nodeObj := kobj.New("v1", "Node").SetName(node).SetClient(c)
	resp := opsObjCall(t, ctx, nodeObj, "createNode", nil, http.StatusCreated)
	opsKind(t, "createNode", resp, "Node")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = c.Call(ctx, "deleteCoreV1Node", kobj.Args{"name": node})
	})
	opsPod(t, ctx, c, ns, "bindme")

	resp = opsCall(t, ctx, c, "createNamespacedPodBinding", kobj.Args{"namespace": ns, "name": "bindme", "body": map[string]any{
		"apiVersion": "v1", "kind": "Binding",
		"metadata": map[string]any{"name": "bindme"},
		"target":   map[string]any{"apiVersion": "v1", "kind": "Node", "name": node},
	}}, http.StatusCreated)
	st := opsKind(t, "createNamespacedPodBinding", resp, "Status")
	if opsString(st, "status") != "Success" {
		t.Errorf("binding answered %s", resp.Body)
	}
	p, err := readFresh(ctx, c, "v1", "Pod", ns, "bindme")
	if err != nil {
		t.Fatal(err)
	}
	if got := opsString(p, "spec.nodeName"); got != node {
		t.Errorf("spec.nodeName = %q, want %q", got, node)
	}
	// Its log: the node has no address and no kubelet, so the server
	// answers with an error, at once.
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	start := time.Now()
	resp, err = c.Call(lctx, "readNamespacedPodLog", kobj.Args{"namespace": ns, "name": "bindme"})
	var se *apierrors.StatusError
	if !errors.As(err, &se) {
		t.Errorf("readNamespacedPodLog of a pod on a node with no kubelet: %v (%T), want a StatusError", err, err)
	} else if resp == nil || resp.Code != int(se.Status().Code) {
		t.Errorf("readNamespacedPodLog: response %v with the error %v", resp, err)
	}
	t.Logf("readNamespacedPodLog of a pod on a node with no kubelet: %v, after %v", err, time.Since(start).Round(time.Millisecond))
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("readNamespacedPodLog took %v", d)
	}
	// Binding again: the server refuses it (already assigned).
	_, err = c.Call(ctx, "createCoreV1NamespacedPodBinding", kobj.Args{"namespace": ns, "name": "bindme", "body": map[string]any{
		"apiVersion": "v1", "kind": "Binding", "metadata": map[string]any{"name": "bindme"},
		"target": map[string]any{"apiVersion": "v1", "kind": "Node", "name": node},
	}})
	if !apierrors.IsConflict(err) {
		t.Errorf("second binding: %v, want a Conflict", err)
	}
}

func TestCallServiceAccountToken(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	sa := kobj.New("v1", "ServiceAccount").SetName("robot").SetNamespace(ns).SetClient(c)
	opsObjCall(t, ctx, sa, "createNamespacedServiceAccount", nil, http.StatusCreated)

	resp := opsObjCall(t, ctx, sa, "createNamespacedServiceAccountToken", kobj.Args{"body": map[string]any{
		"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
		"spec": map[string]any{"audiences": []any{"kobj-e2e"}, "expirationSeconds": 600},
	}}, http.StatusCreated)
	tr := opsKind(t, "createNamespacedServiceAccountToken", resp, "TokenRequest")
	if tok := opsString(tr, "status.token"); len(tok) < 20 || strings.Count(tok, ".") != 2 {
		t.Errorf("status.token %q is not a JWT", tok)
	}
	if aud := opsMust(tr.Get("spec.audiences")); !sameJSON(aud, []any{"kobj-e2e"}) {
		t.Errorf("spec.audiences = %v", aud)
	}
	if opsString(tr, "status.expirationTimestamp") == "" {
		t.Errorf("no status.expirationTimestamp: %s", resp.Body)
	}
}

func TestCallClusterWide(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	c, log := newCountingClient(t)
	ns := newNamespace(t, c)

	resp := opsCall(t, ctx, c, "createSelfSubjectAccessReview", kobj.Args{"body": map[string]any{
		"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
		"spec": map[string]any{"resourceAttributes": map[string]any{"verb": "delete", "resource": "configmaps", "namespace": ns}},
	}}, http.StatusCreated)
	ssar := opsKind(t, "createSelfSubjectAccessReview", resp, "SelfSubjectAccessReview")
	if ok, err := ssar.GetBool("status.allowed"); err != nil || !ok {
		t.Errorf("admin may not delete configmaps? status %v (%v)", opsMust(ssar.Get("status")), err)
	}

	resp = opsCall(t, ctx, c, "createAuthenticationV1SelfSubjectReview", kobj.Args{"body": map[string]any{
		"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview",
	}}, http.StatusCreated)
	ssr := opsKind(t, "createAuthenticationV1SelfSubjectReview", resp, "SelfSubjectReview")
	if user := opsString(ssr, "status.userInfo.username"); user == "" {
		t.Errorf("no status.userInfo.username: %s", resp.Body)
	} else {
		t.Logf("SelfSubjectReview: username %q groups %v", user, opsMust(ssr.Get("status.userInfo.groups")))
	}
	// The short name, as long as one group-version serves it.
	if resp, err := c.Call(ctx, "createSelfSubjectReview", kobj.Args{"body": map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}}); err != nil {
		var amb *kobj.AmbiguousOperationError
		if !errors.As(err, &amb) || !slices.Contains(amb.Candidates, "createAuthenticationV1SelfSubjectReview") {
			t.Errorf("createSelfSubjectReview: %v", err)
		}
	} else if resp.Code != http.StatusCreated {
		t.Errorf("createSelfSubjectReview: code %d", resp.Code)
	}

	// /version: not a Kubernetes object.
	resp = opsCall(t, ctx, c, "getCodeVersion", nil, http.StatusOK)
	if resp.Object != nil {
		t.Errorf("getCodeVersion: Object %v, want nil", resp.Object)
	}
	var version struct {
		GitVersion string `json:"gitVersion"`
		Major      string `json:"major"`
		Minor      string `json:"minor"`
		GoVersion  string `json:"goVersion"`
	}
	if err := resp.Decode(&version); err != nil {
		t.Fatal(err)
	}
	// The harness read /version with client-go (and, under make, checked it
	// is the version it built): the same answer, decoded by kobj.
	if want := "v" + serverVersion.String(); version.GitVersion != want || version.Major != "1" ||
		version.Minor != strconv.Itoa(int(serverVersion.Minor())) || version.GoVersion == "" {
		t.Errorf("getCodeVersion: %+v, want gitVersion %s", version, want)
	}
	var notAList []string
	if err := resp.Decode(&notAList); err == nil {
		t.Error("Decode of /version into a []string: no error")
	}

	// /apis: an APIGroupList, which has kind and apiVersion, so it is an Object too.
	resp = opsCall(t, ctx, c, "getAPIVersions", nil, http.StatusOK)
	var groups struct {
		Kind   string `json:"kind"`
		Groups []struct {
			Name string `json:"name"`
		} `json:"groups"`
	}
	if err := resp.Decode(&groups); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range groups.Groups {
		names = append(names, g.Name)
	}
	if groups.Kind != "APIGroupList" || !slices.Contains(names, "apps") || !slices.Contains(names, "rbac.authorization.k8s.io") {
		t.Errorf("getAPIVersions: kind %q groups %v", groups.Kind, names)
	}
	if resp.Object != nil {
		t.Errorf("getAPIVersions: Object is a %s, want nil: an APIGroupList is not a Kubernetes object", resp.Object.Kind())
	}
	resp = opsCall(t, ctx, c, "getCoreAPIVersions", nil, http.StatusOK)
	var core struct {
		Versions []string `json:"versions"`
	}
	if err := resp.Decode(&core); err != nil || !slices.Equal(core.Versions, []string{"v1"}) {
		t.Errorf("getCoreAPIVersions: %v (%v)", core.Versions, err)
	}
	if resp.Object != nil {
		t.Errorf("getCoreAPIVersions: Object is a %s, want nil", resp.Object.Kind())
	}

	// A pod's log, for a pod on no node. The server has nowhere to read it
	// from and answers at once: 204 with an empty body for the pod (that
	// is what kube-apiserver does for a pod with no node), and a
	// StatusError for a container the pod does not have or a pod that does
	// not exist. None of them is a Kubernetes object.
	opsPod(t, ctx, c, ns, "nolog")
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	start := time.Now()
	resp, err := c.Call(lctx, "readNamespacedPodLog", kobj.Args{"namespace": ns, "name": "nolog", "tailLines": 10})
	t.Logf("readNamespacedPodLog of a pod on no node: %v, code %d, %d bytes, after %v", err, respCode(resp), len(respBody(resp)), time.Since(start).Round(time.Millisecond))
	if err != nil || (resp.Code != http.StatusOK && resp.Code != http.StatusNoContent) || len(resp.Body) != 0 || resp.Object != nil {
		t.Errorf("readNamespacedPodLog of a pod on no node: %v, response %v, want 200 or 204 and an empty log", err, resp)
	}
	for _, tc := range []struct {
		args kobj.Args
		is   func(error) bool
	}{
		{kobj.Args{"namespace": ns, "name": "nolog", "container": "nosuch"}, apierrors.IsBadRequest},
		{kobj.Args{"namespace": ns, "name": "nosuchpod"}, apierrors.IsNotFound},
	} {
		start := time.Now()
		resp, err := c.Call(lctx, "readNamespacedPodLog", tc.args)
		var se *apierrors.StatusError
		if !errors.As(err, &se) || !tc.is(err) {
			t.Errorf("readNamespacedPodLog %v: %v (%T), want a StatusError", tc.args, err, err)
			continue
		}
		if resp == nil || resp.Code != int(se.Status().Code) || resp.Object == nil || resp.Object.Kind() != "Status" {
			t.Errorf("readNamespacedPodLog %v: response %v with the error %v, want the Status", tc.args, resp, err)
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("readNamespacedPodLog %v took %v", tc.args, d)
		}
	}
	log.Reset()
	_, err = c.Call(ctx, "readNamespacedPodLog", kobj.Args{"namespace": ns, "name": "nolog", "follow": true})
	if err == nil || !strings.Contains(err.Error(), "use CallStream") {
		t.Errorf("readNamespacedPodLog follow=true: %v, want an error naming CallStream", err)
	}
	if n := log.Count(); n != 0 {
		t.Errorf("readNamespacedPodLog follow=true sent %d requests: %v", n, log.Requests())
	}
}
