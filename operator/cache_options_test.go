package operator

import (
	"strings"
	"testing"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/internal/fieldpath"
	"k8s.io/client-go/rest"
)

func TestNewCacheOptionErrors(t *testing.T) {
	client, err := kobj.NewClient(&rest.Config{Host: "http://127.0.0.1:1"}, kobj.CacheDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	noop := func(*kobj.Object) {}
	tests := []struct {
		opts []CacheOption
		want string
	}{
		{[]CacheOption{nil}, "option 0 is nil"},
		{[]CacheOption{Namespaces()}, "Namespaces(): no namespace given"},
		{[]CacheOption{Namespaces("ok", "Bad_NS")}, `Namespaces("Bad_NS")`},
		{[]CacheOption{Scope("", "ConfigMap")}, `Scope("", "ConfigMap"): empty apiVersion or kind`},
		{[]CacheOption{Scope("a/b/c", "X")}, `not group/version`},
		{[]CacheOption{Scope("v1", "ConfigMap"), Scope("v1", "ConfigMap")}, "scoped twice"},
		{[]CacheOption{Scope("v1", "ConfigMap", kobj.Limit(1))}, "kobj.Limit is not a scope"},
		{[]CacheOption{Scope("v1", "ConfigMap", kobj.LabelSelector("a in ("))}, `LabelSelector("a in (")`},
		{[]CacheOption{Scope("v1", "ConfigMap", kobj.FieldSelector("a"))}, `FieldSelector("a")`},
		{[]CacheOption{Scope("v1", "ConfigMap", kobj.InNamespace(""))}, `InNamespace("")`},
		{[]CacheOption{Scope("v1", "ConfigMap", kobj.InNamespace("a"), kobj.AllNamespaces())}, "both AllNamespaces and InNamespace"},
		{[]CacheOption{Transform(nil)}, "Transform(nil)"},
		{[]CacheOption{Transform(noop), Transform(noop)}, "given twice"},
		{[]CacheOption{StripManagedFields("")}, "empty field manager"},
		{[]CacheOption{MetadataOnly("v1", "")}, `MetadataOnly("v1", "")`},
		{[]CacheOption{NamespacesLabeled("a in (")}, `NamespacesLabeled("a in (")`},
		{[]CacheOption{NamespacesLabeled("")}, `an empty selector`},
		{[]CacheOption{NamespacesLabeled("a"), NamespacesLabeled("b")}, `given twice`},
		{[]CacheOption{NamespacesLabeled("a"), Namespaces("x")}, `NamespacesLabeled("a") is given too`},
		{[]CacheOption{Namespaces("x"), NamespacesLabeled("a")}, `Namespaces is given too`},
	}
	for _, tt := range tests {
		_, err := NewCache(client, tt.opts...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewCache(%v): %v, want an error with %q", tt.opts, err, tt.want)
		}
	}
	c, err := NewCache(client, Namespaces("a"), Scope("v1", "Pod", kobj.AllNamespaces(), kobj.LabelSelector("a=b"), kobj.LabelSelector("c")),
		StripManagedFields(), MetadataOnly("v1", "Secret"), Transform(noop))
	if err != nil {
		t.Fatal(err)
	}
	s := c.cfg.scopes[kindRef{"v1", "Pod"}]
	if !s.allNamespaces || s.labelSelector != "a=b,c" || c.cfg.keep[0] != keptManagerPrefix || !c.cfg.metadata[kindRef{"v1", "Secret"}] {
		t.Fatalf("config = %+v", c.cfg)
	}
}

func TestRVAtLeast(t *testing.T) {
	tests := []struct {
		have, want string
		ok         bool
	}{
		{"5", "5", true}, {"6", "5", true}, {"10", "9", true}, {"9", "10", false},
		{"abc", "abc", true}, {"abd", "abc", false}, {"5", "abc", false}, {"", "5", false},
	}
	for _, tt := range tests {
		if got := rvAtLeast(tt.have, tt.want); got != tt.ok {
			t.Errorf("rvAtLeast(%q, %q) = %v", tt.have, tt.want, got)
		}
	}
}

func TestFieldString(t *testing.T) {
	m := map[string]any{"s": "x", "i": int64(3), "f": 2.5, "w": 4.0, "b": false, "n": nil,
		"l": []any{"a", int64(1)}, "m": map[string]any{"k": "v"}}
	tests := []struct{ path, want string }{
		{"s", "x"}, {"i", "3"}, {"f", "2.5"}, {"w", "4"}, {"b", "false"}, {"n", ""}, {"missing", ""},
		{"l", `["a",1]`}, {"l[0]", "a"}, {"m", `{"k":"v"}`}, {`m["k"]`, "v"},
	}
	for _, tt := range tests {
		segs, err := fieldpath.Parse(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fieldString(m, segs); got != tt.want {
			t.Errorf("fieldString(%s) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestSplitKey(t *testing.T) {
	for k, want := range map[string][2]string{"a/b": {"a", "b"}, "b": {"", "b"}} {
		ns, name := splitKey(k)
		if ns != want[0] || name != want[1] {
			t.Errorf("splitKey(%q) = %q, %q", k, ns, name)
		}
	}
}
