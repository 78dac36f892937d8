package kobj_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func countPrefix(s string) int { return strings.Count(s, "kobj:") }

func TestErrorWithoutStatusNamesTheResource(t *testing.T) {
	f := newFakeAPI(t, "")
	f.intercept = func(w http.ResponseWriter, r *recorded) bool {
		if strings.HasPrefix(r.Path, "/api/v1/namespaces/ns/") {
			http.Error(w, "upstream gone", http.StatusBadGateway)
			return true
		}
		return false
	}
	c := f.client()
	_, err := c.Call(context.Background(), "readCoreV1NamespacedPod", kobj.Args{"namespace": "ns", "name": "p"})
	var se *apierrors.StatusError
	if !errors.As(err, &se) || se.ErrStatus.Details == nil || se.ErrStatus.Details.Kind != "pods" || se.ErrStatus.Details.Name != "p" {
		t.Errorf("error = %#v, want a StatusError about pods p", err)
	}
	if n := countPrefix(err.Error()); n > 1 {
		t.Errorf("error %q says kobj: %d times", err, n)
	}
}

func TestUnknownKindSaysKobjOnce(t *testing.T) {
	f := newFakeAPI(t, "")
	_, err := kobj.New("v1", "ConfigMapp").Read(context.Background(), kobj.WithClient(f.client()), kobj.Named("x"))
	if err == nil || countPrefix(err.Error()) != 1 || !contains(err.Error(), "ConfigMap") {
		t.Errorf("error = %v, want one kobj: prefix and a suggestion", err)
	}
}
