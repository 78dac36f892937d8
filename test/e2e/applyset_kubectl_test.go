package e2e

// ApplySets compared with kubectl's: its own code
// (k8s.io/kubectl/pkg/cmd/apply, which the library does not import) and
// its binary, run against the test control plane.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/test/internal/controlplane"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/kubectl/pkg/cmd/apply"
)

// TestApplySetIDIsKubectls: kobj.ApplySetID gives the id kubectl's
// ApplySet.ID gives for the same parent, and the label and annotation
// keys are kubectl's.
func TestApplySetIDIsKubectls(t *testing.T) {
	t.Parallel()
	for _, p := range []struct{ group, kind, namespace, name string }{
		{"", "ConfigMap", "shop", "set"},
		{"", "Secret", "default", "applyset"},
		{"example.com", "Widget", "", "parent"},
		{"apps.example.com", "SetParent", "team-a", "a.b-c"},
		{"", "Secret", "ns", strings63()},
	} {
		ref := &apply.ApplySetParentRef{Name: p.name, Namespace: p.namespace,
			RESTMapping: &meta.RESTMapping{GroupVersionKind: schema.GroupVersionKind{Group: p.group, Version: "v1", Kind: p.kind}}}
		want := apply.NewApplySet(ref, apply.ApplySetTooling{Name: "kobj", Version: "v0"}, nil, nil).ID()
		if got := kobj.ApplySetID(p.group, p.kind, p.namespace, p.name); got != want {
			t.Errorf("ApplySetID%v = %s, kubectl's %s", p, got, want)
		}
	}
	for _, k := range []struct{ kobj, kubectl string }{
		{kobj.ApplySetIDLabel, apply.ApplySetParentIDLabel},
		{kobj.ApplySetPartOfLabel, apply.ApplysetPartOfLabel},
		{kobj.ApplySetToolingAnnotation, apply.ApplySetToolingAnnotation},
		{kobj.ApplySetGroupKindsAnnotation, apply.ApplySetGKsAnnotation},
		{kobj.ApplySetNamespacesAnnotation, apply.ApplySetAdditionalNamespacesAnnotation},
	} {
		if k.kobj != k.kubectl {
			t.Errorf("kobj's key %q, kubectl's %q", k.kobj, k.kubectl)
		}
	}
}

// strings63 is a long name (the id's length does not depend on it).
func strings63() string {
	b := make([]byte, 63)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return string(b)
}

// kubectlTooling returns the tooling annotation the kubectl binary of the
// control plane's folder writes: "kubectl/" and its version (not always
// the server's: the folders share one kubectl).
func kubectlTooling(t *testing.T, ctx context.Context) string {
	t.Helper()
	out, err := kubectl(t, ctx, "version", "--client", "-o", "json")
	if err != nil {
		t.Fatalf("kubectl version: %v\n%s", err, out)
	}
	var v struct {
		ClientVersion struct{ GitVersion string } `json:"clientVersion"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.ClientVersion.GitVersion == "" {
		t.Fatalf("kubectl version: %v in %q", err, out)
	}
	return "kubectl/" + v.ClientVersion.GitVersion
}

// kubectl runs the kubectl binary of the control plane's folder against
// the test control plane, with ApplySets enabled, and returns its output;
// it skips the test when the folder has no kubectl.
func kubectl(t *testing.T, ctx context.Context, args ...string) (string, error) {
	t.Helper()
	assets, err := controlplane.Binaries()
	if err != nil {
		t.Fatalf("finding the control plane's binaries: %v", err)
	}
	bin := filepath.Join(assets, "kubectl")
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("no kubectl next to the kube-apiserver: %v", err)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+writeKubeconfig(t), "KUBECTL_APPLYSET=true")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	return out.String(), err
}

// writeKubeconfig writes a kubeconfig for the test control plane's admin
// configuration into the test's temporary folder.
func writeKubeconfig(t *testing.T) string {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["e2e"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["e2e"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData,
		Token: cfg.BearerToken, Username: cfg.Username, Password: cfg.Password}
	kc.Contexts["e2e"] = &clientcmdapi.Context{Cluster: "e2e", AuthInfo: "e2e"}
	kc.CurrentContext = "e2e"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatalf("writing a kubeconfig: %v", err)
	}
	return path
}

// kubectlApplySet runs `kubectl apply --server-side --prune
// --applyset=configmap/<parent> -n ns -f <dir>` on the manifests.
func kubectlApplySet(t *testing.T, ctx context.Context, ns, parent, manifests string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "set.yaml"), []byte(manifests), 0o600); err != nil {
		t.Fatal(err)
	}
	return kubectl(t, ctx, "apply", "--server-side", "--prune", "--applyset=configmap/"+parent, "-n", ns, "-f", dir)
}

