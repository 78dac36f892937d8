package reliability

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
)

// TestEditRetryOnConflictLosesNoUpdate has 16 writers, each with its own
// Object of one ConfigMap, each Edit 10 times with RetryOnConflict: a
// shared counter, a shared log (both would lose updates without the
// resourceVersion precondition) and a counter of its own in an annotation.
// In the end the server holds all 160 increments.
func TestEditRetryOnConflictLosesNoUpdate(t *testing.T) {
	verifyNoLeaks := leakCheck(t)
	ctx := testContext(t, 3*time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	const writers, edits = 16, 10

	cm := kobj.New("v1", "ConfigMap").SetName("counter").SetNamespace(ns).SetClient(c)
	if err := cm.Set("data", map[string]any{"count": "0", "log": ""}); err != nil {
		t.Fatal(err)
	}
	if _, err := cm.Create(ctx); err != nil {
		t.Fatalf("creating the ConfigMap: %v", err)
	}

	var calls atomic.Int64 // runs of the edit function, conflicts included
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			o := kobj.New("v1", "ConfigMap").SetClient(c)
			if _, err := o.Read(ctx, kobj.Named("counter"), kobj.InNamespace(ns)); err != nil {
				errs[w] = fmt.Errorf("first read: %w", err)
				return
			}
			for k := 1; k <= edits; k++ {
				_, err := o.Edit(ctx, func(o *kobj.Object) error {
					calls.Add(1)
					count, err := o.GetString("data.count")
					if err != nil {
						return err
					}
					n, err := strconv.Atoi(count)
					if err != nil {
						return err
					}
					log, _ := o.GetString("data.log")
					if err := o.Set("data.count", strconv.Itoa(n+1)); err != nil {
						return err
					}
					if err := o.Set("data.log", log+fmt.Sprintf("w%02d.%02d,", w, k)); err != nil {
						return err
					}
					o.SetAnnotation(fmt.Sprintf("kobj.dev/writer-%02d", w), strconv.Itoa(k))
					return nil
				}, kobj.RetryOnConflict())
				if err != nil {
					errs[w] = fmt.Errorf("edit %d: %w", k, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", w, err)
		}
	}
	t.Logf("%d edits took %d runs of the edit function: %d conflicts retried", writers*edits, calls.Load(), calls.Load()-writers*edits)

	final, err := kobj.New("v1", "ConfigMap").SetClient(c).Read(ctx, kobj.Named("counter"), kobj.InNamespace(ns))
	if err != nil {
		t.Fatalf("reading the final ConfigMap: %v", err)
	}
	if got, _ := final.GetString("data.count"); got != strconv.Itoa(writers*edits) {
		t.Errorf("data.count = %q, want %d", got, writers*edits)
	}
	log, _ := final.GetString("data.log")
	entries := strings.Split(strings.TrimSuffix(log, ","), ",")
	if len(entries) != writers*edits {
		t.Errorf("data.log has %d entries, want %d: %q", len(entries), writers*edits, log)
	}
	next := make([]int, writers) // each writer's entries appear once, in order
	for _, e := range entries {
		var w, k int
		if _, err := fmt.Sscanf(e, "w%02d.%02d", &w, &k); err != nil || w < 0 || w >= writers {
			t.Errorf("data.log entry %q is not one a writer made", e)
			continue
		}
		if next[w]++; k != next[w] {
			t.Errorf("data.log: writer %d's entry %d is %q: an update was lost or applied twice", w, next[w], e)
		}
	}
	for w := range writers {
		key := fmt.Sprintf("kobj.dev/writer-%02d", w)
		if got := final.Annotations()[key]; got != strconv.Itoa(edits) {
			t.Errorf("annotation %s = %q, want %d", key, got, edits)
		}
	}

	verifyNoLeaks()
}
