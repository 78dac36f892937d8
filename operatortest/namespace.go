package operatortest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

var notDNS = regexp.MustCompile(`[^a-z0-9-]+`)

// Namespace creates a Namespace of the test's own and returns its name:
// prefix, the test's name made a DNS label, and a random suffix, at most
// 63 characters. The Namespace is deleted when t ends; without the
// ControllerManager option nothing empties it, so it stays Terminating,
// which is harmless in a control plane that dies with the test. It fails t
// when the create fails.
func (e *Env) Namespace(t testing.TB, prefix string) string {
	t.Helper()
	name := uniqueName(t.Name(), prefix)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ns := kobj.New("v1", "Namespace").SetName(name).SetClient(e.client)
	if _, err := ns.Create(ctx); err != nil {
		t.Fatalf("operatortest: creating Namespace %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := kobj.New("v1", "Namespace").SetName(name).SetClient(e.client).Delete(ctx); err != nil && !apierrors.IsNotFound(err) {
			t.Logf("operatortest: deleting Namespace %s: %v", name, err)
		}
	})
	return name
}

// uniqueName returns prefix-<test>-<8 hex digits>, a DNS label.
func uniqueName(test, prefix string) string {
	clean := func(s string) string {
		return strings.Trim(notDNS.ReplaceAllString(strings.ToLower(s), "-"), "-")
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	suffix := hex.EncodeToString(b[:])
	parts := []string{}
	if p := clean(prefix); p != "" {
		parts = append(parts, p)
	}
	base := clean(test)
	room := 63 - len(suffix) - 1
	for _, p := range parts {
		room -= len(p) + 1
	}
	if len(base) > room {
		base = strings.TrimRight(base[:max(room, 0)], "-")
	}
	if base != "" {
		parts = append(parts, base)
	}
	if len(parts) > 0 && len(parts[0]) > 63-len(suffix)-1 {
		parts = []string{strings.TrimRight(parts[0][:63-len(suffix)-1], "-")}
	}
	return strings.Join(append(parts, suffix), "-")
}
