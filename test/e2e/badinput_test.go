package e2e

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// TestBadInputs gives kobj one bad input after another and checks the
// error each must give, and that the cases that can be caught before the
// network send no request (after discovery and the operation index are
// warm, as they are in a running program).
func TestBadInputs(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	c, log := newCountingClient(t)
	ns := newNamespace(t, c)
	warm := []func() error{
		func() error {
			_, err := kobj.New("v1", "ConfigMapList").Read(ctx, kobj.WithClient(c), kobj.InNamespace(ns))
			return err
		},
		func() error {
			_, err := kobj.New("v1", "ComponentStatusList").Read(ctx, kobj.WithClient(c))
			return err
		},
		func() error {
			_, err := c.Call(ctx, "listNamespacedConfigMap", kobj.Args{"namespace": ns, "limit": 1})
			return err
		},
		func() error {
			// A name the index does not know loads every document once,
			// to suggest the closest names; later misses refetch the root only.
			var unknown *kobj.UnknownOperationError
			if _, err := c.Call(ctx, "listNamespacedConfigMapz", nil); !errors.As(err, &unknown) {
				return err
			}
			_, err := c.Call(ctx, "readNamespacedPodLog", kobj.Args{"namespace": ns, "name": "none"})
			if apierrors.IsNotFound(err) {
				return nil
			}
			return err
		},
	}
	for _, w := range warm {
		if err := w(); err != nil {
			t.Fatalf("warming up: %v", err)
		}
	}
	cm := func(name string) *kobj.Object {
		return kobj.New("v1", "ConfigMap").SetName(name).SetNamespace(ns).SetClient(c)
	}
	tests := []struct {
		name     string
		run      func() error
		want     string                   // a substring of the error
		is       func(error) bool         // and, when set, a property of it
		requests func(reqs []string) bool // nil: no request may be sent
	}{
		{"malformed YAML", func() error {
			_, err := kobj.LoadString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [x\n")
			return err
		}, "document 1, line", isLoadError, nil},
		{"document without kind", func() error {
			_, err := kobj.LoadString("apiVersion: v1\nkind: A\n---\napiVersion: v1\nmetadata: {name: x}\n")
			return err
		}, "document 2, line 4: object has no kind", isLoadError, nil},
		{"document without apiVersion", func() error { _, err := kobj.LoadString("kind: ConfigMap\n"); return err }, "no apiVersion", isLoadError, nil},
		{"binary garbage", func() error {
			_, err := kobj.LoadBytes([]byte{0x00, 0xff, 0xfe, 0x7f, 0x1b, 0x5b, 0x32, 0x4a, 0xc3, 0x28, '\n', ':', '-', '{'})
			return err
		}, "document 1", isLoadError, nil},
		{"a document that is a list", func() error { _, err := kobj.LoadString("- a\n- b\n"); return err }, "not an object", isLoadError, nil},
		{"tab indentation", func() error {
			_, err := kobj.LoadString("apiVersion: v1\nkind: A\nmetadata:\n\tname: x\n")
			return err
		}, "line 4", isLoadError, nil},
		{"bad document separator", func() error { _, err := kobj.LoadString("apiVersion: v1\nkind: A\n--- junk\n"); return err }, "invalid document separator", isLoadError, nil},
		{"JSON stream with garbage after two objects", func() error {
			_, err := kobj.LoadString(`{"apiVersion":"v1","kind":"A"} {"apiVersion":"v1","kind":"B"} {"apiVersion":`)
			return err
		}, "document 3", isLoadError, nil},
		{"YAML alias bomb, fast and bounded", aliasBombCheck, "aliases expand the document too much", func(err error) bool { return errors.Is(err, kobj.ErrAliasBomb) }, nil},
		{"a path expression that does not parse", func() error { return cm("x").Set(`metadata.labels["unterminated`, "v") }, "bad quoted field name", isPathError, nil},
		{"a path through a value of the wrong type", func() error { return cm("x").Set("metadata.name.first", "v") }, `at "metadata.name": cannot set a field inside a string`, isPathError, nil},
		{"FromJSON of a non-object", func() error { _, err := kobj.FromJSON([]byte(`[1,2]`)); return err }, "FromJSON", nil, nil},
		{"FromTyped of nil", func() error { _, err := kobj.FromTyped(nil); return err }, "need a non-nil pointer", nil, nil},
		{"merging a list into a string", func() error {
			p := kobj.New("v1", "ConfigMap")
			_ = p.Set("metadata.name", []any{"a"})
			return cm("x").Merge(p)
		}, `path "metadata.name": cannot merge a list into a string`, nil, nil},
		{"namespace mismatch", func() error { _, err := cm("x").Create(ctx, kobj.InNamespace("elsewhere")); return err },
			`namespace "elsewhere" given by option, but metadata.namespace is`, nil, nil},
		{"namespace on a cluster-scoped kind", func() error {
			_, err := kobj.New("v1", "Namespace").SetName("x").Read(ctx, kobj.WithClient(c), kobj.InNamespace(ns))
			return err
		}, "Namespace is cluster-scoped", nil, nil},
		{"an empty name", func() error { _, err := cm("").Read(ctx); return err }, "no name", nil, nil},
		{"an unsupported verb", func() error {
			_, err := kobj.New("v1", "ComponentStatus").SetName("etcd-0").Delete(ctx, kobj.WithClient(c))
			return err
		}, `does not support "delete"`, func(err error) bool { return errors.Is(err, kobj.ErrUnsupported) }, nil},
		{"a negative grace period", func() error { _, err := cm("x").Delete(ctx, kobj.GracePeriod(-time.Second)); return err }, "a grace period cannot be negative", nil, nil},
		{"Edit without a function", func() error { _, err := cm("x").Edit(ctx, nil); return err }, "nil edit function", nil, nil},
		{"Read of an untyped List", func() error { _, err := kobj.New("v1", "List").Read(ctx, kobj.WithClient(c)); return err }, "read a typed list", nil, nil},
		{"an unknown operation", func() error { _, err := c.Call(ctx, "listNamespacedConfigMapz", nil); return err },
			"did you mean listNamespacedConfigMap", func(err error) bool { var u *kobj.UnknownOperationError; return errors.As(err, &u) }, onlyOpenAPI},
		{"an unknown parameter", func() error {
			_, err := c.Call(ctx, "listNamespacedConfigMap", kobj.Args{"namespace": ns, "labelselector": "a=b"})
			return err
		}, `did you mean "labelSelector"`, nil, nil},
		{"a wrong parameter type", func() error {
			_, err := c.Call(ctx, "listNamespacedConfigMap", kobj.Args{"namespace": ns, "limit": 2.5})
			return err
		}, `parameter "limit": want an integer`, nil, nil},
		{"a missing required parameter", func() error { _, err := c.Call(ctx, "readNamespacedConfigMap", kobj.Args{"namespace": ns}); return err },
			`missing required path parameter "name"`, nil, nil},
		{"a missing body", func() error {
			_, err := c.Call(ctx, "createNamespacedConfigMap", kobj.Args{"namespace": ns})
			return err
		},
			"missing the required body", nil, nil},
		{"a streaming operation", func() error {
			_, err := c.Call(ctx, "readNamespacedPodLog", kobj.Args{"namespace": ns, "name": "p", "follow": true})
			return err
		}, "use CallStream", nil, nil},
		{"an unknown kind", func() error {
			_, err := kobj.New("v1", "ConfigMapp").SetName("x").Read(ctx, kobj.WithClient(c))
			return err
		},
			"did you mean ConfigMap?", func(err error) bool { var u *kobj.UnknownKindError; return errors.As(err, &u) }, onlyDiscovery},
		{"no client configured", noClientCheck, "no client configured", func(err error) bool { return errors.Is(err, kobj.ErrNoClient) }, nil},
		{"an object too large for the server", func() error {
			o := cm("too-large")
			_ = o.Set("data.blob", strings.Repeat("x", 4<<20))
			_, err := o.Create(ctx)
			return err
		}, "", func(err error) bool { return apierrors.IsRequestEntityTooLargeError(err) || apierrors.IsInvalid(err) }, onlyCreate},
		{"an invalid name, refused by the server", func() error { _, err := cm("Not_Valid").Create(ctx); return err },
			"Not_Valid", apierrors.IsInvalid, onlyCreate},
	}
	if len(tests) < 25 {
		t.Fatalf("only %d bad inputs", len(tests))
	}
	for _, tt := range tests {
		log.Reset()
		err := tt.run()
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || (tt.is != nil && !tt.is(err)) {
			t.Errorf("%s: got %T %q, want one containing %q", tt.name, err, err, tt.want)
		}
		reqs := log.Requests()
		if tt.requests == nil && len(reqs) > 0 || tt.requests != nil && !tt.requests(reqs) {
			t.Errorf("%s: requests sent: %q", tt.name, reqs)
		}
		t.Logf("%-45s %v", tt.name+":", err)
	}
	// Nothing half-done: none of the objects the bad calls named exists.
	l := kobj.New("v1", "ConfigMapList")
	if _, err := l.Read(ctx, kobj.WithClient(c), kobj.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	for _, it := range l.Items() {
		if it.Name() != "kube-root-ca.crt" {
			t.Errorf("a bad call left %s behind", it)
		}
	}
}

func isLoadError(err error) bool { var le *kobj.LoadError; return errors.As(err, &le) }

func isPathError(err error) bool { var pe *kobj.PathError; return errors.As(err, &pe) }

// onlyOpenAPI allows what an unknown operation name may cost once the
// index is warm: a refetch of the OpenAPI root, and the documents of CRDs
// that other tests created since; never the call itself.
func onlyOpenAPI(reqs []string) bool {
	for _, r := range reqs {
		if !strings.HasPrefix(r, "GET /openapi/v3") {
			return false
		}
	}
	return len(reqs) >= 1
}

func onlyDiscovery(reqs []string) bool {
	for _, r := range reqs {
		if r != "GET /api" && r != "GET /apis" {
			return false
		}
	}
	return len(reqs) == 2
}

func onlyCreate(reqs []string) bool { return len(reqs) == 1 && strings.HasPrefix(reqs[0], "POST ") }

// aliasBombCheck loads the billion laughs and fails if that took long or
// much memory.
func aliasBombCheck() error {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := kobj.LoadFile("../testdata/bad/billion-laughs.yaml")
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 64<<20 || took > 5*time.Second {
		return errors.Join(err, errors.New("not fast or not bounded"))
	}
	return err
}

// noClientCheck reads with no client anywhere: no option, none on the
// object, and a default client that cannot be made.
func noClientCheck() error {
	return withoutDefaultClient(func() error {
		_, err := kobj.New("v1", "ConfigMap").SetName("x").Read(context.Background())
		return err
	})
}

// withoutDefaultClient runs fn with a default client that cannot be made:
// KUBECONFIG names a missing file, and no in-cluster service account exists.
func withoutDefaultClient(fn func() error) error {
	old, had := os.LookupEnv("KUBECONFIG")
	os.Setenv("KUBECONFIG", filepath.Join(os.TempDir(), "kobj-no-such-kubeconfig"))
	kobj.SetDefaultClient(nil)
	defer func() {
		if had {
			os.Setenv("KUBECONFIG", old)
		} else {
			os.Unsetenv("KUBECONFIG")
		}
		kobj.SetDefaultClient(nil)
	}()
	return fn()
}
