package e2e

import (
	"fmt"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"

	"github.com/kobj-dev/kobj"
)

// Wait follows a watch, it does not poll with GETs: a user allowed only
// `get` on the object can read it but not Wait on it (Forbidden); `list`
// and `watch` restricted by resourceNames to that object are enough, as the
// requests carry a metadata.name field selector. doc/using-with-kubernetes.md
// states both.
func TestWaitNeedsWatchNotOnlyGet(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	admin := newClient(t)
	ns := newNamespace(t, admin)
	user := "kobj-wait-getter-" + suffix()
	cm := load(t, fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: waited, namespace: %s}\ndata: {k: v}\n", ns)).SetClient(admin)
	if _, err := cm.Create(ctx); err != nil {
		t.Fatalf("Create: %v", err)
	}
	grant := func(name string, verbs string) {
		t.Helper()
		for _, y := range []string{
			fmt.Sprintf(`apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: %s, namespace: %s}
rules:
- {apiGroups: [""], resources: [configmaps], resourceNames: [waited], verbs: %s}
`, name, ns, verbs),
			fmt.Sprintf(`apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: %s, namespace: %s}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: %s}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: %s}
`, name, ns, name, user),
		} {
			if _, err := load(t, y).SetClient(admin).Create(ctx); err != nil {
				t.Fatalf("Create RBAC: %v", err)
			}
		}
	}
	grant("get-only", "[get]")
	as := rest.CopyConfig(cfg)
	as.Impersonate = rest.ImpersonationConfig{UserName: user}
	c, err := kobj.NewClient(as, kobj.CacheDir(t.TempDir()))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	o := kobj.New("v1", "ConfigMap").SetNamespace(ns).SetName("waited").SetClient(c)
	if _, err := o.Read(ctx); err != nil {
		t.Fatalf("Read with get: %v", err)
	}
	if _, err := o.Wait(ctx, kobj.Exists()); !apierrors.IsForbidden(err) {
		t.Fatalf("Wait with only get: %v, want Forbidden", err)
	}
	grant("list-watch", "[list, watch]")
	// The authorizer's cache sees the grant eventually: retry while the
	// answer is Forbidden, until the test's context ends.
	var last error
	for ctx.Err() == nil {
		if _, last = o.Wait(ctx, kobj.PathEquals("data.k", "v")); last == nil {
			return
		}
		if !apierrors.IsForbidden(last) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("Wait with list and watch on resourceNames: %v", last)
}
