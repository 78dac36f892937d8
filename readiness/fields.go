package readiness

import "github.com/kobj-dev/kobj/internal/jsonvalue"

// lookup returns the value at the path of keys in obj, or nil when a key
// is missing or a value on the way is not a map.
func lookup(obj map[string]any, keys ...string) any {
	var v any = obj
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// intOf reads v as an integer: Go's integer types that hand-built maps
// hold, or else by jsonvalue.Int64, the one rule for numbers decoded from
// JSON (an int64, or a float64 holding a whole number in int64's range).
func intOf(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	}
	return jsonvalue.Int64(v)
}

// intField reads the integer at keys, or def when it is absent or not one.
func intField(obj map[string]any, def int64, keys ...string) int64 {
	if n, ok := intOf(lookup(obj, keys...)); ok {
		return n
	}
	return def
}

// stringField reads the string at keys, or def when it is absent or not
// one.
func stringField(obj map[string]any, def string, keys ...string) string {
	if s, ok := lookup(obj, keys...).(string); ok {
		return s
	}
	return def
}

// condition is one entry of status.conditions, as far as the rules read
// it.
type condition struct {
	typ, status, reason, message string
}

// conditionsOf returns status.conditions, skipping entries that are not
// maps; a field of an entry that is not a string reads as "".
func conditionsOf(obj map[string]any) []condition {
	list, _ := lookup(obj, "status", "conditions").([]any)
	out := make([]condition, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		var c condition
		c.typ, _ = m["type"].(string)
		c.status, _ = m["status"].(string)
		c.reason, _ = m["reason"].(string)
		c.message, _ = m["message"].(string)
		out = append(out, c)
	}
	return out
}

// findCondition returns the first condition of type typ with status
// status.
func findCondition(conds []condition, typ, status string) (condition, bool) {
	for _, c := range conds {
		if c.typ == typ && c.status == status {
			return c, true
		}
	}
	return condition{}, false
}
