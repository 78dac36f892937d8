package operatortest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	utilversion "k8s.io/apimachinery/pkg/util/version"
)

// ErrNoBinaries is wrapped by the error of a lookup that found no folder
// holding etcd and kube-apiserver.
var ErrNoBinaries = errors.New("no etcd and kube-apiserver binaries found")

// envtestDefaultDir is where envtest itself looks when nothing is set.
const envtestDefaultDir = "/usr/local/kubebuilder/bin"

// lookup is where findBinaries looks: the process's environment and file
// system by default; tests give their own.
type lookup struct {
	explicit string              // the Assets option
	getenv   func(string) string // os.Getenv
	home     string              // the user's home folder
	script   string              // hack/controlplane.sh of a kobj checkout, "" if none
	run      func(script string, controllerManager bool) (string, error)
	defDir   string             // envtest's default folder
	stat     func(string) error // an executable file exists at the path
}

// findBinaries returns the folder holding etcd and kube-apiserver and how
// it was found, or an error wrapping ErrNoBinaries that lists where it
// looked.
func (l lookup) findBinaries(controllerManager bool) (dir, how string, err error) {
	var looked []string
	has := func(dir string) bool {
		return l.stat(filepath.Join(dir, "etcd")) == nil && l.stat(filepath.Join(dir, "kube-apiserver")) == nil
	}
	if l.explicit != "" {
		if has(l.explicit) {
			return l.explicit, "the Assets option", nil
		}
		return "", "", fmt.Errorf("%w in %s (the Assets option)", ErrNoBinaries, l.explicit)
	}
	if d := l.getenv("KUBEBUILDER_ASSETS"); d != "" {
		if has(d) {
			return d, "KUBEBUILDER_ASSETS", nil
		}
		return "", "", fmt.Errorf("%w in %s (KUBEBUILDER_ASSETS)", ErrNoBinaries, d)
	}
	if d := l.getenv("KOBJ_CONTROLPLANE_DIR"); d != "" {
		if has(d) {
			return d, "KOBJ_CONTROLPLANE_DIR", nil
		}
		looked = append(looked, d+" (KOBJ_CONTROLPLANE_DIR)")
	} else {
		root := l.cacheRoot()
		if d := l.fromCache(root, has); d != "" {
			return d, "kobj's cache", nil
		}
		looked = append(looked, root+"/<version>-etcd-<version> (kobj's cache"+l.versionNote()+")")
	}
	if l.script != "" {
		d, err := l.run(l.script, controllerManager)
		if err == nil && has(d) {
			return d, l.script, nil
		}
		looked = append(looked, fmt.Sprintf("%s (%v)", l.script, err))
	}
	if has(l.defDir) {
		return l.defDir, "envtest's default folder", nil
	}
	looked = append(looked, l.defDir+" (envtest's default)")
	return "", "", fmt.Errorf("%w: KUBEBUILDER_ASSETS is not set; looked in %s. Set KUBEBUILDER_ASSETS (setup-envtest use -p path), or run hack/controlplane.sh (make controlplane) in a kobj checkout",
		ErrNoBinaries, strings.Join(looked, ", "))
}

// cacheRoot is the folder under which hack/controlplane.sh keeps one
// folder per version.
func (l lookup) cacheRoot() string {
	base := l.getenv("XDG_CACHE_HOME")
	if base == "" {
		base = filepath.Join(l.home, ".cache")
	}
	return filepath.Join(base, "kobj", "controlplane")
}

func (l lookup) versionNote() string {
	if v := l.getenv("KOBJ_K8S_VERSION"); v != "" {
		return ", KOBJ_K8S_VERSION=" + v
	}
	return ""
}

// fromCache returns the folder of root named <KOBJ_K8S_VERSION>-etcd-*, or
// with KOBJ_K8S_VERSION unset the one of the newest version, that holds
// both binaries; "" if none does.
func (l lookup) fromCache(root string, has func(string) bool) string {
	entries, err := os.ReadDir(root)
	if err != nil {
		return ""
	}
	want := l.getenv("KOBJ_K8S_VERSION")
	type cand struct {
		dir string
		v   *utilversion.Version
	}
	var cands []cand
	for _, e := range entries {
		k8s, _, ok := strings.Cut(e.Name(), "-etcd-")
		if !ok || !e.IsDir() {
			continue
		}
		if want != "" && k8s != want {
			continue
		}
		v, err := utilversion.ParseSemantic(k8s)
		if err != nil {
			continue
		}
		if d := filepath.Join(root, e.Name()); has(d) {
			cands = append(cands, cand{d, v})
		}
	}
	if len(cands) == 0 {
		return ""
	}
	sort.Slice(cands, func(i, j int) bool { return cands[j].v.LessThan(cands[i].v) })
	return cands[0].dir
}

// defaultLookup is the lookup of the running process.
func defaultLookup(explicit string) lookup {
	home, _ := os.UserHomeDir()
	return lookup{
		explicit: explicit,
		getenv:   os.Getenv,
		home:     home,
		script:   checkoutScript(),
		run:      runScript,
		defDir:   envtestDefaultDir,
		stat: func(p string) error {
			fi, err := os.Stat(p)
			if err != nil {
				return err
			}
			if fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
				return fmt.Errorf("%s is not an executable file", p)
			}
			return nil
		},
	}
}

// checkoutScript returns hack/controlplane.sh when this package is built
// from a kobj checkout (its source beside the script), else "": built
// from the module cache or with -trimpath, there is no script.
func checkoutScript() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return ""
	}
	script := filepath.Join(filepath.Dir(file), "..", "hack", "controlplane.sh")
	if _, err := os.Stat(script); err != nil {
		return ""
	}
	return script
}

// runScript runs hack/controlplane.sh, which builds what its cache lacks
// (with KOBJ_CONTROLLER_MANAGER=1 kube-controller-manager too) and prints
// the folder on its last line.
func runScript(script string, controllerManager bool) (string, error) {
	cmd := exec.Command(script)
	cmd.Stderr = os.Stderr
	if controllerManager {
		cmd.Env = append(os.Environ(), "KOBJ_CONTROLLER_MANAGER=1")
	}
	out, err := cmd.Output()
	if err != nil {
		return "", err
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1], nil
}
