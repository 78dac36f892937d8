package applyset

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"runtime/debug"
	"strings"
)

// ID returns the id of the ApplySet whose parent is the object of that
// kind, group ("" for the core group), namespace ("" when cluster-scoped)
// and name: "applyset-" followed by the unpadded URL-safe base64 of the
// SHA-256 of "name.namespace.kind.group", followed by "-v1", as kubectl
// computes it.
func ID(group, kind, namespace, name string) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{name, namespace, kind, group}, ".")))
	return "applyset-" + base64.RawURLEncoding.EncodeToString(sum[:]) + "-v1"
}

// Tooling returns the tooling annotation "<tool>/<version>", the version
// being that of module in the program's build information ("v0.0.0" when
// the build does not record one, as in a module's own tests).
func Tooling(tool, module string) string {
	version := "v0.0.0"
	if info, ok := debug.ReadBuildInfo(); ok {
		version = moduleVersion(append([]*debug.Module{&info.Main}, info.Deps...), module, version)
	}
	return tool + "/" + version
}

// moduleVersion returns the version of module among mods (its
// replacement's when that has one), else def.
func moduleVersion(mods []*debug.Module, module, def string) string {
	version := def
	for _, m := range mods {
		if m.Path != module {
			continue
		}
		if m.Replace != nil && m.Replace.Version != "" {
			m = m.Replace
		}
		if strings.HasPrefix(m.Version, "v") {
			version = m.Version
		}
	}
	return version
}

// ToolingName returns the tool's name of a tooling annotation: all but
// its last "/"-separated part, as kubectl reads it ("kubectl" of
// "kubectl/v1.37.2").
func ToolingName(tooling string) string {
	parts := strings.Split(tooling, "/")
	if len(parts) >= 2 {
		return strings.Join(parts[:len(parts)-1], "/")
	}
	return tooling
}

// CheckTooling checks a tooling annotation given by a caller: a tool's
// name and a version, separated by a slash. It returns an error saying
// the form wanted when the annotation is not of that form.
func CheckTooling(tooling string) error {
	name := ToolingName(tooling)
	if name == tooling || name == "" || strings.HasSuffix(tooling, "/") {
		return errors.New("want <tool name>/<version>, as kubectl/v1.37.2")
	}
	return nil
}
