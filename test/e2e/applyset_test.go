package e2e

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

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
