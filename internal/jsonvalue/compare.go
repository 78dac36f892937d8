package jsonvalue

import (
	"maps"
	"reflect"
	"slices"
)

// Copy copies the maps and lists of a JSON-shaped value, so that changing
// either leaves the other as it was. Other values (strings, numbers, bools)
// are immutable and are returned as they are; a nil map or list stays nil.
func Copy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := maps.Clone(x)
		for k, e := range m {
			m[k] = Copy(e)
		}
		return m
	case []any:
		l := slices.Clone(x)
		for i, e := range l {
			l[i] = Copy(e)
		}
		return l
	}
	return v
}

// CopyMap is Copy for an object's top-level map.
func CopyMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return Copy(m).(map[string]any)
}

// Equal compares two JSON-shaped values as JSON sees them: maps and lists
// recursively, numbers by value (int64(3) equals float64(3), see
// NumbersEqual), and null equal to a nil map or list.
func Equal(a, b any) bool {
	if IsNull(a) || IsNull(b) {
		return IsNull(a) && IsNull(b)
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		return ok && maps.EqualFunc(x, y, Equal)
	case []any:
		y, ok := b.([]any)
		return ok && slices.EqualFunc(x, y, Equal)
	}
	if IsNumber(a) && IsNumber(b) {
		return NumbersEqual(a, b)
	}
	return reflect.DeepEqual(a, b)
}

// IsNull reports whether v is JSON null: nil, or a nil map or list.
func IsNull(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case map[string]any:
		return x == nil
	case []any:
		return x == nil
	}
	return false
}

// SortedKeys returns m's keys in order.
func SortedKeys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}

// MergePatch returns the JSON merge patch (RFC 7386) that turns before into
// after: removed keys as null, changed maps recursively, anything else
// replaced whole. Equal objects give an empty patch. The patch shares
// after's values.
func MergePatch(before, after map[string]any) map[string]any {
	patch := map[string]any{}
	for k, bv := range before {
		av, ok := after[k]
		if !ok {
			patch[k] = nil
			continue
		}
		bm, bIsMap := bv.(map[string]any)
		am, aIsMap := av.(map[string]any)
		if bIsMap && aIsMap {
			if sub := MergePatch(bm, am); len(sub) > 0 {
				patch[k] = sub
			}
			continue
		}
		if !Equal(bv, av) {
			patch[k] = av
		}
	}
	for k, av := range after {
		if _, ok := before[k]; !ok {
			patch[k] = av
		}
	}
	return patch
}
