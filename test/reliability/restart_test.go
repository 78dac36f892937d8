package reliability

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"go.uber.org/goleak"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// envtestProcessWaiter is the goroutine envtest starts to wait for the
// kube-apiserver process (process.State.Start); the restart starts a new
// one that runs as long as the apiserver does. It is the harness's, not
// kobj's.
var envtestProcessWaiter = goleak.IgnoreAnyFunction("sigs.k8s.io/controller-runtime/pkg/internal/testing/process.(*State).Start.func1")

// TestCreatesAcrossAPIServerRestart stops the kube-apiserver while 1,000
// asynchronous creates are pending, starts it again, and checks that every
// future ends with a clear error or a success, that retrying the failed
// ones creates what is missing, and that in the end each ConfigMap exists
// exactly once.
func TestCreatesAcrossAPIServerRestart(t *testing.T) {
	verifyNoLeaks := leakCheck(t, envtestProcessWaiter)
	ctx := testContext(t, 4*time.Minute)
	c := newClient(t, kobj.MaxInFlight(16))
	ns := newNamespace(t, c)

	const n = 1000
	name := func(i int) string { return fmt.Sprintf("cm-%04d", i) }
	create := func(i int) *kobj.Response {
		return c.CallAsync(ctx, "createCoreV1NamespacedConfigMap", kobj.Args{
			"namespace": ns,
			"body": map[string]any{
				"apiVersion": "v1", "kind": "ConfigMap",
				"metadata": map[string]any{"name": name(i)},
				"data":     map[string]any{"i": fmt.Sprint(i)},
			},
		})
	}
	futures := make([]*kobj.Response, n)
	begin := time.Now()
	for i := range futures {
		futures[i] = create(i)
	}
	doneCount := func() int {
		k := 0
		for _, f := range futures {
			select {
			case <-f.Done():
				k++
			default:
			}
		}
		return k
	}

	// Stop the apiserver once about 100 creates have ended.
	poll := time.NewTicker(5 * time.Millisecond)
	for doneCount() < 100 && ctx.Err() == nil {
		select {
		case <-poll.C:
		case <-ctx.Done():
		}
	}
	poll.Stop()
	atStop := doneCount()
	if atStop == n {
		t.Fatalf("all %d creates ended before the apiserver was stopped; nothing was tested", n)
	}
	stopAt := time.Now()
	if err := plane.StopAPIServer(); err != nil {
		t.Fatalf("StopAPIServer: %v", err)
	}
	stopped := time.Now()
	atStopped := doneCount()
	time.Sleep(1500 * time.Millisecond)
	atStart := doneCount()
	startAt := time.Now()
	if err := plane.StartAPIServer(); err != nil {
		t.Fatalf("StartAPIServer: %v", err)
	}
	up := time.Now()
	t.Logf("%d creates had ended when the stop began (%v after the first), %d when the apiserver had exited (%v later), %d when the restart began; the restart took %v",
		atStop, stopAt.Sub(begin).Round(time.Millisecond), atStopped, stopped.Sub(stopAt).Round(time.Millisecond), atStart, up.Sub(startAt).Round(time.Millisecond))
	// The same client, its connections gone, works again.
	if _, err := c.Call(ctx, "listCoreV1NamespacedConfigMap", kobj.Args{"namespace": ns, "limit": 1}); err != nil {
		t.Errorf("the first call after the restart: %v", err)
	} else {
		t.Logf("the first call after the restart was answered %v after it, %v after the stop began", time.Since(up).Round(time.Millisecond), time.Since(stopAt).Round(time.Millisecond))
	}

	// Every future ends.
	waitCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	notDone := waitAll(waitCtx, futures)
	cancel()
	if len(notDone) > 0 {
		t.Fatalf("%d futures never ended, first %s", len(notDone), name(notDone[0]))
	}

	// Each failure is a StatusError, or a connection error naming the
	// operation or the request's path.
	path := "/api/v1/namespaces/" + ns + "/configmaps"
	var failed []int
	texts := map[string]int{}
	statusErrs, connErrs := 0, 0
	for i, f := range futures {
		_, _, _, err := f.Get(ctx)
		if err == nil {
			continue
		}
		failed = append(failed, i)
		texts[normalizeError(err, ns)]++
		var se *apierrors.StatusError
		switch {
		case errors.As(err, &se):
			statusErrs++
		case strings.Contains(err.Error(), path) || strings.Contains(err.Error(), "createCoreV1NamespacedConfigMap"):
			connErrs++
		default:
			t.Errorf("create %s: the error is neither a StatusError nor names the operation or its path: %v", name(i), err)
		}
	}
	t.Logf("%d of %d creates failed across the restart (%d StatusErrors, %d connection errors)", len(failed), n, statusErrs, connErrs)
	logDistinct(t, texts)

	// Retry the failed ones; AlreadyExists means the first try landed.
	retryStart := time.Now()
	retries := make([]*kobj.Response, len(failed))
	for k, i := range failed {
		retries[k] = create(i)
	}
	landed := 0
	for k, f := range retries {
		_, _, _, err := f.Get(ctx)
		switch {
		case err == nil:
		case apierrors.IsAlreadyExists(err):
			landed++
		default:
			t.Errorf("retrying the create of %s after the restart: %v", name(failed[k]), err)
		}
	}
	t.Logf("retried %d creates in %v: %d had landed before the restart (AlreadyExists); recovery, from the stop to every create done: %v",
		len(failed), time.Since(retryStart).Round(time.Millisecond), landed, time.Since(stopAt).Round(time.Millisecond))

	// Each of the 1,000 exists exactly once, and nothing else does.
	counts := configMapNames(ctx, t, c, ns)
	for i := range n {
		if k := counts[name(i)]; k != 1 {
			t.Errorf("ConfigMap %s is listed %d times, want 1", name(i), k)
		}
		delete(counts, name(i))
	}
	for other, k := range counts {
		t.Errorf("unexpected ConfigMap %s listed %d times", other, k)
	}

	verifyNoLeaks()
}

var (
	localPort = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	cmName    = regexp.MustCompile(`cm-\d{4}`)
)

// normalizeError makes an error's text comparable across calls: ports,
// names and the namespace are replaced.
func normalizeError(err error, ns string) string {
	s := strings.ReplaceAll(err.Error(), ns, "NS")
	s = localPort.ReplaceAllString(s, "127.0.0.1:PORT")
	return cmName.ReplaceAllString(s, "cm-NNNN")
}

// logDistinct logs up to 10 distinct error texts, most frequent first.
func logDistinct(t *testing.T, texts map[string]int) {
	t.Helper()
	type tc struct {
		text  string
		count int
	}
	var all []tc
	for s, k := range texts {
		all = append(all, tc{s, k})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].count != all[j].count {
			return all[i].count > all[j].count
		}
		return all[i].text < all[j].text
	})
	for i, e := range all {
		if i == 10 {
			t.Logf("... and %d other distinct errors", len(all)-10)
			break
		}
		t.Logf("  %4d × %s", e.count, e.text)
	}
}