// applySetMetadata is what an ApplySet writes on its parent and members,
// with the set's id and tooling replaced by placeholders, for comparing
// two sets.
func applySetMetadata(t *testing.T, ctx context.Context, c *kobj.Client, ns string, members [][3]string) map[string]map[string]string {
	t.Helper()
	p, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "set")
	if err != nil {
		t.Fatalf("reading the parent: %v", err)
	}
	id := p.Labels()[kobj.ApplySetIDLabel]
	if want := kobj.ApplySetID("", "ConfigMap", ns, "set"); id != want {
		t.Errorf("parent in %s: id %q, want %q", ns, id, want)
	}
	norm := func(m map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			switch {
			case v == id:
				v = "<id>"
			case k == kobj.ApplySetToolingAnnotation:
				v = "<tooling>"
			}
			out[k] = v
		}
		return out
	}
	var managers []string
	for _, mf := range p.Map()["metadata"].(map[string]any)["managedFields"].([]any) {
		managers = append(managers, mf.(map[string]any)["manager"].(string))
	}
	got := map[string]map[string]string{
		"parent labels":      norm(p.Labels()),
		"parent annotations": norm(p.Annotations()),
		"parent managers":    {"all": strings.Join(managers, ",")},
		"tooling":            {"value": p.Annotations()[kobj.ApplySetToolingAnnotation]},
	}
	for _, m := range members {
		o, err := readFresh(ctx, c, m[0], m[1], ns, m[2])
		if err != nil {
			t.Fatalf("reading %s %s: %v", m[1], m[2], err)
		}
		got[m[1]+" labels"] = norm(o.Labels())
		got[m[1]+" annotations"] = norm(o.Annotations())
	}
	return got
}

