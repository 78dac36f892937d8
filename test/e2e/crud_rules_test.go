package e2e

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// warm makes c's discovery know the core group, so that later calls can be
// counted without discovery's requests.
func warm(t *testing.T, c *kobj.Client, log *requestLog, ns string) {
	t.Helper()
	ctx := testContext(t, 30*time.Second)
	if _, err := kobj.New("v1", "ConfigMapList").Read(ctx, kobj.InNamespace(ns), kobj.WithClient(c)); err != nil {
		t.Fatalf("warming discovery: %v", err)
	}
	log.Reset()
}

func newConfigMap(name, ns string, data map[string]any) *kobj.Object {
	o := kobj.New("v1", "ConfigMap").SetName(name)
	if ns != "" {
		o.SetNamespace(ns)
	}
	if data != nil {
		o.Map()["data"] = data
	}
	return o
}

func TestNamespaceMismatchFailsBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c, log := newCountingClient(t)
	ns := newNamespace(t, c)
	warm(t, c, log, ns)

	o := newConfigMap("cm", "b-"+ns, map[string]any{"k": "v"}).SetClient(c)
	checks := map[string]func() error{
		"Create": func() error { _, err := o.Create(ctx, kobj.InNamespace(ns)); return err },
		"Read":   func() error { _, err := o.Read(ctx, kobj.InNamespace(ns)); return err },
		"Update": func() error { _, err := o.Update(ctx, kobj.InNamespace(ns)); return err },
		"Delete": func() error { _, err := o.Delete(ctx, kobj.InNamespace(ns)); return err },
		"Edit": func() error {
			_, err := o.Edit(ctx, func(*kobj.Object) error { return nil }, kobj.InNamespace(ns))
			return err
		},
		"Create with a different name": func() error { _, err := o.Create(ctx, kobj.Named("other")); return err },
	}
	for call, f := range checks {
		err := f()
		if err == nil {
			t.Errorf("%s with mismatched namespace or name: no error", call)
			continue
		}
		if apierrors.ReasonForError(err) != "" {
			t.Errorf("%s: got a server error %v, want a client-side one", call, err)
		}
		if !strings.Contains(err.Error(), ns) && !strings.Contains(err.Error(), "other") {
			t.Errorf("%s: error %q names neither value", call, err)
		}
	}
	if n := log.Count(); n != 0 {
		t.Errorf("mismatched calls sent %d requests, want 0: %v", n, log.Requests())
	}
	// Nothing was created anywhere.
	if _, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.Named("cm"), kobj.InNamespace(ns), kobj.WithClient(c)); !apierrors.IsNotFound(err) {
		t.Errorf("Read after the failed Create: %v, want NotFound", err)
	}
}

func TestNamespaceForClusterScopedKindIsAnError(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c, log := newCountingClient(t)
	ns := newNamespace(t, c)
	warm(t, c, log, ns)

	cr := kobj.New("rbac.authorization.k8s.io/v1", "ClusterRole").SetName(uniqueName(t, "cr")).SetClient(c)
	if _, err := cr.Create(ctx, kobj.InNamespace(ns)); err == nil {
		t.Error("Create ClusterRole with InNamespace: no error")
	} else if !strings.Contains(err.Error(), "cluster-scoped") {
		t.Errorf("Create ClusterRole with InNamespace: error %q does not say the kind is cluster-scoped", err)
	}
	cr.SetNamespace(ns)
	if _, err := cr.Create(ctx); err == nil {
		t.Error("Create ClusterRole with metadata.namespace: no error")
	}
	if _, err := kobj.New("v1", "Namespace").Read(ctx, kobj.Named(ns), kobj.InNamespace(ns), kobj.WithClient(c)); err == nil {
		t.Error("Read Namespace with InNamespace: no error")
	}
	// Discovery (warmed through the core group) knows every group: not
	// even a discovery request is needed to refuse these calls.
	if n := log.Count(); n != 0 {
		t.Errorf("cluster-scoped calls with a namespace sent %d requests, want 0: %v", n, log.Requests())
	}
	if _, err := kobj.New("v1", "Namespace").Read(ctx, kobj.Named(ns), kobj.WithClient(c)); err != nil {
		t.Errorf("Read Namespace without a namespace: %v", err)
	}
}

