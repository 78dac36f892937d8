package operatortest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeTree makes dirs (relative to a temp root) each holding the named
// files, and returns the root.
func fakeTree(t *testing.T, dirs map[string][]string) string {
	t.Helper()
	root := t.TempDir()
	for d, files := range dirs {
		full := filepath.Join(root, d)
		if err := os.MkdirAll(full, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if err := os.WriteFile(filepath.Join(full, f), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

func TestFindBinaries(t *testing.T) {
	both := []string{"etcd", "kube-apiserver"}
	root := fakeTree(t, map[string][]string{
		"assets": both,
		"empty":  nil,
		"home/.cache/kobj/controlplane/v1.29.15-etcd-v3.7.0": both,
		"home/.cache/kobj/controlplane/v1.37.2-etcd-v3.7.0":  both,
		"home/.cache/kobj/controlplane/v1.38.0-etcd-v3.7.0":  {"etcd"}, // incomplete: skipped
		"xdg/kobj/controlplane/v1.30.0-etcd-v3.7.0":          both,
		"script-out": nil,
		"built":      both,
		"default":    both,
	})
	p := func(rel string) string { return filepath.Join(root, rel) }
	tests := []struct {
		name      string
		explicit  string
		env       map[string]string
		home      string
		script    string
		scriptOut string
		defDir    string
		want      string
		wantHow   string
		wantErr   string
	}{
		{name: "option first", explicit: p("assets"), env: map[string]string{"KUBEBUILDER_ASSETS": p("default")}, want: p("assets"), wantHow: "the Assets option"},
		{name: "option without binaries", explicit: p("empty"), wantErr: "(the Assets option)"},
		{name: "KUBEBUILDER_ASSETS before the cache", env: map[string]string{"KUBEBUILDER_ASSETS": p("assets")}, home: p("home"), want: p("assets"), wantHow: "KUBEBUILDER_ASSETS"},
		{name: "KUBEBUILDER_ASSETS without binaries", env: map[string]string{"KUBEBUILDER_ASSETS": p("empty")}, home: p("home"), wantErr: "(KUBEBUILDER_ASSETS)"},
		{name: "the cache's newest complete folder", home: p("home"), want: p("home/.cache/kobj/controlplane/v1.37.2-etcd-v3.7.0"), wantHow: "kobj's cache"},
		{name: "KOBJ_K8S_VERSION picks the folder", env: map[string]string{"KOBJ_K8S_VERSION": "v1.29.15"}, home: p("home"), want: p("home/.cache/kobj/controlplane/v1.29.15-etcd-v3.7.0")},
		{name: "KOBJ_K8S_VERSION not cached, no script", env: map[string]string{"KOBJ_K8S_VERSION": "v1.31.0"}, home: p("home"), defDir: p("empty"), wantErr: "KOBJ_K8S_VERSION=v1.31.0"},
		{name: "XDG_CACHE_HOME", env: map[string]string{"XDG_CACHE_HOME": p("xdg")}, home: p("home"), want: p("xdg/kobj/controlplane/v1.30.0-etcd-v3.7.0")},
		{name: "KOBJ_CONTROLPLANE_DIR", env: map[string]string{"KOBJ_CONTROLPLANE_DIR": p("assets")}, home: p("home"), want: p("assets"), wantHow: "KOBJ_CONTROLPLANE_DIR"},
		{name: "the script when nothing is cached", home: p("nohome"), script: "/repo/hack/controlplane.sh", scriptOut: p("built"), want: p("built"), wantHow: "/repo/hack/controlplane.sh"},
		{name: "envtest's default last", home: p("nohome"), defDir: p("default"), want: p("default"), wantHow: "envtest's default folder"},
		{name: "nothing anywhere", home: p("nohome"), script: "/repo/hack/controlplane.sh", scriptOut: p("script-out"), defDir: p("empty"), wantErr: "KUBEBUILDER_ASSETS is not set; looked in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := defaultLookup(tt.explicit)
			l.getenv = func(k string) string { return tt.env[k] }
			l.home = tt.home
			l.script = tt.script
			l.run = func(script string, _ bool) (string, error) {
				if script != tt.script {
					t.Errorf("ran %s, want %s", script, tt.script)
				}
				return tt.scriptOut, nil
			}
			l.defDir = tt.defDir
			if l.defDir == "" {
				l.defDir = p("empty")
			}
			dir, how, err := l.findBinaries(false)
			if tt.wantErr != "" {
				if !errors.Is(err, ErrNoBinaries) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want ErrNoBinaries containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if dir != tt.want {
				t.Errorf("dir = %s, want %s", dir, tt.want)
			}
			if tt.wantHow != "" && how != tt.wantHow {
				t.Errorf("how = %q, want %q", how, tt.wantHow)
			}
		})
	}
}

func TestUniqueName(t *testing.T) {
	tests := []struct{ test, prefix, wantStart string }{
		{"TestWebsite", "web", "web-testwebsite-"},
		{"TestA/sub_case", "", "testa-sub-case-"},
		{strings.Repeat("TestLong", 20), "p", "p-testlong"},
		{"T", strings.Repeat("x", 80), "xxxx"},
	}
	for _, tt := range tests {
		got := uniqueName(tt.test, tt.prefix)
		if !strings.HasPrefix(got, tt.wantStart) || len(got) > 63 || notDNS.MatchString(got) || strings.HasPrefix(got, "-") {
			t.Errorf("uniqueName(%q, %q) = %q (%d), want a DNS label starting %q", tt.test, tt.prefix, got, len(got), tt.wantStart)
		}
	}
}