// TestApplySetMetadataMatchesKubectl: the same set (a ConfigMap, a Secret
// and a Deployment) applied by `kubectl apply --server-side --prune
// --applyset` in one namespace and by ApplyAll with Prune in another gets
// the same labels and annotations, but for the tooling annotation
// (kubectl/<version>, kobj/<version>) and the parent's field manager
// (kubectl-applyset, kobj-applyset); with ApplySetTooling set to kubectl's,
// those are the same too. The id is kubectl's in each namespace.
func TestApplySetMetadataMatchesKubectl(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	c := newClient(t)
	manifests := func(ns string) string {
		return setYAML(ns, "a") + strings.ReplaceAll(`---
apiVersion: v1
kind: Secret
metadata: {name: s, namespace: $NS, labels: {app: shop}, annotations: {note: kept}}
stringData: {password: x}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: $NS}
spec:
  replicas: 1
  selector: {matchLabels: {app: d}}
  template:
    metadata: {labels: {app: d}}
    spec: {containers: [{name: c, image: registry.example/app:1}]}
`, "$NS", ns)
	}
	members := [][3]string{{"v1", "ConfigMap", "a"}, {"v1", "Secret", "s"}, {"apps/v1", "Deployment", "d"}}

	nsK, nsO, nsT := newNamespace(t, c), newNamespace(t, c), newNamespace(t, c)
	if out, err := kubectlApplySet(t, ctx, nsK, "set", manifests(nsK)); err != nil {
		t.Fatalf("kubectl apply: %v\n%s", err, out)
	}
	if _, err := c.ApplyAll(ctx, loadSet(t, manifests(nsO)), kobj.Prune(kobj.New("v1", "ConfigMap").SetName("set").SetNamespace(nsO))); err != nil {
		t.Fatalf("ApplyAll: %v", err)
	}
	if _, err := c.ApplyAll(ctx, loadSet(t, manifests(nsT)), kobj.Prune(kobj.New("v1", "ConfigMap").SetName("set").SetNamespace(nsT)),
		kobj.ApplySetTooling(kubectlTooling(t, ctx))); err != nil {
		t.Fatalf("ApplyAll with kubectl's tooling: %v", err)
	}
	byKubectl := applySetMetadata(t, ctx, c, nsK, members)
	byKobj := applySetMetadata(t, ctx, c, nsO, members)
	byKobjAsKubectl := applySetMetadata(t, ctx, c, nsT, members)
	t.Logf("kubectl wrote %v", byKubectl)

	if got, want := byKubectl["tooling"]["value"], kubectlTooling(t, ctx); got != want {
		t.Errorf("kubectl's tooling annotation %q, want %q", got, want)
	}
	if got, want := byKobj["tooling"]["value"], kobj.DefaultApplySetTooling(); got != want {
		t.Errorf("kobj's tooling annotation %q, want %q", got, want)
	}
	if got, want := byKubectl["parent managers"]["all"], "kubectl-applyset"; got != want {
		t.Errorf("kubectl's parent managers %q, want %q", got, want)
	}
	if got, want := byKobj["parent managers"]["all"], "kobj-applyset"; got != want {
		t.Errorf("kobj's parent managers %q, want %q", got, want)
	}
	if !mapsEqual(byKubectl, byKobjAsKubectl) {
		t.Errorf("kobj with kubectl's tooling wrote\n%v\nkubectl wrote\n%v", byKobjAsKubectl, byKubectl)
	}
	for _, m := range []map[string]map[string]string{byKubectl, byKobj} {
		delete(m, "tooling")
		delete(m, "parent managers")
	}
	if !mapsEqual(byKubectl, byKobj) {
		t.Errorf("kobj wrote\n%v\nkubectl wrote\n%v", byKobj, byKubectl)
	}
	if got := byKobj["parent annotations"][kobj.ApplySetGroupKindsAnnotation]; got != "ConfigMap,Deployment.apps,Secret" {
		t.Errorf("group-kinds annotation %q, want ConfigMap,Deployment.apps,Secret", got)
	}
}

func mapsEqual(a, b map[string]map[string]string) bool {
	return maps.EqualFunc(a, b, func(x, y map[string]string) bool { return maps.Equal(x, y) })
}