func TestNoNamespaceUsesTheClientDefault(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	admin := newClient(t)
	if got := admin.Namespace(); got != "default" {
		t.Errorf("NewClient without DefaultNamespace: Namespace() = %q, want default", got)
	}
	ns := newNamespace(t, admin)
	c := newClient(t, kobj.DefaultNamespace(ns))
	if got := c.Namespace(); got != ns {
		t.Errorf("Namespace() = %q, want %q", got, ns)
	}

	o := newConfigMap("defaulted", "", map[string]any{"k": "v"}).SetClient(c)
	if _, err := o.Create(ctx); err != nil {
		t.Fatalf("Create without a namespace: %v", err)
	}
	if o.Namespace() != ns {
		t.Errorf("created in namespace %q, want the client's default %q", o.Namespace(), ns)
	}
	if _, err := readFresh(ctx, admin, "v1", "ConfigMap", ns, "defaulted"); err != nil {
		t.Errorf("the ConfigMap is not in %s: %v", ns, err)
	}
	if _, err := readFresh(ctx, admin, "v1", "ConfigMap", "default", "defaulted"); !apierrors.IsNotFound(err) {
		t.Errorf("Read in namespace default: %v, want NotFound", err)
	}
	// An anonymous read without namespace finds it too.
	back, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.Named("defaulted"), kobj.WithClient(c))
	if err != nil {
		t.Fatalf("Read without a namespace: %v", err)
	}
	if v, _ := back.GetString("data.k"); v != "v" {
		t.Errorf("data.k = %q, want v", v)
	}
}

func TestUnknownKind(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c, log := newCountingClient(t)
	ns := newNamespace(t, c)
	warm(t, c, log, ns)

	// A miss refetches discovery once (two requests); a group-version the
	// server does not list costs one more, the GET of its APIService, which
	// does not exist: nothing is coming, so nothing is waited for. The core
	// group never waits.
	for _, tc := range []struct {
		apiVersion, kind string
		requests         int
	}{
		{"v1", "NoSuchKind", 2},
		{"nosuch.example.com/v1", "Widget", 3},
		{"v1", "Configmap", 2},      // wrong case
		{"apps/v1", "ConfigMap", 2}, // right kind, wrong group: lookup is group-aware
		{"v2", "ConfigMap", 2},      // wrong version of the core group
		{"apps/v1beta9", "Deployment", 3},
	} {
		log.Reset()
		_, err := kobj.New(tc.apiVersion, tc.kind).Read(ctx, kobj.Named("x"), kobj.InNamespace(ns), kobj.WithClient(c))
		var uk *kobj.UnknownKindError
		if !errors.As(err, &uk) {
			t.Errorf("Read %s %s: %v, want a *kobj.UnknownKindError", tc.apiVersion, tc.kind, err)
			continue
		}
		if uk.APIVersion != tc.apiVersion || uk.Kind != tc.kind {
			t.Errorf("Read %s %s: UnknownKindError{APIVersion: %q, Kind: %q}", tc.apiVersion, tc.kind, uk.APIVersion, uk.Kind)
		}
		if apierrors.IsNotFound(err) {
			t.Errorf("Read %s %s: an unknown kind must not look like a NotFound object", tc.apiVersion, tc.kind)
		}
		t.Logf("%s %s: %v (suggestions %q)", tc.apiVersion, tc.kind, err, uk.Suggestions)
		if tc.kind == "Configmap" || tc.kind == "ConfigMap" {
			if !strings.Contains(strings.Join(uk.Suggestions, " "), "ConfigMap") {
				t.Errorf("Read %s %s: suggestions %q do not include ConfigMap", tc.apiVersion, tc.kind, uk.Suggestions)
			}
		}
		for _, r := range log.Requests() {
			if !strings.HasPrefix(r, "GET /api") || strings.Contains(r, "/namespaces/") {
				t.Errorf("Read %s %s sent %s", tc.apiVersion, tc.kind, r)
			}
		}
		if n := log.Count(); n != tc.requests {
			t.Errorf("Read %s %s sent %d discovery requests, want %d: %v", tc.apiVersion, tc.kind, n, tc.requests, log.Requests())
		}
	}
}

