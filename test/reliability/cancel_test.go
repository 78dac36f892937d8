package reliability

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
)

// TestCancelEndsPendingCalls starts 500 asynchronous creates on a client
// with 4 requests in flight, cancels their context, and checks that each
// ends either done before the cancel or with context.Canceled, that the
// server holds no more than what succeeded plus what was on the wire, and
// that no goroutine is left. "warm": the operation index is loaded first;
// "cold": the futures also wait on its first load.
func TestCancelEndsPendingCalls(t *testing.T) {
	verifyNoLeaks := leakCheck(t)
	admin := newClient(t)
	ns := newNamespace(t, admin)
	for _, warm := range []bool{true, false} {
		mode := map[bool]string{true: "warm", false: "cold"}[warm]
		t.Run(mode, func(t *testing.T) {
			const n, inFlight = 500, 4
			c, log := newCountingClient(t, kobj.MaxInFlight(inFlight))
			if warm {
				if _, err := c.Call(testContext(t, time.Minute), "listCoreV1NamespacedConfigMap", kobj.Args{"namespace": ns, "limit": 1}); err != nil {
					t.Fatalf("warming up: %v", err)
				}
			}
			log.Reset()
			ctx, cancel := context.WithCancel(context.Background())
			futures := make([]*kobj.Response, n)
			for i := range futures {
				futures[i] = c.CallAsync(ctx, "createCoreV1NamespacedConfigMap", kobj.Args{
					"namespace": ns,
					"body": map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
						"metadata": map[string]any{"name": fmt.Sprintf("%s-%03d", mode, i)}},
				})
			}
			cancel()

			waitCtx, stop := context.WithTimeout(context.Background(), 2*time.Minute)
			notDone := waitAll(waitCtx, futures)
			stop()
			if len(notDone) > 0 {
				t.Fatalf("%d futures did not end after the cancel", len(notDone))
			}
			ok, canceled := 0, 0
			for i, f := range futures {
				_, _, _, err := f.Get(context.Background())
				switch {
				case err == nil:
					ok++
				case errors.Is(err, context.Canceled):
					canceled++
				default:
					t.Errorf("future %d: %v; want nil or context.Canceled", i, err)
				}
			}
			t.Logf("%s: %d creates done before the cancel, %d canceled; %d requests sent", mode, ok, canceled, len(log.Requests()))
			if canceled == 0 {
				t.Errorf("no call was canceled: the cancel came after every call ended, so nothing was tested")
			}

			// What reached the server: the successes, plus at most the
			// requests on the wire when the cancel came.
			counts := configMapNames(testContext(t, time.Minute), t, admin, ns)
			created := 0
			for name := range counts {
				if strings.HasPrefix(name, mode+"-") {
					created++
				}
			}
			if created < ok || created > ok+inFlight {
				t.Errorf("the server holds %d of the ConfigMaps; want between %d (the successes) and %d (plus the %d requests in flight)", created, ok, ok+inFlight, inFlight)
			}
		})
	}

	t.Run("already canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		warm, warmLog := newCountingClient(t)
		// Warm: discovery and the operation index are loaded.
		wctx := testContext(t, time.Minute)
		if _, err := kobj.New("v1", "ConfigMap").SetClient(warm).SetName("seed").SetNamespace(ns).Create(wctx); err != nil {
			t.Fatalf("creating the seed ConfigMap: %v", err)
		}
		if _, err := warm.Call(wctx, "readCoreV1NamespacedConfigMap", kobj.Args{"namespace": ns, "name": "seed"}); err != nil {
			t.Fatalf("warming up the operation index: %v", err)
		}
		cold, coldLog := newCountingClient(t)
		for _, cl := range []struct {
			name string
			c    *kobj.Client
			log  *requestLog
		}{{"warm", warm, warmLog}, {"cold", cold, coldLog}} {
			cl.log.Reset()
			obj := func(name string) *kobj.Object {
				return kobj.New("v1", "ConfigMap").SetName(name).SetNamespace(ns).SetClient(cl.c)
			}
			read := obj("seed")
			if cl.name == "warm" {
				if _, err := read.Read(wctx); err != nil {
					t.Fatalf("reading the seed ConfigMap: %v", err)
				}
				cl.log.Reset()
			}
			edited := false
			calls := []struct {
				name string
				run  func() error
			}{
				{"Create", func() error { _, err := obj("never").Create(ctx); return err }},
				{"Read", func() error { _, err := obj("seed").Read(ctx); return err }},
				{"Update", func() error {
					read.SetLabel("edited", "yes")
					_, err := read.Update(ctx)
					return err
				}},
				{"Edit", func() error {
					_, err := read.Edit(ctx, func(o *kobj.Object) error { edited = true; o.SetLabel("edited", "again"); return nil })
					return err
				}},
				{"Delete", func() error { _, err := obj("seed").Delete(ctx); return err }},
				{"Read list", func() error {
					_, err := kobj.New("v1", "ConfigMapList").SetClient(cl.c).Read(ctx, kobj.InNamespace(ns))
					return err
				}},
				{"Call", func() error {
					_, err := cl.c.Call(ctx, "readCoreV1NamespacedConfigMap", kobj.Args{"namespace": ns, "name": "seed"})
					return err
				}},
				{"CallAsync", func() error {
					_, _, _, err := cl.c.CallAsync(ctx, "readCoreV1NamespacedConfigMap", kobj.Args{"namespace": ns, "name": "seed"}).Get(context.Background())
					return err
				}},
			}
			for _, call := range calls {
				err := call.run()
				if !errors.Is(err, context.Canceled) {
					t.Errorf("%s client: %s with a canceled context: %v; want context.Canceled", cl.name, call.name, err)
				}
				// A request sent by a goroutine the call left behind may
				// come just after it returned: give it a moment to show, so
				// that it is charged to the right call.
				time.Sleep(100 * time.Millisecond)
				if reqs := cl.log.Requests(); len(reqs) > 0 {
					t.Errorf("%s client: %s with a canceled context sent %d requests, during or after the call: %v", cl.name, call.name, len(reqs), reqs)
					cl.log.Reset()
				}
			}
			t.Logf("%s client: the edit function ran: %v", cl.name, edited)
		}
		// Nothing changed on the server.
		seed, err := kobj.New("v1", "ConfigMap").SetClient(admin).Read(wctx, kobj.Named("seed"), kobj.InNamespace(ns))
		if err != nil {
			t.Fatalf("reading the seed ConfigMap: %v", err)
		}
		if l := seed.Labels(); len(l) != 0 {
			t.Errorf("the seed ConfigMap has labels %v after canceled updates", l)
		}
	})

	verifyNoLeaks()
}
