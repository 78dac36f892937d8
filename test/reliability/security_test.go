package reliability

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// syncBuffer is a bytes.Buffer safe for concurrent writers (klog's).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// captureKlog sends klog's output, at verbosity 8 (client-go logs each
// request from 6 up, with its request and response headers at 8), to a buffer
// until the test ends. It must be called before the clients are made:
// client-go picks its debugging wrappers when it builds a transport.
// Not 9: client-go's detailed timing (httptrace) has a data race of its
// own (transport/round_trippers.go: tlsStart is written by the dialing
// goroutine while RoundTrip reads the timings), which -race reports.
func captureKlog(t *testing.T) *syncBuffer {
	buf := &syncBuffer{}
	var flags flag.FlagSet
	klog.InitFlags(&flags)
	if err := flags.Set("v", "8"); err != nil {
		t.Fatal(err)
	}
	klog.SetOutput(buf)
	klog.LogToStderr(false)
	t.Cleanup(func() {
		klog.Flush()
		_ = flags.Set("v", "0")
		klog.LogToStderr(true)
		klog.SetOutput(os.Stderr)
	})
	return buf
}

// secrets are the strings that must never appear in an error, a log line
// or a panic, each with what it is.
type secrets map[string]string

// addKey adds a PEM private key: whole, each line of its base64 body, its
// body in one piece, and its DER in hex.
func (s secrets) addKey(what string, keyPEM []byte) {
	if len(keyPEM) == 0 {
		return
	}
	s[string(bytes.TrimSpace(keyPEM))] = what + " (PEM)"
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return
	}
	body := base64.StdEncoding.EncodeToString(block.Bytes)
	s[body] = what + " (base64 DER)"
	s[fmt.Sprintf("%x", block.Bytes[len(block.Bytes)-32:])] = what + " (hex DER)"
	for len(body) > 0 {
		line := body[:min(64, len(body))]
		if len(line) >= 24 {
			s[line] = what + " (a line of its PEM)"
		}
		body = body[len(line):]
	}
}

// leaks returns what of s occurs in text.
func (s secrets) leaks(text string) []string {
	var found []string
	for secret, what := range s {
		if secret != "" && strings.Contains(text, secret) {
			found = append(found, what)
		}
	}
	return found
}