func TestNotFoundIsATypedError(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)

	o := newConfigMap("missing", ns, nil).SetClient(c)
	_, err := o.Read(ctx)
	if !apierrors.IsNotFound(err) {
		t.Fatalf("Read missing: %v, want NotFound", err)
	}
	var se *apierrors.StatusError
	if !errors.As(err, &se) {
		t.Errorf("Read missing: %T is not an *apierrors.StatusError", err)
	} else if se.ErrStatus.Details == nil || se.ErrStatus.Details.Name != "missing" || se.ErrStatus.Details.Kind != "configmaps" {
		t.Errorf("Read missing: status details %+v, want name missing kind configmaps", se.ErrStatus.Details)
	}
	if _, err := o.Delete(ctx); !apierrors.IsNotFound(err) {
		t.Errorf("Delete missing: %v, want NotFound", err)
	}
	o.Map()["data"] = map[string]any{"a": "b"}
	if _, err := o.Update(ctx); !apierrors.IsNotFound(err) {
		t.Errorf("Update missing: %v, want NotFound", err)
	}
	if _, err := kobj.New("v1", "Namespace").Read(ctx, kobj.Named("no-such-namespace-"+suffix()), kobj.WithClient(c)); !apierrors.IsNotFound(err) {
		t.Errorf("Read missing Namespace: %v, want NotFound", err)
	}
}

func TestStaleUpdateConflicts(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	if _, err := newConfigMap("shared", ns, map[string]any{"owner": "nobody"}).SetClient(c).Create(ctx); err != nil {
		t.Fatal(err)
	}

	first, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "shared")
	if err != nil {
		t.Fatal(err)
	}
	second, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "shared")
	if err != nil {
		t.Fatal(err)
	}
	first.Map()["data"].(map[string]any)["owner"] = "first"
	if _, err := first.Update(ctx); err != nil {
		t.Fatalf("first Update: %v", err)
	}
	// second touches another key: a patch without resourceVersion would
	// merge cleanly and lose nothing visible, but it was made against a
	// stale version and must fail.
	second.Map()["data"].(map[string]any)["other"] = "second"
	second.Map()["data"].(map[string]any)["owner"] = "second"
	_, err = second.Update(ctx)
	if !apierrors.IsConflict(err) {
		t.Fatalf("stale Update: %v, want Conflict", err)
	}
	got, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "shared")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := got.GetString("data.owner"); v != "first" {
		t.Errorf("after the conflict, data.owner = %q, want first", v)
	}
	if _, ok := got.Get("data.other"); ok {
		t.Error("after the conflict, data.other is on the server: the stale update was partly written")
	}
}

func TestUpdateClearsAField(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	o := newConfigMap("clear", ns, map[string]any{"x": "1", "y": "2", "z": "3"}).SetClient(c)
	o.SetLabel("keep", "yes").SetLabel("drop", "yes")
	if _, err := o.Create(ctx); err != nil {
		t.Fatal(err)
	}

	// Through Remove.
	if !o.Remove("data.x") {
		t.Fatal("Remove(data.x) removed nothing")
	}
	// Through the shared map.
	delete(o.Map()["metadata"].(map[string]any)["labels"].(map[string]any), "drop")
	if _, err := o.Update(ctx); err != nil {
		t.Fatalf("Update: %v", err)
	}
	got, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "clear")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Get("data.x"); ok {
		t.Error("data.x is still on the server after removing it and updating")
	}
	if v, _ := got.GetString("data.y"); v != "2" {
		t.Errorf("data.y = %q, want 2", v)
	}
	if got.Labels()["drop"] != "" || got.Labels()["keep"] != "yes" {
		t.Errorf("labels on the server: %v, want only keep=yes", got.Labels())
	}

	// Clearing a whole map, then updating again from the same object (the
	// second update diffs against the server's answer to the first).
	o.Remove("data")
	if _, err := o.Update(ctx); err != nil {
		t.Fatalf("second Update: %v", err)
	}
	got, err = readFresh(ctx, c, "v1", "ConfigMap", ns, "clear")
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := got.Get("data"); ok && len(d.(map[string]any)) > 0 {
		t.Errorf("data on the server after removing it: %v", d)
	}
}