// TestApplySetInteropWithKubectl: a set kubectl applied is pruned by
// ApplyAll with kubectl's tooling, and a set ApplyAll applied with
// kubectl's tooling is pruned by kubectl. With its own tooling, kobj
// refuses kubectl's set (ErrForeignApplySet) and kubectl refuses kobj's,
// and neither prunes anything.
func TestApplySetInteropWithKubectl(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	c := newClient(t)

	t.Run("kubectl set kobj prunes", func(t *testing.T) {
		ns := newNamespace(t, c)
		parent := kobj.New("v1", "ConfigMap").SetName("set").SetNamespace(ns)
		if out, err := kubectlApplySet(t, ctx, ns, "set", setYAML(ns, "a", "b")); err != nil {
			t.Fatalf("kubectl apply: %v\n%s", err, out)
		}
		_, err := c.ApplyAll(ctx, loadSet(t, setYAML(ns, "a")), kobj.Prune(parent))
		if !errors.Is(err, kobj.ErrForeignApplySet) {
			t.Fatalf("ApplyAll with kobj's tooling on kubectl's set: error %v, want ErrForeignApplySet", err)
		}
		if !exists(t, ctx, c, "v1", "ConfigMap", ns, "b") {
			t.Fatalf("b was pruned by a refused ApplyAll")
		}
		// Under kubectl's field manager too, a is left as it is.
		cs, err := c.ApplyAll(ctx, loadSet(t, setYAML(ns, "a")), kobj.Prune(parent), kobj.ApplySetTooling(kubectlTooling(t, ctx)),
			kobj.FieldManager("kubectl"))
		if err != nil {
			t.Fatalf("ApplyAll with kubectl's tooling: %v", err)
		}
		if got, want := changeNames(cs), []string{"ConfigMap/" + ns + "/a=Unchanged", "ConfigMap/" + ns + "/b=Pruned"}; !slices.Equal(got, want) {
			t.Errorf("changes %v, want %v", got, want)
		}
		if exists(t, ctx, c, "v1", "ConfigMap", ns, "b") || !exists(t, ctx, c, "v1", "ConfigMap", ns, "a") {
			t.Errorf("want b pruned and a kept")
		}
		// kubectl still manages the set: adding c and dropping a.
		if out, err := kubectlApplySet(t, ctx, ns, "set", setYAML(ns, "c")); err != nil {
			t.Fatalf("kubectl apply after kobj: %v\n%s", err, out)
		}
		if exists(t, ctx, c, "v1", "ConfigMap", ns, "a") || !exists(t, ctx, c, "v1", "ConfigMap", ns, "c") {
			t.Errorf("kubectl after kobj: want a pruned and c created")
		}
	})

	t.Run("kobj set kubectl prunes", func(t *testing.T) {
		ns := newNamespace(t, c)
		parent := kobj.New("v1", "ConfigMap").SetName("set").SetNamespace(ns)
		if _, err := c.ApplyAll(ctx, loadSet(t, setYAML(ns, "a", "b")), kobj.Prune(parent)); err != nil {
			t.Fatalf("ApplyAll: %v", err)
		}
		out, err := kubectlApplySet(t, ctx, ns, "set", setYAML(ns, "a"))
		if err == nil || !strings.Contains(out, `managed by tooling "kobj"`) {
			t.Fatalf("kubectl on kobj's set: error %v, output %q; want a refusal naming kobj", err, out)
		}
		if !exists(t, ctx, c, "v1", "ConfigMap", ns, "b") {
			t.Fatalf("b was pruned by a refused kubectl apply")
		}

		ns = newNamespace(t, c)
		parent = kobj.New("v1", "ConfigMap").SetName("set").SetNamespace(ns)
		if _, err := c.ApplyAll(ctx, loadSet(t, setYAML(ns, "a", "b")), kobj.Prune(parent), kobj.ApplySetTooling(kubectlTooling(t, ctx))); err != nil {
			t.Fatalf("ApplyAll with kubectl's tooling: %v", err)
		}
		out, err = kubectlApplySet(t, ctx, ns, "set", setYAML(ns, "a"))
		if err != nil {
			t.Fatalf("kubectl apply on kobj's set: %v\n%s", err, out)
		}
		if !strings.Contains(out, "configmap/b pruned") {
			t.Errorf("kubectl output %q: want configmap/b pruned", out)
		}
		if exists(t, ctx, c, "v1", "ConfigMap", ns, "b") || !exists(t, ctx, c, "v1", "ConfigMap", ns, "a") {
			t.Errorf("want b pruned and a kept")
		}
	})
}

