package ssa

import (
	"slices"
	"strings"

	"github.com/kobj-dev/kobj/internal/jsonvalue"
)

// An apply whose field manager already owns, by Apply, exactly the fields
// it sets, holding exactly the values it sets, changes nothing on the
// server: not the object, not its managedFields. Whenever that cannot be
// told for sure (the manager applied another apiVersion, owns more or
// fewer fields, the server normalised a value, a list is in another
// order), AppliesNothing says false: the apply is to be sent and the
// server decides.

// AppliesNothing reports whether applying body (as Body builds it: the
// object's identity, apiVersion and kind, and the fields the apply sets)
// as field manager manager to live (the object as the server holds it,
// metadata.managedFields included) would leave live as it is. A body that
// sets nothing beyond the object's identity, applied by a manager that
// owns no field of live (an object created by such an apply holds no
// managedFields entry for it), is the same empty set of fields: true.
// False for an object being deleted, and whenever it cannot be told.
func AppliesNothing(body, live map[string]any, manager string) bool {
	md, _ := live["metadata"].(map[string]any)
	if md == nil || md["deletionTimestamp"] != nil {
		return false
	}
	owned, keys, err := managedEntries(live, manager, "")
	if err != nil {
		return false
	}
	want := jsonvalue.Copy(body).(map[string]any)
	delete(want, "apiVersion")
	delete(want, "kind")
	if wmd, ok := want["metadata"].(map[string]any); ok {
		// The object's identity: never in managedFields.
		delete(wmd, "name")
		delete(wmd, "namespace")
		if len(wmd) == 0 {
			delete(want, "metadata")
		}
	}
	if owned.empty() {
		// No field owned and none applied: the same empty set, whatever
		// the version. The server would write for it all the same (it
		// records an object without managedFields as owned by
		// "before-first-apply"), a write that applies nothing.
		return len(want) == 0
	}
	if !appliedOnlyAs(md, manager, body["apiVersion"]) {
		return false
	}
	got, ok := project(live, owned)
	if !ok {
		return false
	}
	return sameApplied(want, got, "", keys)
}

// appliedOnlyAs reports whether manager has applied the main resource, and
// only as apiVersion: field names can differ between versions.
func appliedOnlyAs(md map[string]any, manager string, apiVersion any) bool {
	entries, _ := md["managedFields"].([]any)
	found := false
	for _, e := range entries {
		m, _ := e.(map[string]any)
		if m["manager"] != manager || m["operation"] != "Apply" || m["subresource"] != nil && m["subresource"] != "" {
			continue
		}
		if m["apiVersion"] != apiVersion {
			return false
		}
		found = true
	}
	return found
}

// sameApplied reports whether got, the part of the served object that the
// manager owns, is want, the part it applies. An element of a keyed list
// that the server named by a key field the manifest left to its default
// (a port's protocol, TCP) carries that key field in got only; nothing
// else may differ.
func sameApplied(want, got any, path string, keys map[string][]string) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok || !sameApplied(wv, gv, joinPath(path, k), keys) {
				return false
			}
		}
		for k := range g {
			if _, ok := w[k]; !ok && !isDefaultedKey(path, k, g[k], keys) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !sameApplied(w[i], g[i], path+"[]", keys) {
				return false
			}
		}
		return true
	}
	return jsonvalue.Equal(want, got)
}

// isDefaultedKey reports whether field, holding value, is a key of the
// list elements at path that the server gave its default when a manifest
// left it out. The one such key of Kubernetes' keyed lists is a port's
// protocol, TCP. Without a schema nothing else can be known: a key field
// left out with another value (protocol UDP applied before, or a
// container's name, which has no default) means the apply would name
// another element, so it is sent.
func isDefaultedKey(path, field string, value any, keys map[string][]string) bool {
	list, isElem := strings.CutSuffix(path, "[]")
	return isElem && field == "protocol" && jsonvalue.Equal(value, "TCP") && slices.Contains(keys[list], field)
}