func TestDryRunLeavesNothingBehind(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)

	o := newConfigMap("dry", ns, map[string]any{"k": "v"}).SetClient(c)
	before := o.DeepCopy()
	answer, err := o.Create(ctx, kobj.DryRun())
	if err != nil {
		t.Fatalf("dry-run Create: %v", err)
	}
	if _, ok := answer.Get("metadata.creationTimestamp"); !ok || answer == o {
		t.Error("dry-run Create: the server's answer is not returned as a new object")
	}
	if !o.Equal(before) {
		t.Errorf("dry-run Create changed the object: %v", before.Diff(o))
	}
	if _, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "dry"); !apierrors.IsNotFound(err) {
		t.Fatalf("Read after a dry-run Create: %v, want NotFound", err)
	}

	// Dry-run Update and Delete of a real object change nothing.
	real := newConfigMap("real", ns, map[string]any{"k": "v"}).SetClient(c)
	if _, err := real.Create(ctx); err != nil {
		t.Fatal(err)
	}
	real.Map()["data"].(map[string]any)["k"] = "changed"
	if _, err := real.Update(ctx, kobj.DryRun()); err != nil {
		t.Fatalf("dry-run Update: %v", err)
	}
	if v, _ := real.GetString("data.k"); v != "changed" {
		t.Errorf("dry-run Update answer: data.k = %q, want changed", v)
	}
	if _, err := real.Delete(ctx, kobj.DryRun()); err != nil {
		t.Fatalf("dry-run Delete: %v", err)
	}
	got, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "real")
	if err != nil {
		t.Fatalf("Read after dry-run Update and Delete: %v", err)
	}
	if v, _ := got.GetString("data.k"); v != "v" {
		t.Errorf("after a dry-run Update, the server has data.k = %q, want v", v)
	}
}

func TestListReadsEveryPage(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	c, log := newCountingClient(t)
	ns := newNamespace(t, c)

	const n = 25
	var wg sync.WaitGroup
	errs := make(chan error, n+3)
	for i := range n + 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := newConfigMap(fmt.Sprintf("cm-%02d", i), ns, map[string]any{"i": fmt.Sprint(i)}).SetClient(c)
			if i < n {
				o.SetLabel("batch", "x")
			} else {
				o.SetLabel("batch", "y") // not selected
			}
			if _, err := o.Create(ctx); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Create: %v", err)
	}

	log.Reset()
	list := kobj.New("v1", "ConfigMapList").SetClient(c)
	if _, err := list.Read(ctx, kobj.InNamespace(ns), kobj.LabelSelector("batch=x"), kobj.Limit(7)); err != nil {
		t.Fatalf("list Read: %v", err)
	}
	items := list.Items()
	if len(items) != n {
		t.Fatalf("Items() has %d objects, want %d", len(items), n)
	}
	seen := map[string]bool{}
	for _, it := range items {
		if it.Kind() != "ConfigMap" || it.APIVersion() != "v1" {
			t.Errorf("item %s: want v1 ConfigMap", it)
		}
		if it.Labels()["batch"] != "x" {
			t.Errorf("item %s has label batch=%q", it.Name(), it.Labels()["batch"])
		}
		if seen[it.Name()] {
			t.Errorf("item %s listed twice", it.Name())
		}
		seen[it.Name()] = true
	}
	if list.Kind() != "ConfigMapList" {
		t.Errorf("after Read, the list's kind is %q", list.Kind())
	}
	if _, ok := list.Get("metadata.continue"); ok {
		t.Error("after Read, the list still has metadata.continue")
	}
	lists := log.Matching(func(method, path, _ string) bool {
		return method == "GET" && path == "/api/v1/namespaces/"+ns+"/configmaps"
	})
	if len(lists) != 4 {
		t.Errorf("saw %d list requests, want 4 pages of at most 7: %v", len(lists), lists)
	}
	for _, r := range lists {
		if !strings.Contains(r, "limit=7") || !strings.Contains(r, "labelSelector=batch") {
			t.Errorf("list request %s lacks the limit or the selector", r)
		}
	}
	if len(lists) != log.Count() {
		t.Errorf("the list Read sent other requests too: %v", log.Requests())
	}
}

