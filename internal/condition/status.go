package condition

import (
	"fmt"
	"strings"

	"github.com/kobj-dev/kobj/internal/jsonvalue"
)

// Is evaluates kubectl wait --for=condition=typ=status on obj, by
// kubectl's rule (k8s.io/kubectl pkg/cmd/wait, ConditionalWait):
//
//   - status.conditions must be a list when present; a status or
//     status.conditions of another type is an error. A null status counts
//     as absent, as in kubectl, and so does a null status.conditions
//     (kubectl: an error), the way an API server prunes a null.
//   - Entries that are not maps, or whose type is not a string equal to typ
//     under Unicode case folding, are skipped; so is an entry of that type
//     whose status is missing or not a string: the next entry of the type
//     is read.
//   - The first entry that remains decides: met when its status equals
//     status under case folding, unless the entry is stale (see Stale) and
//     m does not ignore observedGeneration.
func Is(obj map[string]any, typ, status string, m Mode) Verdict {
	list, err := conditions(obj)
	if err != nil {
		return Verdict{Err: err}
	}
	seen := "no condition " + typ
	for _, e := range list {
		c, ok := e.(map[string]any)
		if !ok {
			continue
		}
		t, ok := c["type"].(string)
		if !ok || !strings.EqualFold(t, typ) {
			continue
		}
		st, ok := c["status"].(string)
		if !ok {
			seen = t + " has no status"
			continue
		}
		seen = fmt.Sprintf("%s is %q", t, st)
		if r, ok := c["reason"].(string); ok && r != "" {
			seen += " (reason " + r + ")"
		}
		if !strings.EqualFold(st, status) {
			return Verdict{Seen: seen}
		}
		if stale, why := Stale(obj, c); stale && !m.IgnoreObservedGeneration {
			return Verdict{Seen: seen + " but " + why}
		}
		return Verdict{Met: true, Seen: seen}
	}
	return Verdict{Seen: seen}
}

// conditions returns status.conditions; nil when it is absent or null.
func conditions(obj map[string]any) ([]any, error) {
	status, ok := obj["status"]
	if !ok || status == nil {
		return nil, nil
	}
	sm, ok := status.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("status is %s, not a map", jsonType(status))
	}
	raw, ok := sm["conditions"]
	if !ok || raw == nil {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("status.conditions is %s, not a list", jsonType(raw))
	}
	return list, nil
}

// Stale applies kubectl's observedGeneration rule to the entry cond of
// obj's status.conditions: when metadata.generation is set, and the
// entry's observedGeneration (or else status.observedGeneration) is set and
// lower, the entry describes an older generation of the object; the second
// result says so in words. Integers are read by jsonvalue.Int64, so a
// float64 holding a whole number counts (kubectl reads only int64 and
// ignores such a field).
func Stale(obj, cond map[string]any) (bool, string) {
	gen, ok := int64At(obj, "metadata", "generation")
	if !ok {
		return false, ""
	}
	observed, ok := jsonvalue.Int64(cond["observedGeneration"])
	if !ok {
		observed, ok = int64At(obj, "status", "observedGeneration")
	}
	if !ok || observed >= gen {
		return false, ""
	}
	return true, fmt.Sprintf("observedGeneration %d is older than generation %d", observed, gen)
}

// int64At reads the integer at obj[outer][inner].
func int64At(obj map[string]any, outer, inner string) (int64, bool) {
	m, ok := obj[outer].(map[string]any)
	if !ok {
		return 0, false
	}
	return jsonvalue.Int64(m[inner])
}
