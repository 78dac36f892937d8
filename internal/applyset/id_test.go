package applyset

import (
	"runtime/debug"
	"testing"
)

// The expected ids were computed outside Go, with Python's hashlib and
// base64.urlsafe_b64encode (padding stripped), and are what kubectl's own
// ApplySet.ID gives (test/e2e/applyset_kubectl_test.go calls it).
func TestID(t *testing.T) {
	for _, tc := range []struct {
		group, kind, namespace, name string
		want                         string
	}{
		{"", "ConfigMap", "shop", "set", "applyset-7fFB87CRhJ5TNi_w4TDPYDEGqjgqS1PzgLi-dyqcOv4-v1"},
		{"", "Secret", "shop", "set", "applyset-FzxrwoaIPTCEj0WYvvKYzh_1_3tCFpkt2KWr_V1lRL4-v1"},
		{"example.com", "Widget", "", "parent", "applyset-eOiL6Cf18-wHjOv349TAav5okrCeFdc__jEbVc5UhSo-v1"},
	} {
		got := ID(tc.group, tc.kind, tc.namespace, tc.name)
		if got != tc.want {
			t.Errorf("ID(%q, %q, %q, %q) = %s, want %s", tc.group, tc.kind, tc.namespace, tc.name, got, tc.want)
		}
		if len(got) > 63 { // a label value
			t.Errorf("ID %s has %d characters, more than a label value may", got, len(got))
		}
	}
}

func TestToolingName(t *testing.T) {
	for _, tc := range []struct {
		tooling, name string
		valid         bool
	}{
		{"kubectl/v1.37.2", "kubectl", true},
		{"kobj/v0.0.0", "kobj", true},
		{"example.com/deployer/v2", "example.com/deployer", true},
		{"kubectl", "kubectl", false},
		{"kubectl/", "kubectl", false},
		{"/v1", "", false},
		{"", "", false},
	} {
		if got := ToolingName(tc.tooling); got != tc.name {
			t.Errorf("ToolingName(%q) = %q, want %q", tc.tooling, got, tc.name)
		}
		if err := CheckTooling(tc.tooling); (err == nil) != tc.valid {
			t.Errorf("CheckTooling(%q) = %v, want valid %v", tc.tooling, err, tc.valid)
		}
	}
}

func TestModuleVersion(t *testing.T) {
	const mod = "github.com/kobj-dev/kobj"
	for _, tc := range []struct {
		name string
		mods []*debug.Module
		want string
	}{
		{"absent", []*debug.Module{{Path: "example.com/other", Version: "v1.0.0"}}, "v0.0.0"},
		{"a dependency", []*debug.Module{{Path: "example.com/main"}, {Path: mod, Version: "v0.4.1"}}, "v0.4.1"},
		{"the main module, built from a checkout", []*debug.Module{{Path: mod, Version: "(devel)"}}, "v0.0.0"},
		{"replaced by a version", []*debug.Module{{Path: mod, Version: "v0.4.1", Replace: &debug.Module{Path: "example.com/fork", Version: "v0.4.2"}}}, "v0.4.2"},
		{"replaced by a directory", []*debug.Module{{Path: mod, Version: "v0.4.1", Replace: &debug.Module{Path: "../kobj"}}}, "v0.4.1"},
	} {
		if got := moduleVersion(tc.mods, mod, "v0.0.0"); got != tc.want {
			t.Errorf("%s: moduleVersion = %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := Tooling("kobj", mod); CheckTooling(got) != nil || ToolingName(got) != "kobj" {
		t.Errorf("Tooling(kobj, %s) = %q, want kobj/<version>", mod, got)
	}
}