func TestDeleteThroughAnAnonymousObject(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	if _, err := newConfigMap("p", ns, nil).SetClient(c).Create(ctx); err != nil {
		t.Fatal(err)
	}
	anon := kobj.New("v1", "ConfigMap")
	if _, err := anon.Delete(ctx, kobj.Named("p"), kobj.InNamespace(ns), kobj.WithClient(c)); err != nil {
		t.Fatalf("anonymous Delete: %v", err)
	}
	if _, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "p"); !apierrors.IsNotFound(err) {
		t.Errorf("Read after Delete: %v, want NotFound", err)
	}
	// An anonymous delete with no name at all is refused.
	if _, err := kobj.New("v1", "ConfigMap").Delete(ctx, kobj.InNamespace(ns), kobj.WithClient(c)); err == nil {
		t.Error("Delete without a name: no error")
	}
}

// TestDryRunThenForReal: validating a change with a dry run, then making
// it, is the natural use of DryRun. The dry run's answer is not what the
// server holds, so the real call must still send the change.
func TestDryRunThenForReal(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)

	// Create: dry run, then for real.
	o := newConfigMap("twice", ns, map[string]any{"k": "v"}).SetClient(c)
	if _, err := o.Create(ctx, kobj.DryRun()); err != nil {
		t.Fatalf("dry-run Create: %v", err)
	}
	if _, err := o.Create(ctx); err != nil {
		t.Fatalf("Create after a dry-run Create: %v", err)
	}
	if _, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "twice"); err != nil {
		t.Fatalf("Read after Create: %v", err)
	}

	// Update: dry run, then for real.
	o.Map()["data"].(map[string]any)["k"] = "changed"
	o.SetLabel("stage", "validated")
	if _, err := o.Update(ctx, kobj.DryRun()); err != nil {
		t.Fatalf("dry-run Update: %v", err)
	}
	if _, err := o.Update(ctx); err != nil {
		t.Fatalf("Update after a dry-run Update: %v", err)
	}
	got, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "twice")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := got.GetString("data.k"); v != "changed" || got.Labels()["stage"] != "validated" {
		t.Errorf("after a dry-run Update then a real Update, the server has data.k=%q labels=%v, want data.k=changed and stage=validated", v, got.Labels())
	}
	if !o.Equal(got) {
		t.Errorf("the object says the change is made, the server differs: %v", o.Diff(got))
	}
}

// TestListItemUpdateClearsAField: an item of a list Read was read from the
// server, so its Update is a patch of what changed since: a field removed
// from the item is removed on the server.
func TestListItemUpdateClearsAField(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	if _, err := newConfigMap("item", ns, map[string]any{"x": "1", "y": "2"}).SetClient(c).Create(ctx); err != nil {
		t.Fatal(err)
	}
	list, err := kobj.New("v1", "ConfigMapList").SetClient(c).Read(ctx, kobj.InNamespace(ns))
	if err != nil {
		t.Fatal(err)
	}
	items := list.Items()
	if len(items) != 1 {
		t.Fatalf("list has %d items, want 1", len(items))
	}
	item := items[0]
	if item.Client() != c {
		t.Errorf("a list item does not have the list's client")
	}
	item.Remove("data.x")
	item.Map()["data"].(map[string]any)["y"] = "3"
	if _, err := item.Update(ctx, kobj.WithClient(c)); err != nil {
		t.Fatalf("Update of a list item: %v", err)
	}
	got, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "item")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := got.GetString("data.y"); v != "3" {
		t.Errorf("data.y on the server = %q, want 3", v)
	}
	if _, ok := got.Get("data.x"); ok {
		t.Error("data.x is still on the server after removing it from a list item and updating it")
	}
}
