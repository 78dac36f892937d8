package e2e

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
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

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

// setYAML is ConfigMaps, one per name, in namespace ns.
func setYAML(ns string, names ...string) string {
	var b strings.Builder
	for _, name := range names {
		b.WriteString("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + ", namespace: " + ns + "}\ndata: {k: v}\n")
	}
	return b.String()
}

// exists reports whether the object exists, failing the test on another
// error than NotFound.
func exists(t *testing.T, ctx context.Context, c *kobj.Client, apiVersion, kind, ns, name string) bool {
	t.Helper()
	_, err := readFresh(ctx, c, apiVersion, kind, ns, name)
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatalf("reading %s %s/%s: %v", kind, ns, name, err)
	}
	return err == nil
}

// changeNames returns "Kind/namespace/name=Action" for each change,
// sorted.
func changeNames(cs *kobj.ChangeSet) []string {
	var out []string
	for _, ch := range cs.Changes {
		o := ch.Object
		out = append(out, o.Kind()+"/"+o.Namespace()+"/"+o.Name()+"="+string(ch.Action))
	}
	slices.Sort(out)
	return out
}

// TestApplyAllPrunesWhatLeftTheSet: {a in ns, b in ns2} applied with
// Prune(configmap/set in ns), then {a}: b is deleted (listed in the
// namespace the parent recorded), a kept; objects with similar labels but
// another set's id, or no part-of label, stay, and so does the parent.
// The parent's and members' labels and annotations are the KEP-3659
// strings.
func TestApplyAllPrunesWhatLeftTheSet(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	c := newClient(t)
	ns, ns2 := newNamespace(t, c), newNamespace(t, c)
	parent := kobj.New("v1", "ConfigMap").SetName("set").SetNamespace(ns)
	id := kobj.ApplySetID("", "ConfigMap", ns, "set")
	other := kobj.ApplySetID("", "ConfigMap", ns, "another-set")
	for name, labels := range map[string]map[string]string{
		"stranger":  {kobj.ApplySetPartOfLabel: other, "app": "shop"},
		"bystander": {"app": "shop"},
	} {
		o := newConfigMap(name, ns, map[string]any{"k": "v"}).SetLabels(labels)
		if _, err := o.Create(ctx, kobj.WithClient(c)); err != nil {
			t.Fatalf("creating %s: %v", name, err)
		}
	}

	cs, err := c.ApplyAll(ctx, loadSet(t, setYAML(ns, "a")+setYAML(ns2, "b")), kobj.Prune(parent), kobj.FieldManager("deployer"))
	if err != nil {
		t.Fatalf("first ApplyAll: %v", err)
	}
	want := []string{"ConfigMap/" + ns + "/a=Created", "ConfigMap/" + ns2 + "/b=Created"}
	slices.Sort(want)
	if got := changeNames(cs); !slices.Equal(got, want) {
		t.Fatalf("first ApplyAll: %v, want %v", got, want)
	}
	p, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "set")
	if err != nil {
		t.Fatalf("reading the parent: %v", err)
	}
	wantAnnotations := map[string]string{
		kobj.ApplySetToolingAnnotation:    kobj.DefaultApplySetTooling(),
		kobj.ApplySetGroupKindsAnnotation: "ConfigMap",
		kobj.ApplySetNamespacesAnnotation: ns2,
	}
	if got := p.Labels(); !maps.Equal(got, map[string]string{kobj.ApplySetIDLabel: id}) {
		t.Errorf("parent labels %v, want only %s=%s", got, kobj.ApplySetIDLabel, id)
	}
	if got := p.Annotations(); !maps.Equal(got, wantAnnotations) {
		t.Errorf("parent annotations %v, want %v", got, wantAnnotations)
	}
	for _, m := range [][2]string{{ns, "a"}, {ns2, "b"}} {
		o, err := readFresh(ctx, c, "v1", "ConfigMap", m[0], m[1])
		if err != nil {
			t.Fatal(err)
		}
		if got := o.Labels(); !maps.Equal(got, map[string]string{kobj.ApplySetPartOfLabel: id}) {
			t.Errorf("member %s labels %v, want only %s=%s", o, got, kobj.ApplySetPartOfLabel, id)
		}
	}

	// Even labelled as a member of its own set, the parent is not pruned.
	if _, err := p.SetLabel(kobj.ApplySetPartOfLabel, id).Update(ctx); err != nil {
		t.Fatalf("labelling the parent: %v", err)
	}
	cs, err = c.ApplyAll(ctx, loadSet(t, setYAML(ns, "a")), kobj.Prune(parent), kobj.FieldManager("deployer"))
	if err != nil {
		t.Fatalf("second ApplyAll: %v", err)
	}
	want = []string{"ConfigMap/" + ns + "/a=Unchanged", "ConfigMap/" + ns2 + "/b=Pruned"}
	slices.Sort(want)
	if got := changeNames(cs); !slices.Equal(got, want) {
		t.Fatalf("second ApplyAll: %v, want %v", got, want)
	}
	if exists(t, ctx, c, "v1", "ConfigMap", ns2, "b") {
		t.Errorf("b still exists after it left the set")
	}
	for _, name := range []string{"a", "stranger", "bystander", "set"} {
		if !exists(t, ctx, c, "v1", "ConfigMap", ns, name) {
			t.Errorf("%s was deleted; only b should be", name)
		}
	}
	p, err = readFresh(ctx, c, "v1", "ConfigMap", ns, "set")
	if err != nil {
		t.Fatal(err)
	}
	wantAnnotations[kobj.ApplySetNamespacesAnnotation] = ""
	if got := p.Annotations(); !maps.Equal(got, wantAnnotations) {
		t.Errorf("parent annotations after pruning %v, want %v", got, wantAnnotations)
	}
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

