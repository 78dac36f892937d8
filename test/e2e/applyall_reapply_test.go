package e2e

import (
	"context"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/test/internal/manifestset"
)

// loadSetDir loads every object of a manifestset folder, file by file in
// name order.
func loadSetDir(t *testing.T, dir string) []*kobj.Object {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var objs []*kobj.Object
	for _, f := range files {
		more, err := kobj.LoadFile(f)
		if err != nil {
			t.Fatalf("LoadFile %s: %v", f, err)
		}
		objs = append(objs, more...)
	}
	return objs
}

// writeRequests returns the requests of reqs ("METHOD /path?query") that
// may write: any method but GET, unless it is a dry run.
func writeRequests(reqs []string) []string {
	var out []string
	for _, r := range reqs {
		method, rest, _ := strings.Cut(r, " ")
		_, rawQuery, _ := strings.Cut(rest, "?")
		query, _ := url.ParseQuery(rawQuery)
		if method != "GET" && query.Get("dryRun") == "" {
			out = append(out, r)
		}
	}
	return out
}

// TestApplyAllReapplyingAnUnchangedSetWritesNothing applies the 300-object
// set of the ApplyAll benchmark (a CRD, 3 Namespaces, ConfigMaps, headless
// Services, Deployments, custom resources; test/internal/manifestset),
// then applies the same files again, loaded afresh as a second deploy run
// would: every change is Unchanged, no object's resourceVersion moved, and
// the second run sent no write request at all (no request but GET, dry
// runs aside), as the claim of doc/performance.md says.
func TestApplyAllReapplyingAnUnchangedSetWritesNothing(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 3*time.Minute)
	c, log := newCountingClient(t)
	set, err := manifestset.Write(t.TempDir(), "reapply-"+suffix())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Without a controller manager the Namespaces never finish
		// deleting; removing the CRD keeps discovery small for the others.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, ns := range set.Namespaces {
			if _, err := kobj.New("v1", "Namespace").Delete(ctx, kobj.Named(ns), kobj.WithClient(c)); err != nil {
				t.Logf("deleting Namespace %s: %v", ns, err)
			}
		}
		if _, err := kobj.New("apiextensions.k8s.io/v1", "CustomResourceDefinition").Delete(ctx, kobj.Named(set.CRDName), kobj.WithClient(c)); err != nil {
			t.Logf("deleting CRD %s: %v", set.CRDName, err)
		}
	})

	first, err := c.ApplyAll(ctx, loadSetDir(t, set.Dir))
	if err != nil {
		t.Fatalf("first ApplyAll: %v", err)
	}
	if len(first.Changes) != manifestset.Objects {
		t.Fatalf("first ApplyAll: %d changes, want %d", len(first.Changes), manifestset.Objects)
	}
	// What the server holds after the first run (a CRD's status is written
	// by the server after the apply, so the answers are not enough).
	before := map[string]string{}
	for _, ch := range first.Changes {
		if ch.Action != kobj.Created {
			t.Errorf("first ApplyAll: %s %s, want Created", ch.Object, ch.Action)
		}
		o := ch.Object
		fresh, err := readFresh(ctx, c, o.APIVersion(), o.Kind(), o.Namespace(), o.Name())
		if err != nil {
			t.Fatalf("read %s: %v", o, err)
		}
		before[o.String()] = fresh.ResourceVersion()
	}

	log.Reset()
	second, err := c.ApplyAll(ctx, loadSetDir(t, set.Dir))
	if err != nil {
		t.Fatalf("second ApplyAll: %v", err)
	}
	reqs := log.Requests()
	t.Logf("second ApplyAll: %d requests", len(reqs))

	t.Run("every object Unchanged, no resourceVersion moved", func(t *testing.T) {
		if len(second.Changes) != manifestset.Objects {
			t.Fatalf("%d changes, want %d", len(second.Changes), manifestset.Objects)
		}
		for _, ch := range second.Changes {
			o := ch.Object
			if ch.Action != kobj.Unchanged {
				t.Errorf("%s: %s, want Unchanged", o, ch.Action)
			}
			fresh, err := readFresh(ctx, c, o.APIVersion(), o.Kind(), o.Namespace(), o.Name())
			if err != nil {
				t.Fatalf("read %s: %v", o, err)
			}
			if rv := fresh.ResourceVersion(); rv != before[o.String()] {
				t.Errorf("%s: resourceVersion %s, %s before the second run", o, rv, before[o.String()])
			}
		}
	})
	t.Run("no write request", func(t *testing.T) {
		if w := writeRequests(reqs); len(w) != 0 {
			show := w
			if len(show) > 5 {
				show = show[:5]
			}
			t.Errorf("the second ApplyAll sent %d write requests (of %d requests), want 0; the first: %v", len(w), len(reqs), show)
		}
	})
}
