package e2e

import (
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
)

// A checkpoint the server has not reached (etcd restored from a backup,
// another cluster) is not watched from in silence: the watch asks the
// server first (a list of at most one object not older than the
// checkpoint), is told "too large resource version", relists (Resync,
// Added{Initial}..., Synced) and reports what is created afterwards.
func TestWatchRelistsFromACheckpointAheadOfTheServer(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c, tr := watchClient(t, cfg, 0)
	ns := newNamespace(t, c)
	mustCreate(ctx, t, c, newConfigMap("a", ns, nil))
	path := "/api/v1/namespaces/" + ns + "/configmaps"
	const ahead = "999999999999"

	start := time.Now()
	w, err := kobj.New("v1", "ConfigMapList").Watch(ctx, kobj.WithClient(c), kobj.InNamespace(ns), kobj.FromResourceVersion(ahead))
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	defer w.Stop()
	got, synced := initialState(ctx, t, w)
	t.Logf("relisted after %v", time.Since(start))
	if !sameStrings(got, []string{ns + "/a"}) {
		t.Fatalf("relisted state = %v, want [%s/a]", got, ns)
	}
	if synced.ResourceVersion == ahead {
		t.Errorf("SYNCED carries the checkpoint %s, want the list's", ahead)
	}
	b := mustCreate(ctx, t, c, newConfigMap("b", ns, nil))
	live(ctx, t, w, kobj.Added, "b", b.ResourceVersion())

	lists := tr.requests(path, false)
	if len(lists) < 2 || lists[0].Get("resourceVersion") != ahead || lists[0].Get("resourceVersionMatch") != "NotOlderThan" ||
		lists[0].Get("limit") != "1" || lists[1].Get("resourceVersion") != "" {
		t.Errorf("lists %v, want one of at most 1 object not older than the checkpoint, then a consistent one", lists)
	}
	if watches := tr.requests(path, true); len(watches) == 0 || watches[0].Get("resourceVersion") != synced.ResourceVersion {
		t.Errorf("watches %v, want the first from SYNCED's %s", watches, synced.ResourceVersion)
	}
}

// A checkpoint the server has reached is resumed from: no relist, the
// changes made since arrive as live events.
func TestWatchResumesFromACheckpoint(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c, tr := watchClient(t, cfg, 0)
	ns := newNamespace(t, c)
	mustCreate(ctx, t, c, newConfigMap("a", ns, nil))
	path := "/api/v1/namespaces/" + ns + "/configmaps"

	first, err := kobj.New("v1", "ConfigMapList").Watch(ctx, kobj.WithClient(c), kobj.InNamespace(ns))
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	_, synced := initialState(ctx, t, first)
	first.Stop()
	b := mustCreate(ctx, t, c, newConfigMap("b", ns, nil))

	listsBefore := len(tr.requests(path, false))
	w, err := kobj.New("v1", "ConfigMapList").Watch(ctx, kobj.WithClient(c), kobj.InNamespace(ns), kobj.FromResourceVersion(synced.ResourceVersion))
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	defer w.Stop()
	live(ctx, t, w, kobj.Added, "b", b.ResourceVersion())
	if lists := tr.requests(path, false)[listsBefore:]; len(lists) != 1 || lists[0].Get("limit") != "1" {
		t.Errorf("lists %v, want only the checkpoint's check", lists)
	}
}