// TestApplyAllDryRunListsWithoutWriting: after {a, b} applied with Prune,
// a dry run of {a changed, c} reports a Configured, c Created and b
// Pruned, and writes nothing: every PATCH is a dry run, no DELETE, b
// still exists, c does not, a and the parent are as they were.
func TestApplyAllDryRunListsWithoutWriting(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	c, log := newCountingClient(t)
	ns := newNamespace(t, c)
	parent := kobj.New("v1", "ConfigMap").SetName("set").SetNamespace(ns)
	if _, err := c.ApplyAll(ctx, loadSet(t, setYAML(ns, "a", "b", "d")), kobj.Prune(parent)); err != nil {
		t.Fatalf("ApplyAll: %v", err)
	}
	before := map[string]string{}
	for _, name := range []string{"a", "b", "set"} {
		o, err := readFresh(ctx, c, "v1", "ConfigMap", ns, name)
		if err != nil {
			t.Fatal(err)
		}
		before[name] = o.ResourceVersion()
	}

	log.Reset()
	objs := loadSet(t, strings.Replace(setYAML(ns, "a"), "{k: v}", "{k: changed}", 1)+setYAML(ns, "c", "d"))
	cs, err := c.ApplyAll(ctx, objs, kobj.Prune(parent), kobj.DryRun())
	if err != nil {
		t.Fatalf("dry-run ApplyAll: %v", err)
	}
	want := []string{"ConfigMap/" + ns + "/a=Configured", "ConfigMap/" + ns + "/b=Pruned",
		"ConfigMap/" + ns + "/c=Created", "ConfigMap/" + ns + "/d=Unchanged"}
	if got := changeNames(cs); !slices.Equal(got, want) {
		t.Fatalf("dry run: %v, want %v", got, want)
	}
	for _, r := range log.Requests() {
		method, _, _ := strings.Cut(r, " ")
		switch {
		case method == "GET":
		case method == "PATCH" && strings.Contains(r, "dryRun=All"):
		default:
			t.Errorf("the dry run sent %s", r)
		}
	}
	if objs[0].Labels()[kobj.ApplySetPartOfLabel] != "" || mustString(t, objs[0], "data.k") != "changed" {
		t.Errorf("the dry run changed the caller's object: %v", objs[0].Map())
	}
	for name, rv := range before {
		o, err := readFresh(ctx, c, "v1", "ConfigMap", ns, name)
		if err != nil {
			t.Fatalf("%s after the dry run: %v", name, err)
		}
		if o.ResourceVersion() != rv {
			t.Errorf("%s: resourceVersion %s after the dry run, %s before", name, o.ResourceVersion(), rv)
		}
	}
	if exists(t, ctx, c, "v1", "ConfigMap", ns, "c") {
		t.Errorf("c exists after the dry run")
	}

	// A dry run of a set whose parent does not exist yet creates nothing.
	fresh := kobj.New("v1", "ConfigMap").SetName("fresh-set").SetNamespace(ns)
	cs, err = c.ApplyAll(ctx, loadSet(t, setYAML(ns, "x")), kobj.Prune(fresh), kobj.DryRun())
	if err != nil {
		t.Fatalf("dry run of a new set: %v", err)
	}
	if got, want := changeNames(cs), []string{"ConfigMap/" + ns + "/x=Created"}; !slices.Equal(got, want) {
		t.Errorf("dry run of a new set: %v, want %v", got, want)
	}
	if exists(t, ctx, c, "v1", "ConfigMap", ns, "fresh-set") || exists(t, ctx, c, "v1", "ConfigMap", ns, "x") {
		t.Errorf("the dry run of a new set created its parent or member")
	}
}

