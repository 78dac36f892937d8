package cachekit

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestConcurrentFirstGetsShareOneLoad(t *testing.T) {
	var loads atomic.Int32
	release := make(chan struct{})
	s := NewSnapshot(func(ctx context.Context, fresh bool) (int, bool, error) {
		loads.Add(1)
		<-release
		return 7, true, nil
	})
	var wg sync.WaitGroup
	got := make([]int, 8)
	for i := range got {
		wg.Go(func() {
			v, err := s.Get(context.Background(), false, 0)
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = v.Value
		})
	}
	time.Sleep(20 * time.Millisecond) // let them queue on the one load
	close(release)
	wg.Wait()
	if n := loads.Load(); n != 1 {
		t.Errorf("loads = %d, want 1", n)
	}
	for i, v := range got {
		if v != 7 {
			t.Errorf("caller %d got %d, want 7", i, v)
		}
	}
}

func TestFreshGetSkipsCopiesAndOlderLoads(t *testing.T) {
	var n atomic.Int32
	s := NewSnapshot(func(ctx context.Context, fresh bool) (int, bool, error) {
		k := int(n.Add(1))
		return k, fresh, nil // a non-fresh load reads "the disk"
	})
	ctx := context.Background()
	v, err := s.Get(ctx, false, 0)
	if err != nil || v.Value != 1 || v.Gen != 0 {
		t.Fatalf("first Get = %+v, %v; want value 1 from a copy (gen 0)", v, err)
	}
	_, started := s.Current()
	v, err = s.Get(ctx, true, started)
	if err != nil || v.Value != 2 || v.Gen != 2 {
		t.Fatalf("fresh Get = %+v, %v; want value 2, gen 2", v, err)
	}
	if again, _ := s.Get(ctx, true, 1); again != v {
		t.Errorf("a fresh Get already answered by gen 2 loaded again: %+v", again)
	}
	s.Invalidate()
	if cur, _ := s.Current(); cur != nil {
		t.Errorf("Current after Invalidate = %+v, want nil", cur)
	}
}

func TestWaiterLoadsAgainWhenTheLoaderGivesUp(t *testing.T) {
	first := make(chan struct{})
	var calls atomic.Int32
	s := NewSnapshot(func(ctx context.Context, fresh bool) (string, bool, error) {
		if calls.Add(1) == 1 {
			close(first)
			<-ctx.Done()
			return "", false, ctx.Err()
		}
		return "ok", true, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	loaderDone := make(chan error)
	go func() { _, err := s.Get(ctx, false, 0); loaderDone <- err }()
	<-first
	waiter := make(chan string)
	go func() {
		v, err := s.Get(context.Background(), false, 0)
		if err != nil {
			t.Error(err)
		}
		waiter <- v.Value
	}()
	time.Sleep(10 * time.Millisecond)
	cancel()
	if err := <-loaderDone; !errors.Is(err, context.Canceled) {
		t.Errorf("loader's error = %v, want context.Canceled", err)
	}
	if v := <-waiter; v != "ok" {
		t.Errorf("waiter got %q, want ok", v)
	}
}

func TestPanickingLoadReleasesWaiters(t *testing.T) {
	s := NewSnapshot(func(ctx context.Context, fresh bool) (int, bool, error) { panic("boom") })
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the loader's panic did not reach its caller")
			}
		}()
		s.Get(context.Background(), false, 0)
	}()
	if s.inflight != nil {
		t.Error("a panicked load stays in flight; later callers would block")
	}
}

func TestDirWritesWholeFilesAndFallsBackToMemory(t *testing.T) {
	root := t.TempDir()
	d := NewDir(filepath.Join(root, "c"))
	d.Sub("a").Write("f", []byte("x"))
	if b, err := d.Sub("a").Read("f"); err != nil || string(b) != "x" {
		t.Fatalf("Read = %q, %v", b, err)
	}
	if fi, err := os.Stat(filepath.Join(root, "c", "a", "f")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode = %v, %v; want 0600", fi.Mode(), err)
	}

	ro := filepath.Join(root, "ro")
	os.Mkdir(ro, 0o500)
	if os.Getuid() == 0 {
		// root writes anywhere: make the folder a file instead.
		os.Remove(ro)
		os.WriteFile(ro, nil, 0o600)
	}
	r := NewDir(ro)
	r.Sub("x").Write("f", []byte("1"))
	if !r.state.off.Load() {
		t.Fatal("a folder that cannot be written did not turn the disk off")
	}
	r.Sub("y").Write("f", []byte("1")) // silent, no attempt
	if _, err := r.Sub("y").Read("f"); err == nil {
		t.Error("a file was written after the fallback to memory")
	}

	var none *Dir
	none.Write("f", []byte("1"))
	if _, err := none.Read("f"); err == nil || none.Path() != "" || none.Sub("s") != nil {
		t.Error("a nil Dir must keep nothing")
	}
}