// TestApplySetCustomParentAcrossNamespaces: a cluster-scoped custom
// resource whose CRD has the is-parent-type label is a parent for kubectl
// and kobj alike; a set across two namespaces gets the same labels and
// annotations from both (additional-namespaces lists both namespaces, the
// parent having none), and dropping one object prunes it in its
// namespace and trims the namespaces. A kind that is neither a Secret, a
// ConfigMap nor such a custom resource is refused before any write.
func TestApplySetCustomParentAcrossNamespaces(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	c, log := newCountingClient(t)
	group := "applyset-" + suffix() + ".kobj.example.com"
	crd := loadSet(t, crdYAML(group, "Cluster"))
	crd[0].SetLabel("applyset.kubernetes.io/is-parent-type", "true")
	deleteSetAtEnd(t, c, crdYAML(group, "Cluster"))
	if _, err := c.ApplyAll(ctx, crd); err != nil {
		t.Fatalf("applying the parent CRD: %v", err)
	}

	nsX := newNamespace(t, c)
	log.Reset()
	_, err := c.ApplyAll(ctx, loadSet(t, setYAML(nsX, "a")), kobj.Prune(kobj.New("v1", "ServiceAccount").SetName("sa").SetNamespace(nsX)))
	if err == nil || !strings.Contains(err.Error(), "cannot be an ApplySet parent") {
		t.Errorf("a ServiceAccount parent: error %v, want refused", err)
	}
	for _, r := range log.Requests() {
		if !strings.HasPrefix(r, "GET ") {
			t.Errorf("the refused ApplyAll sent %s", r)
		}
	}

	type run struct {
		parent, ns1, ns2 string
		tooling          string
		apply            func(names1, names2 []string) error
	}
	newParent := func(name, tooling string) {
		p := kobj.New(group+"/v1", "Widget").SetName(name)
		p.SetLabel(kobj.ApplySetIDLabel, kobj.ApplySetID(group, "Widget", "", name))
		p.SetAnnotation(kobj.ApplySetToolingAnnotation, tooling)
		p.SetAnnotation(kobj.ApplySetGroupKindsAnnotation, "")
		if _, err := p.Create(ctx, kobj.WithClient(c)); err != nil {
			t.Fatalf("creating parent %s: %v", name, err)
		}
	}
	byKubectl := run{parent: "kubectl-parent", ns1: newNamespace(t, c), ns2: newNamespace(t, c), tooling: kubectlTooling(t, ctx)}
	byKubectl.apply = func(names1, names2 []string) error {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "set.yaml"), []byte(setYAML(byKubectl.ns1, names1...)+setYAML(byKubectl.ns2, names2...)), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := kubectl(t, ctx, "apply", "--server-side", "--prune", "--applyset=widgets."+group+"/kubectl-parent", "-f", dir)
		if err != nil {
			return fmt.Errorf("%w: %s", err, out)
		}
		return nil
	}
	byKobj := run{parent: "kobj-parent", ns1: newNamespace(t, c), ns2: newNamespace(t, c), tooling: kobj.DefaultApplySetTooling()}
	byKobj.apply = func(names1, names2 []string) error {
		objs := loadSet(t, setYAML(byKobj.ns1, names1...)+setYAML(byKobj.ns2, names2...))
		_, err := c.ApplyAll(ctx, objs, kobj.Prune(kobj.New(group+"/v1", "Widget").SetName("kobj-parent")))
		return err
	}
	for _, r := range []run{byKubectl, byKobj} {
		newParent(r.parent, r.tooling)
		id := kobj.ApplySetID(group, "Widget", "", r.parent)
		check := func(step string, namespaces string, members map[string]bool) {
			t.Helper()
			p, err := readFresh(ctx, c, group+"/v1", "Widget", "", r.parent)
			if err != nil {
				t.Fatalf("%s: reading the parent: %v", r.parent, err)
			}
			want := map[string]string{kobj.ApplySetToolingAnnotation: r.tooling,
				kobj.ApplySetGroupKindsAnnotation: "ConfigMap", kobj.ApplySetNamespacesAnnotation: namespaces}
			if got := p.Annotations(); !maps.Equal(got, want) {
				t.Errorf("%s %s: parent annotations %v, want %v", r.parent, step, got, want)
			}
			for key, want := range members {
				ns, name, _ := strings.Cut(key, "/")
				o, err := readFresh(ctx, c, "v1", "ConfigMap", ns, name)
				if got := err == nil; got != want {
					t.Errorf("%s %s: %s exists %v, want %v (%v)", r.parent, step, key, got, want, err)
					continue
				}
				if want && o.Labels()[kobj.ApplySetPartOfLabel] != id {
					t.Errorf("%s %s: %s labels %v, want part-of %s", r.parent, step, key, o.Labels(), id)
				}
			}
		}
		if err := r.apply([]string{"a"}, []string{"b"}); err != nil {
			t.Fatalf("%s: first apply: %v", r.parent, err)
		}
		both := strings.Join(slices.Sorted(slices.Values([]string{r.ns1, r.ns2})), ",")
		check("after the first apply", both, map[string]bool{r.ns1 + "/a": true, r.ns2 + "/b": true})
		if err := r.apply([]string{"a"}, nil); err != nil {
			t.Fatalf("%s: second apply: %v", r.parent, err)
		}
		check("after pruning", r.ns1, map[string]bool{r.ns1 + "/a": true, r.ns2 + "/b": false})
	}
}