// TestApplyAllImmutableField: changing the data of a ConfigMap with
// immutable: true fails with the server's Invalid error; with
// RecreateOnImmutable the ConfigMap is deleted and created again (a new
// UID, the new data), and its Change says Created and Recreated. A dry
// run with the option reports the same and deletes nothing.
func TestApplyAllImmutableField(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	manifest := func(value string) []*kobj.Object {
		return loadSet(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: frozen, namespace: "+ns+"}\nimmutable: true\ndata: {k: "+value+"}\n")
	}
	if _, err := c.ApplyAll(ctx, manifest("one")); err != nil {
		t.Fatalf("ApplyAll: %v", err)
	}
	first, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "frozen")
	if err != nil {
		t.Fatal(err)
	}

	cs, err := c.ApplyAll(ctx, manifest("two"))
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "immutable") {
		t.Fatalf("changing an immutable ConfigMap: error %v, want the server's Invalid, immutable", err)
	}
	if len(cs.Changes) != 1 || !apierrors.IsInvalid(cs.Changes[0].Err) || cs.Changes[0].Action != "" {
		t.Errorf("changes %+v, want one failed with the server's error", cs.Changes)
	}

	cs, err = c.ApplyAll(ctx, manifest("two"), kobj.RecreateOnImmutable(), kobj.DryRun())
	if err != nil {
		t.Fatalf("dry run with RecreateOnImmutable: %v", err)
	}
	if ch := cs.Changes[0]; ch.Action != kobj.Created || !ch.Recreated {
		t.Errorf("dry run: change %+v, want Created and Recreated", ch)
	}
	if o, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "frozen"); err != nil || o.UID() != first.UID() {
		t.Errorf("after the dry run: %v, uid %v, want the first object (%s)", err, o.UID(), first.UID())
	}

	cs, err = c.ApplyAll(ctx, manifest("two"), kobj.RecreateOnImmutable())
	if err != nil {
		t.Fatalf("ApplyAll with RecreateOnImmutable: %v", err)
	}
	if ch := cs.Changes[0]; ch.Action != kobj.Created || !ch.Recreated || ch.Err != nil {
		t.Errorf("change %+v, want Created and Recreated", ch)
	}
	second, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "frozen")
	if err != nil {
		t.Fatal(err)
	}
	if second.UID() == first.UID() || mustString(t, second, "data.k") != "two" {
		t.Errorf("after recreation: uid %s (was %s), data.k %q; want a new uid and two", second.UID(), first.UID(), mustString(t, second, "data.k"))
	}
	if cs.Changes[0].Object.UID() != second.UID() {
		t.Errorf("the Change's object has uid %s, the server's %s", cs.Changes[0].Object.UID(), second.UID())
	}
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