// TestLeastPrivilegeUser acts as a user allowed only to get ConfigMaps in
// one namespace: that works, everything else is Forbidden and changes
// nothing; no credential appears in an error, a log line or a panic.
func TestLeastPrivilegeUser(t *testing.T) {
	logs := captureKlog(t)
	verifyNoLeaks := leakCheck(t)
	ctx := testContext(t, 2*time.Minute)
	admin := newClient(t)
	ns, other := newNamespace(t, admin), newNamespace(t, admin)
	const secretValue = "s3cr3t-value-that-must-not-leak"

	load := func(yaml string) *kobj.Object {
		t.Helper()
		objs, err := kobj.LoadString(yaml)
		if err != nil || len(objs) != 1 {
			t.Fatalf("LoadString: %d objects, %v", len(objs), err)
		}
		return objs[0].SetClient(admin)
	}
	for _, o := range []*kobj.Object{
		load(`{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "readable", "namespace": "` + ns + `"}, "data": {"k": "v"}}`),
		load(`{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "elsewhere", "namespace": "` + other + `"}, "data": {"k": "v"}}`),
		load(`{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "hidden", "namespace": "` + ns + `"}, "stringData": {"password": "` + secretValue + `"}}`),
		load(`
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: configmap-getter, namespace: ` + ns + `}
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get]
`),
		load(`
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader-gets-configmaps, namespace: ` + ns + `}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: configmap-getter}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: reader}
`),
	} {
		if _, err := o.Create(ctx); err != nil {
			t.Fatalf("creating %s as admin: %v", o, err)
		}
	}

	user, err := plane.Env.AddUser(envtest.User{Name: "reader", Groups: nil}, plane.Config)
	if err != nil {
		t.Fatalf("AddUser: %v", err)
	}
	userCfg := user.Config()
	leakable := secrets{secretValue: "the Secret's value", base64.StdEncoding.EncodeToString([]byte(secretValue)): "the Secret's value (base64)"}
	leakable.addKey("the reader's client key", userCfg.KeyData)
	leakable.addKey("the admin's client key", cfg.KeyData)
	if userCfg.BearerToken != "" {
		leakable[userCfg.BearerToken] = "the reader's bearer token"
	}
	readerCache := t.TempDir()
	reader := clientFor(t, userCfg, kobj.CacheDir(readerCache))

	// Everything said to the caller, to be searched for secrets.
	var said []string
	run := func(what string, fn func() error) (err error) {
		defer func() {
			if p := recover(); p != nil {
				text := fmt.Sprintf("panic: %v\n%s", p, debug.Stack())
				said = append(said, text)
				t.Errorf("%s panicked: %s", what, text)
				err = fmt.Errorf("panic: %v", p)
			}
		}()
		err = fn()
		if err != nil {
			said = append(said, err.Error(), fmt.Sprintf("%+v %#v", err, err))
		}
		return err
	}

	snapshot := func() map[string]string {
		t.Helper()
		s := map[string]string{}
		for _, n := range []string{ns, other} {
			list, err := kobj.New("v1", "ConfigMapList").SetClient(admin).Read(ctx, kobj.InNamespace(n))
			if err != nil {
				t.Fatalf("admin: listing ConfigMaps of %s: %v", n, err)
			}
			for _, it := range list.Items() {
				data, _ := it.Get("data")
				s["ConfigMap "+n+"/"+it.Name()] = it.ResourceVersion() + fmt.Sprint(data) + fmt.Sprint(it.Labels())
			}
		}
		sec, err := kobj.New("v1", "Secret").SetClient(admin).Read(ctx, kobj.Named("hidden"), kobj.InNamespace(ns))
		if err != nil {
			t.Fatalf("admin: reading the Secret: %v", err)
		}
		data, _ := sec.Get("data")
		s["Secret hidden"] = sec.ResourceVersion() + fmt.Sprint(data)
		return s
	}
	before := snapshot()

	// The reader may get the ConfigMap; RBAC takes a moment to see the
	// binding, so a Forbidden is retried for a while.
	readable := kobj.New("v1", "ConfigMap").SetClient(reader)
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := run("reader: get ConfigMap", func() error {
			_, err := readable.Read(ctx, kobj.Named("readable"), kobj.InNamespace(ns))
			return err
		})
		if err == nil {
			break
		}
		if !apierrors.IsForbidden(err) || time.Now().After(deadline) {
			t.Fatalf("reader: reading ConfigMap %s/readable: %v", ns, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if v, _ := readable.GetString("data.k"); v != "v" {
		t.Errorf("reader: ConfigMap data.k = %q, want v", v)
	}

	forbidden := []struct {
		what string
		fn   func() error
	}{
		{"list ConfigMaps", func() error {
			_, err := kobj.New("v1", "ConfigMapList").SetClient(reader).Read(ctx, kobj.InNamespace(ns))
			return err
		}},
		{"create a ConfigMap", func() error {
			_, err := kobj.New("v1", "ConfigMap").SetClient(reader).SetName("intruder").SetNamespace(ns).Create(ctx)
			return err
		}},
		{"update a ConfigMap", func() error {
			if err := readable.Set("data.k", "changed"); err != nil {
				return err
			}
			_, err := readable.Update(ctx)
			return err
		}},
		{"edit a ConfigMap", func() error {
			_, err := readable.Edit(ctx, func(o *kobj.Object) error { o.SetLabel("edited", "yes"); return nil }, kobj.Rollback())
			return err
		}},
		{"delete a ConfigMap", func() error {
			_, err := kobj.New("v1", "ConfigMap").SetClient(reader).Delete(ctx, kobj.Named("readable"), kobj.InNamespace(ns))
			return err
		}},
		{"get a ConfigMap in another namespace", func() error {
			_, err := kobj.New("v1", "ConfigMap").SetClient(reader).Read(ctx, kobj.Named("elsewhere"), kobj.InNamespace(other))
			return err
		}},
		{"get a Secret", func() error {
			_, err := kobj.New("v1", "Secret").SetClient(reader).Read(ctx, kobj.Named("hidden"), kobj.InNamespace(ns))
			return err
		}},
		{"call listCoreV1Namespace", func() error {
			_, err := reader.Call(ctx, "listCoreV1Namespace", nil)
			return err
		}},
		{"call readCoreV1NamespacedSecret", func() error {
			_, err := reader.Call(ctx, "readCoreV1NamespacedSecret", kobj.Args{"namespace": ns, "name": "hidden"})
			return err
		}},
	}
	for _, f := range forbidden {
		err := run("reader: "+f.what, f.fn)
		if !apierrors.IsForbidden(err) {
			t.Errorf("reader: %s: %v; want Forbidden", f.what, err)
		} else {
			t.Logf("reader: %s: %v", f.what, err)
		}
	}
	if after := snapshot(); !maps.Equal(before, after) {
		t.Errorf("the reader changed what the admin sees:\nbefore %v\nafter  %v", before, after)
	}

	// A wrong bearer token is Unauthorized, and never repeated.
	token := "kobj-test-token-" + suffix() + suffix() + suffix()
	leakable[token] = "a bearer token"
	tokenCfg := rest.CopyConfig(cfg)
	tokenCfg.CertData, tokenCfg.KeyData, tokenCfg.BearerToken = nil, nil, token
	withToken := clientFor(t, tokenCfg)
	if err := run("token: get ConfigMap", func() error {
		_, err := kobj.New("v1", "ConfigMap").SetClient(withToken).Read(ctx, kobj.Named("readable"), kobj.InNamespace(ns))
		return err
	}); !apierrors.IsUnauthorized(err) {
		t.Errorf("a client with an unknown bearer token: %v; want Unauthorized", err)
	}
	if err := run("token: call", func() error {
		_, err := withToken.Call(ctx, "listCoreV1Namespace", nil)
		return err
	}); !apierrors.IsUnauthorized(err) {
		t.Errorf("a client with an unknown bearer token, Call: %v; want Unauthorized", err)
	}

	// A key that does not match its certificate fails in NewClient, without
	// repeating the key.
	badKey := rest.CopyConfig(userCfg)
	badKey.KeyData = cfg.KeyData
	if err := run("NewClient with a mismatched key", func() error {
		_, err := kobj.NewClient(tracked(badKey, nil), kobj.CacheDir(t.TempDir()))
		return err
	}); err == nil {
		t.Errorf("NewClient with a client key that does not match the certificate: no error")
	}

	t.Run("TLS", func(t *testing.T) {
		noCA := rest.CopyConfig(cfg)
		noCA.CAData, noCA.CAFile = nil, ""
		if noCA.Insecure {
			t.Fatal("the admin config is Insecure")
		}
		unverified := clientFor(t, noCA)
		err := run("no CA: get namespace", func() error {
			_, err := kobj.New("v1", "Namespace").SetClient(unverified).Read(ctx, kobj.Named("default"))
			return err
		})
		var unknownCA x509.UnknownAuthorityError
		var verify *tls.CertificateVerificationError
		switch {
		case err == nil:
			t.Errorf("a client without the server's CA read a namespace: TLS verification is off")
		case errors.As(err, &unknownCA) || errors.As(err, &verify):
			t.Logf("without the CA: %v", err)
		case strings.Contains(err.Error(), "x509") || strings.Contains(err.Error(), "certificate"):
			t.Errorf("without the CA: a certificate error, but not wrapped (errors.As finds no x509 or tls error): %v", err)
		default:
			t.Errorf("without the CA: %v; want a certificate verification error", err)
		}

		insecure := rest.CopyConfig(noCA)
		insecure.Insecure = true
		skipVerify := clientFor(t, insecure)
		if err := run("insecure: get namespace", func() error {
			_, err := kobj.New("v1", "Namespace").SetClient(skipVerify).Read(ctx, kobj.Named("default"))
			return err
		}); err != nil {
			t.Errorf("with Insecure and no CA: %v", err)
		}
	})

	// Nothing said, logged or cached holds a secret.
	klog.Flush()
	logText := logs.String()
	if logText == "" {
		t.Errorf("klog captured nothing at verbosity 8; the capture does not work")
	}
	for i, s := range said {
		for _, what := range leakable.leaks(s) {
			t.Errorf("%s appears in an error: %q", what, said[i])
		}
	}
	for _, what := range leakable.leaks(logText) {
		t.Errorf("%s appears in klog's output", what)
	}
	_ = filepath.WalkDir(readerCache, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, what := range leakable.leaks(string(data)) {
			t.Errorf("%s appears in the cache file %s", what, path)
		}
		return nil
	})
	t.Logf("searched %d error texts and %d bytes of klog output for %d secret strings", len(said), len(logText), len(leakable))

	verifyNoLeaks()
}
