package e2e

import (
	"strconv"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
)

// A watch starts with the state the server has (Resync, one Added{Initial}
// per object, Synced), then reports each change with the server's object
// and resourceVersion.
func TestWatchStartsWithTheStateThenLiveEvents(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	for _, name := range []string{"b", "a", "c"} {
		mustCreate(ctx, t, c, newConfigMap(name, ns, map[string]any{"k": name}))
	}
	want := listNames(ctx, t, c, kobj.InNamespace(ns))

	w, err := kobj.New("v1", "ConfigMapList").Watch(ctx, kobj.WithClient(c), kobj.InNamespace(ns))
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	defer w.Stop()
	got, synced := initialState(ctx, t, w)
	if !sameStrings(got, want) {
		t.Fatalf("initial state = %v, want a fresh list's %v", got, want)
	}
	d := mustCreate(ctx, t, c, newConfigMap("d", ns, map[string]any{"k": "d"}))
	ev := live(ctx, t, w, kobj.Added, "d", d.ResourceVersion())
	// The checkpoint moves once an event has been taken, so it may lag the
	// last event by one: once "d" has been taken, it is past SYNCED's.
	if rv, synced := atoi(w.ResourceVersion()), atoi(synced.ResourceVersion); rv < synced || synced == 0 {
		t.Errorf("ResourceVersion() = %d after the event that follows SYNCED, want at least SYNCED's %d", rv, synced)
	}
	if v, _ := ev.Object.GetString("data.k"); v != "d" {
		t.Errorf("ADDED object data.k = %q, want d", v)
	}
	if err := d.Set("data.k", "changed"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Update(ctx); err != nil {
		t.Fatalf("Update: %v", err)
	}
	ev = live(ctx, t, w, kobj.Modified, "d", d.ResourceVersion())
	if v, _ := ev.Object.GetString("data.k"); v != "changed" {
		t.Errorf("MODIFIED object data.k = %q, want changed", v)
	}
	// The event's object is a live kobj object: an update through it
	// sends only its changes.
	if err := ev.Object.Set("data.more", "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := ev.Object.Update(ctx); err != nil {
		t.Fatalf("Update of the event's object: %v", err)
	}
	live(ctx, t, w, kobj.Modified, "d", ev.Object.ResourceVersion())
	if _, err := d.Delete(ctx); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	ev = live(ctx, t, w, kobj.Deleted, "d", "")
	if w.Err() != nil {
		t.Errorf("Err() = %v while the watch runs, want nil", w.Err())
	}
	w.Stop()
	if _, ok := <-w.Events(); ok {
		t.Error("an event after Stop, want the channel closed")
	}
	if w.Err() != nil {
		t.Errorf("Err() after Stop = %v, want nil", w.Err())
	}
}

// o.Watch follows o alone: other objects of its kind in its namespace do
// not show.
func TestWatchOneObject(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	a := mustCreate(ctx, t, c, newConfigMap("a", ns, map[string]any{"k": "1"}))
	b := mustCreate(ctx, t, c, newConfigMap("b", ns, map[string]any{"k": "1"}))

	w, err := kobj.New("v1", "ConfigMap").SetName("a").SetNamespace(ns).Watch(ctx, kobj.WithClient(c))
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	defer w.Stop()
	if got, _ := initialState(ctx, t, w); !sameStrings(got, []string{ns + "/a"}) {
		t.Fatalf("initial state = %v, want [%s/a]", got, ns)
	}
	for _, o := range []*kobj.Object{b, a} {
		if err := o.Set("data.k", "2"); err != nil {
			t.Fatal(err)
		}
		if _, err := o.Update(ctx); err != nil {
			t.Fatalf("Update %s: %v", o, err)
		}
	}
	live(ctx, t, w, kobj.Modified, "a", a.ResourceVersion()) // b's change, made first, is not reported
	if _, err := a.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	live(ctx, t, w, kobj.Deleted, "a", "")

	if _, err := kobj.New("v1", "ConfigMap").SetNamespace(ns).Watch(ctx, kobj.WithClient(c)); err == nil {
		t.Error("Watch of an object without a name succeeded, want an error")
	}
	if _, err := a.Watch(ctx, kobj.LabelSelector("x=y")); err == nil {
		t.Error("Watch of one object with a LabelSelector succeeded, want an error")
	}
}

// A list kind's watch takes label and field selectors and AllNamespaces.
func TestWatchSelectorsAndAllNamespaces(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c := newClient(t)
	ns1, ns2 := newNamespace(t, c), newNamespace(t, c)
	app := "w" + suffix()
	for _, ns := range []string{ns1, ns2} {
		for _, name := range []string{"in", "other"} {
			o := newConfigMap(name, ns, nil)
			if name == "in" {
				o.SetLabels(map[string]string{"app": app})
			}
			mustCreate(ctx, t, c, o)
		}
	}

	w, err := kobj.New("v1", "ConfigMapList").Watch(ctx, kobj.WithClient(c), kobj.AllNamespaces(), kobj.LabelSelector("app="+app))
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	defer w.Stop()
	want := listNames(ctx, t, c, kobj.AllNamespaces(), kobj.LabelSelector("app="+app))
	if got, _ := initialState(ctx, t, w); !sameStrings(got, want) || len(got) != 2 {
		t.Fatalf("initial state = %v, want the 2 labelled objects %v", got, want)
	}
	late := newConfigMap("late", ns2, nil)
	mustCreate(ctx, t, c, newConfigMap("unlabelled", ns1, nil))
	late.SetLabels(map[string]string{"app": app})
	mustCreate(ctx, t, c, late)
	live(ctx, t, w, kobj.Added, "late", late.ResourceVersion())

	fw, err := kobj.New("v1", "ConfigMapList").Watch(ctx, kobj.WithClient(c), kobj.InNamespace(ns1),
		kobj.FieldSelector("metadata.name=in"), kobj.LabelSelector("app="+app))
	if err != nil {
		t.Fatalf("Watch with a field selector: %v", err)
	}
	defer fw.Stop()
	if got, _ := initialState(ctx, t, fw); !sameStrings(got, []string{ns1 + "/in"}) {
		t.Fatalf("initial state = %v, want [%s/in]", got, ns1)
	}
}

// A server time-out ends each watch request; the watcher resumes from its
// last resourceVersion (bookmarks included), without a relist: no event
// twice, none lost.
func TestWatchResumesAfterServerTimeout(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	c, tr := watchClient(t, cfg, 3)
	ns := newNamespace(t, c)
	mustCreate(ctx, t, c, newConfigMap("first", ns, nil))
	path := "/api/v1/namespaces/" + ns + "/configmaps"

	w, err := kobj.New("v1", "ConfigMapList").Watch(ctx, kobj.WithClient(c), kobj.InNamespace(ns))
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	defer w.Stop()
	if got, _ := initialState(ctx, t, w); !sameStrings(got, []string{ns + "/first"}) {
		t.Fatalf("initial state = %v", got)
	}
	before := mustCreate(ctx, t, c, newConfigMap("before", ns, nil))
	live(ctx, t, w, kobj.Added, "before", before.ResourceVersion())
	lists := len(tr.requests(path, false))
	// Watches resumed before "before" arrived (on a slow machine a time-out
	// can come first) resume from an older checkpoint; those after, from
	// "before" at least.
	seen := len(tr.requests(path, true))

	// Two time-outs later, the watch has been resumed twice more.
	waitForRequests(ctx, t, seen+2, func() int { return len(tr.requests(path, true)) })
	after := mustCreate(ctx, t, c, newConfigMap("after", ns, nil))
	// The next event is "after": "before" is not delivered again.
	live(ctx, t, w, kobj.Added, "after", after.ResourceVersion())

	watches := tr.requests(path, true)
	beforeRV, _ := strconv.ParseInt(before.ResourceVersion(), 10, 64)
	for i, q := range watches[1:] {
		rv, err := strconv.ParseInt(q.Get("resourceVersion"), 10, 64)
		if err != nil || (i+1 >= seen && rv < beforeRV) {
			t.Errorf("resumed watch %d: resourceVersion=%q, want the last checkpoint (at least %d)", i+1, q.Get("resourceVersion"), beforeRV)
		}
		if q.Get("allowWatchBookmarks") != "true" {
			t.Errorf("resumed watch %d asks for no bookmarks: %v", i+1, q)
		}
	}
	if n := len(tr.requests(path, false)); n != lists {
		t.Errorf("%d list requests after the time-outs, want none (a resume, not a relist)", n-lists)
	}
	if rv := w.ResourceVersion(); rv == "" {
		t.Error("ResourceVersion() is empty")
	}
	t.Logf("%d watch requests: %v", len(watches), watches)
}

// A user who may not list or watch ends the watch with a 403 in Err, and
// the channel closed.
func TestWatchForbiddenEndsTheWatch(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	admin := newClient(t)
	ns := newNamespace(t, admin)
	nobody := rest.CopyConfig(cfg)
	nobody.Impersonate = rest.ImpersonationConfig{UserName: "kobj-watch-nobody-" + suffix()}
	c, _ := watchClient(t, nobody, 0)

	w, err := kobj.New("v1", "ConfigMapList").Watch(ctx, kobj.WithClient(c), kobj.InNamespace(ns))
	if err != nil {
		t.Fatalf("Watch: %v (discovery is open to every user; the 403 comes later)", err)
	}
	defer w.Stop()
	var events []kobj.WatchEvent
	var last error
	for ev, err := range w.All() {
		if err != nil {
			last = err
			break
		}
		events = append(events, ev)
	}
	if !apierrors.IsForbidden(last) || !apierrors.IsForbidden(w.Err()) {
		t.Fatalf("last error = %v, Err() = %v, want Forbidden", last, w.Err())
	}
	if len(events) != 0 {
		t.Errorf("events = %v, want none", events)
	}
}

// Twenty watches do not take the client's MaxInFlight(4) slots: every one
// is live, and CRUD still works beside them.
func TestWatchesDoNotTakeInFlightSlots(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c := newClient(t, kobj.MaxInFlight(4))
	ns := newNamespace(t, c)
	watchers := make([]*kobj.Watcher, 20)
	for i := range watchers {
		w, err := kobj.New("v1", "ConfigMapList").Watch(ctx, kobj.WithClient(c), kobj.InNamespace(ns))
		if err != nil {
			t.Fatalf("Watch %d: %v", i, err)
		}
		defer w.Stop()
		watchers[i] = w
		initialState(ctx, t, w)
	}
	o := mustCreate(ctx, t, c, newConfigMap("crud", ns, map[string]any{"k": "1"}))
	if _, err := o.Read(ctx); err != nil {
		t.Fatalf("Read beside 20 watches: %v", err)
	}
	if err := o.Set("data.k", "2"); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Update(ctx); err != nil {
		t.Fatalf("Update beside 20 watches: %v", err)
	}
	for i, w := range watchers {
		t.Logf("watch %d", i)
		live(ctx, t, w, kobj.Added, "crud", "")
		live(ctx, t, w, kobj.Modified, "crud", o.ResourceVersion())
	}
	if _, err := o.Delete(ctx); err != nil {
		t.Fatalf("Delete beside 20 watches: %v", err)
	}
}

// Deleting the CRD of a watched kind ends the watch with an
// UnknownKindError, after the Deleted events of its objects.
func TestWatchEndsWhenTheKindIsGone(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	c := newClient(t)
	group := "watch" + suffix() + ".example.com"
	createCRD(t, c, group, "Cluster")
	wid := kobj.New(group+"/v1", "Widget").SetName("w1").SetClient(c)
	if _, err := wid.Create(ctx); err != nil {
		t.Fatalf("Create Widget: %v", err)
	}
	w, err := kobj.New(group+"/v1", "WidgetList").Watch(ctx, kobj.WithClient(c))
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	defer w.Stop()
	if got, _ := initialState(ctx, t, w); !sameStrings(got, []string{"/w1"}) {
		t.Fatalf("initial state = %v, want [/w1]", got)
	}
	if _, err := kobj.New("apiextensions.k8s.io/v1", "CustomResourceDefinition").Delete(ctx, kobj.Named("widgets."+group), kobj.WithClient(c)); err != nil {
		t.Fatalf("Delete CRD: %v", err)
	}
	var events []string
	for ev, err := range w.All() {
		if err != nil {
			if !isUnknownKind(err) {
				t.Fatalf("the watch ended with %v, want an UnknownKindError", err)
			}
			break
		}
		events = append(events, string(ev.Type))
	}
	if !isUnknownKind(w.Err()) {
		t.Fatalf("Err() = %v, want an UnknownKindError", w.Err())
	}
	t.Logf("events before the end: %v", events)
}

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