// TestApplyAllPruneAfterAFailedRun: when an apply of the set fails,
// nothing is pruned and the parent keeps the kinds of the old set and the
// new one, so that the next successful run prunes what the failed one
// left: the Secret of the first run survives the failed run and goes with
// the next.
func TestApplyAllPruneAfterAFailedRun(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	parent := kobj.New("v1", "Secret").SetName("set").SetNamespace(ns)
	secret := "---\napiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: " + ns + "}\nstringData: {k: v}\n"
	bad := "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad, namespace: " + ns + "}\ndata: {\"not a key!\": v}\n"
	kinds := func() string {
		t.Helper()
		p, err := readFresh(ctx, c, "v1", "Secret", ns, "set")
		if err != nil {
			t.Fatalf("reading the parent: %v", err)
		}
		return p.Annotations()[kobj.ApplySetGroupKindsAnnotation]
	}

	if _, err := c.ApplyAll(ctx, loadSet(t, setYAML(ns, "a")+secret), kobj.Prune(parent)); err != nil {
		t.Fatalf("first ApplyAll: %v", err)
	}
	if got := kinds(); got != "ConfigMap,Secret" {
		t.Errorf("group-kinds %q after the first run, want ConfigMap,Secret", got)
	}
	cs, err := c.ApplyAll(ctx, loadSet(t, setYAML(ns, "a")+bad), kobj.Prune(parent))
	if !apierrors.IsInvalid(err) {
		t.Fatalf("second ApplyAll: error %v, want the server's Invalid", err)
	}
	for _, ch := range cs.Changes {
		if ch.Action == kobj.Pruned {
			t.Errorf("the failed run pruned %s", ch.Object)
		}
	}
	if !exists(t, ctx, c, "v1", "Secret", ns, "s") {
		t.Errorf("the failed run deleted Secret s")
	}
	if got := kinds(); got != "ConfigMap,Secret" {
		t.Errorf("group-kinds %q after the failed run, want the superset ConfigMap,Secret", got)
	}
	cs, err = c.ApplyAll(ctx, loadSet(t, setYAML(ns, "a")), kobj.Prune(parent))
	if err != nil {
		t.Fatalf("third ApplyAll: %v", err)
	}
	if got, want := changeNames(cs), []string{"ConfigMap/" + ns + "/a=Unchanged", "Secret/" + ns + "/s=Pruned"}; !slices.Equal(got, want) {
		t.Errorf("third run: %v, want %v", got, want)
	}
	if exists(t, ctx, c, "v1", "Secret", ns, "s") || !exists(t, ctx, c, "v1", "Secret", ns, "set") {
		t.Errorf("want Secret s pruned and the parent Secret kept")
	}
	if got := kinds(); got != "ConfigMap" {
		t.Errorf("group-kinds %q after the third run, want ConfigMap", got)
	}
}

// TestApplyAllDryRunOfNewKinds: a dry run of a set that would create a
// CRD and a Namespace reports them Created and creates neither; the custom
// resource and the ConfigMap that need them fail (as documented), and
// nothing exists afterwards.
func TestApplyAllDryRunOfNewKinds(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c, log := newCountingClient(t)
	group := "dryrun-" + suffix() + ".kobj.example.com"
	ns := uniqueName(t, "dry")
	cs, err := c.ApplyAll(ctx, loadSet(t, worstOrderYAML(group, ns, "blue")), kobj.DryRun())
	if err == nil {
		t.Fatalf("dry run of a set needing its own CRD and Namespace succeeded: %v", actions(cs))
	}
	want := []string{"Namespace/" + ns + "=Created", "CustomResourceDefinition/widgets." + group + "=Created",
		"Widget/w1=", "ConfigMap/settings="}
	if got := actions(cs); !slices.Equal(got, want) {
		t.Errorf("changes %v, want %v", got, want)
	}
	if ch := cs.Changes[3]; !apierrors.IsNotFound(ch.Err) {
		t.Errorf("the ConfigMap's error %v, want the server's NotFound (its namespace)", ch.Err)
	}
	if ch := cs.Changes[2]; !isUnknownKind(ch.Err) {
		t.Errorf("the Widget's error %v, want an unknown kind", ch.Err)
	}
	for _, r := range log.Requests() {
		method, _, _ := strings.Cut(r, " ")
		if method != "GET" && !(method == "PATCH" && strings.Contains(r, "dryRun=All")) {
			t.Errorf("the dry run sent %s", r)
		}
	}
	if exists(t, ctx, c, "v1", "Namespace", "", ns) || exists(t, ctx, c, "apiextensions.k8s.io/v1", "CustomResourceDefinition", "", "widgets."+group) {
		t.Errorf("the dry run created the Namespace or the CRD")
	}
}
