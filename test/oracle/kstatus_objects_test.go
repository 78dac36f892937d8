package oracle

import (
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/yaml"

	"github.com/kobj-dev/kobj/internal/jsonvalue"
)

// The object helpers of the kstatus comparison: reading, copying, and
// normalize, which rewrites an object into what kobj reads of it.

// fromYAML reads one object as an unstructured object holds it: whole
// numbers as int64, others as float64.
func fromYAML(y string) (map[string]any, error) {
	j, err := yaml.YAMLToJSON([]byte(y))
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := utiljson.Unmarshal(j, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// mustYAML is fromYAML for the generator's own literals.
func mustYAML(y string) map[string]any {
	m, err := fromYAML(y)
	if err != nil {
		panic("generator object: " + err.Error() + "\n" + y)
	}
	return m
}

func deepCopy(v map[string]any) map[string]any {
	return copyValue(v).(map[string]any)
}

func copyValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = copyValue(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = copyValue(e)
		}
		return l
	}
	return v
}

// lookup returns the value at keys and whether it is there.
func lookup(obj map[string]any, keys ...string) (any, bool) {
	var v any = obj
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

func lookupValue(obj map[string]any, keys ...string) any {
	v, _ := lookup(obj, keys...)
	return v
}

// ensureMap returns the map at key in m, making it when it is missing or
// not a map.
func ensureMap(m map[string]any, key string) map[string]any {
	if sub, ok := m[key].(map[string]any); ok {
		return sub
	}
	sub := map[string]any{}
	m[key] = sub
	return sub
}

func kindOf(obj map[string]any) string {
	k, _ := obj["kind"].(string)
	return k
}

func hasConditionTrue(obj map[string]any, typ string) bool {
	list, _ := lookupValue(obj, "status", "conditions").([]any)
	for _, e := range list {
		if c, ok := e.(map[string]any); ok && c["type"] == typ && c["status"] == "True" {
			return true
		}
	}
	return false
}

// notInteger holds when the value at keys is there, not null, and neither
// an int64 nor a float64.
func notInteger(obj map[string]any, keys ...string) bool {
	v, ok := lookup(obj, keys...)
	if !ok || v == nil {
		return false
	}
	switch v.(type) {
	case int64, float64:
		return false
	}
	return true
}

var conditionFields = []string{"type", "status", "reason", "message"}

// malformedConditions holds when kstatus cannot decode status.conditions.
func malformedConditions(obj map[string]any) bool {
	st, ok := obj["status"]
	if !ok || st == nil {
		return false
	}
	stm, ok := st.(map[string]any)
	if !ok {
		return true
	}
	conds, ok := stm["conditions"]
	if !ok || conds == nil {
		return false
	}
	list, ok := conds.([]any)
	if !ok {
		return true
	}
	for _, e := range list {
		c, ok := e.(map[string]any)
		if !ok {
			return true
		}
		for _, f := range conditionFields {
			if v, ok := c[f]; ok && v != nil {
				if _, isString := v.(string); !isString {
					return true
				}
			}
		}
	}
	return false
}

// malformedContainerStatuses holds when status.containerStatuses is not a
// list of maps whose name, state, state.waiting and reason have the types
// kstatus asserts.
func malformedContainerStatuses(obj map[string]any) bool {
	v, ok := lookup(obj, "status", "containerStatuses")
	if !ok || v == nil {
		return false
	}
	list, ok := v.([]any)
	if !ok {
		return true
	}
	for _, e := range list {
		if _, ok := cleanContainerStatus(e); !ok {
			return true
		}
	}
	return false
}

// cleanContainerStatus returns e without what kstatus cannot read, and
// whether e was clean.
func cleanContainerStatus(e any) (any, bool) {
	cs, ok := e.(map[string]any)
	if !ok {
		return nil, false
	}
	clean := true
	if n, ok := cs["name"]; ok {
		if _, isString := n.(string); !isString {
			return nil, false // kobj skips a container without a name
		}
	}
	if s, ok := cs["state"]; ok {
		state, isMap := s.(map[string]any)
		if !isMap {
			delete(cs, "state")
			return cs, false
		}
		if w, ok := state["waiting"]; ok {
			waiting, isMap := w.(map[string]any)
			if !isMap {
				delete(state, "waiting")
				return cs, false
			}
			if r, ok := waiting["reason"]; ok {
				if _, isString := r.(string); !isString {
					delete(waiting, "reason")
					clean = false
				}
			}
		}
	}
	return cs, clean
}

func hasFloat(v any) bool {
	switch x := v.(type) {
	case float64:
		return true
	case map[string]any:
		for _, e := range x {
			if hasFloat(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if hasFloat(e) {
				return true
			}
		}
	}
	return false
}

// normalize rewrites obj into what kobj's documented rules read of it, in
// a form kstatus reads the same way: a whole float64 in int64's range
// becomes that int64, any other float64 goes (kstatus treats an ignored
// count as absent); a deletionTimestamp that is not a string goes; a
// generation that is not a number goes; a status that is not a map,
// conditions that are not a list, entries that are not maps, condition
// fields that are not strings go; containerStatuses kstatus cannot read
// are cleaned likewise.
func normalize(obj map[string]any) map[string]any {
	obj = normalizeNumbers(obj).(map[string]any)
	if meta, ok := obj["metadata"].(map[string]any); ok {
		if v, ok := meta["deletionTimestamp"]; ok {
			if _, isString := v.(string); !isString {
				delete(meta, "deletionTimestamp")
			}
		}
	}
	if notInteger(obj, "metadata", "generation") {
		delete(obj["metadata"].(map[string]any), "generation")
	}
	if notInteger(obj, "status", "observedGeneration") {
		delete(obj["status"].(map[string]any), "observedGeneration")
	}
	st, ok := obj["status"]
	if !ok || st == nil {
		return obj
	}
	stm, ok := st.(map[string]any)
	if !ok {
		delete(obj, "status")
		return obj
	}
	if conds, ok := stm["conditions"]; ok && conds != nil {
		list, ok := conds.([]any)
		if !ok {
			delete(stm, "conditions")
		} else {
			kept := []any{}
			for _, e := range list {
				c, ok := e.(map[string]any)
				if !ok {
					continue
				}
				for _, f := range conditionFields {
					if v, ok := c[f]; ok {
						if _, isString := v.(string); !isString {
							delete(c, f)
						}
					}
				}
				kept = append(kept, c)
			}
			stm["conditions"] = kept
		}
	}
	if css, ok := stm["containerStatuses"]; ok && css != nil {
		list, ok := css.([]any)
		if !ok {
			delete(stm, "containerStatuses")
		} else {
			kept := []any{}
			for _, e := range list {
				if cs, _ := cleanContainerStatus(e); cs != nil {
					kept = append(kept, cs)
				}
			}
			stm["containerStatuses"] = kept
		}
	}
	return obj
}

func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if f, ok := e.(float64); ok {
				if n, ok := jsonvalue.Int64(f); ok {
					x[k] = n
				} else {
					delete(x, k)
				}
				continue
			}
			x[k] = normalizeNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalizeNumbers(e)
		}
	}
	return v
}
