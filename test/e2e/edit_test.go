package e2e

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

func TestEditAddsALabel(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	o := newConfigMap("edited", ns, map[string]any{"k": "v"}).SetClient(c)
	if _, err := o.Create(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := o.Edit(ctx, func(o *kobj.Object) error {
		o.SetLabel("edited", "yes")
		return nil
	})
	if err != nil {
		t.Fatalf("Edit: %v", err)
	}
	if got != o {
		t.Error("Edit did not return the object itself")
	}
	back, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "edited")
	if err != nil {
		t.Fatal(err)
	}
	if back.Labels()["edited"] != "yes" {
		t.Errorf("labels on the server: %v, want edited=yes", back.Labels())
	}
	if !o.Equal(back) {
		t.Errorf("after Edit, the object differs from the server's: %v", o.Diff(back))
	}
}

var errEdit = errors.New("the edit function refuses")

func TestEditWhoseFunctionFailsSendsNothing(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c, log := newCountingClient(t)
	ns := newNamespace(t, c)
	o := newConfigMap("refused", ns, map[string]any{"k": "v"}).SetClient(c)
	if _, err := o.Create(ctx); err != nil {
		t.Fatal(err)
	}
	before := o.DeepCopy()

	// Without Rollback: nothing sent, the error is fn's, the local object
	// keeps the half-done edit.
	log.Reset()
	_, err := o.Edit(ctx, func(o *kobj.Object) error {
		o.SetLabel("half", "done")
		return errEdit
	})
	if !errors.Is(err, errEdit) {
		t.Errorf("Edit: %v, want the edit function's error", err)
	}
	if n := log.Count(); n != 0 {
		t.Errorf("a failed edit sent %d requests, want 0: %v", n, log.Requests())
	}
	if o.Labels()["half"] != "done" {
		t.Error("without Rollback, the local object should keep the edit made before the failure")
	}

	// With Rollback: nothing sent, and the object is as it was.
	o = before.DeepCopy()
	_, err = o.Edit(ctx, func(o *kobj.Object) error {
		o.SetLabel("half", "done")
		o.Remove("data.k")
		return errEdit
	}, kobj.Rollback())
	if !errors.Is(err, errEdit) {
		t.Errorf("Edit with Rollback: %v, want the edit function's error", err)
	}
	if n := log.Count(); n != 0 {
		t.Errorf("a failed edit sent %d requests, want 0: %v", n, log.Requests())
	}
	if !o.Equal(before) {
		t.Errorf("after a rolled-back Edit, the object differs from before: %v", o.Diff(before))
	}

	// The rolled-back object still updates correctly: its patch is computed
	// against the server's copy, not against the discarded edit.
	log.Reset()
	o.SetLabel("after", "rollback")
	if _, err := o.Update(ctx); err != nil {
		t.Fatalf("Update after a rollback: %v", err)
	}
	back, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "refused")
	if err != nil {
		t.Fatal(err)
	}
	if back.Labels()["half"] != "" || back.Labels()["after"] != "rollback" {
		t.Errorf("labels on the server: %v, want only after=rollback", back.Labels())
	}
	if v, _ := back.GetString("data.k"); v != "v" {
		t.Errorf("data.k on the server = %q, want v", v)
	}
}

func TestEditRollbackWhenTheUpdateFails(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	o := newConfigMap("vanishing", ns, map[string]any{"k": "v"}).SetClient(c)
	if _, err := o.Create(ctx); err != nil {
		t.Fatal(err)
	}
	before := o.DeepCopy()
	// Someone deletes it meanwhile.
	if _, err := kobj.New("v1", "ConfigMap").Delete(ctx, kobj.Named("vanishing"), kobj.InNamespace(ns), kobj.WithClient(c)); err != nil {
		t.Fatal(err)
	}
	ran := 0
	_, err := o.Edit(ctx, func(o *kobj.Object) error {
		ran++
		o.SetLabel("lost", "edit")
		o.Map()["data"].(map[string]any)["k"] = "changed"
		return nil
	}, kobj.Rollback(), kobj.RetryOnConflict())
	if !apierrors.IsNotFound(err) {
		t.Fatalf("Edit of a deleted object: %v, want NotFound", err)
	}
	if ran != 1 {
		t.Errorf("the edit function ran %d times, want 1 (NotFound is not a Conflict)", ran)
	}
	if !o.Equal(before) {
		t.Errorf("after a failed update with Rollback, the object differs from before: %v", o.Diff(before))
	}

	// Without Rollback the local edit stays.
	o2 := before.DeepCopy()
	if _, err := o2.Edit(ctx, func(o *kobj.Object) error { o.SetLabel("lost", "edit"); return nil }); !apierrors.IsNotFound(err) {
		t.Fatalf("Edit of a deleted object: %v, want NotFound", err)
	}
	if o2.Labels()["lost"] != "edit" {
		t.Error("without Rollback, a failed update should leave the local edit in place")
	}
}

// TestEditRetryOnConflictCounts: eight writers, each with its own object of
// the same ConfigMap, increment a counter 25 times each; with
// RetryOnConflict no increment is lost.
func TestEditRetryOnConflictCounts(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 3*time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	const key = "kobj.example.com/counter"
	cm := newConfigMap("counter", ns, nil).SetClient(c)
	cm.SetAnnotation(key, "0")
	if _, err := cm.Create(ctx); err != nil {
		t.Fatal(err)
	}

	const writers, increments = 8, 25
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		errs     []error
		attempts int
	)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "counter")
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				return
			}
			o.SetClient(c)
			for i := range increments {
				_, err := o.Edit(ctx, func(o *kobj.Object) error {
					mu.Lock()
					attempts++
					mu.Unlock()
					n, err := strconv.Atoi(o.Annotations()[key])
					if err != nil {
						return fmt.Errorf("counter annotation: %w", err)
					}
					o.SetAnnotation(key, strconv.Itoa(n+1))
					return nil
				}, kobj.RetryOnConflict())
				if err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("writer %d, increment %d: %w", w, i, err))
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	got, err := readFresh(ctx, c, "v1", "ConfigMap", ns, "counter")
	if err != nil {
		t.Fatal(err)
	}
	if v := got.Annotations()[key]; v != strconv.Itoa(writers*increments) {
		t.Errorf("counter on the server = %s, want %d", v, writers*increments)
	}
	t.Logf("%d increments took %d runs of the edit function", writers*increments, attempts)
}
