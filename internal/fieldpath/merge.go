package fieldpath

import (
	"fmt"

	"github.com/kobj-dev/kobj/internal/jsonvalue"
)

// Merge copies the values of src into dst, recursively: maps merge key by
// key; lists merge element by element, where two maps merge and otherwise
// src's element replaces dst's, and src's extra elements are appended.
// Scalars of src replace dst's values. src's null values are skipped, unless
// overwrite is set: then a null deletes dst's field (or sets dst's list
// element to null). dst ends up sharing no maps or lists with src; src is
// not changed; dst and src must not be the same map.
//
// Merge fails with an *Error whose Path (in Format's spelling) names the
// first value of dst, in sorted key order, that a map of src meets and that
// is not a map (or a list meets a non-list) and is not null. On failure dst
// is left exactly as it was.
func Merge(dst, src map[string]any, overwrite bool) error {
	// A dry run finds any conflict before anything is changed; the apply
	// run meets exactly the same values, so it cannot fail half way.
	m := merger{overwrite: overwrite}
	if _, err := m.merge(dst, src, nil); err != nil {
		return err
	}
	m.apply = true
	_, err := m.merge(dst, src, nil) // cannot fail: the dry run saw the same values
	return err
}

type merger struct {
	overwrite bool
	apply     bool // false: only look for conflicts, change nothing
}

// merge merges src into dst (both non-null) at path at and returns the value
// to store in dst's place.
func (m *merger) merge(dst, src any, at []Segment) (any, error) {
	switch s := src.(type) {
	case map[string]any:
		d, ok := dst.(map[string]any)
		if !ok {
			return nil, m.conflict(at, "map", dst)
		}
		for _, k := range jsonvalue.SortedKeys(s) {
			sv := s[k]
			dv, has := d[k]
			switch {
			case jsonvalue.IsNull(sv):
				if m.apply && m.overwrite {
					delete(d, k)
				}
			case !has || jsonvalue.IsNull(dv):
				if m.apply {
					d[k] = jsonvalue.Copy(sv)
				}
			default:
				nv, err := m.merge(dv, sv, append(at[:len(at):len(at)], Segment{Key: k}))
				if err != nil {
					return nil, err
				}
				if m.apply {
					d[k] = nv
				}
			}
		}
		return d, nil
	case []any:
		d, ok := dst.([]any)
		if !ok {
			return nil, m.conflict(at, "list", dst)
		}
		for i, se := range s {
			switch {
			case i >= len(d):
				if m.apply {
					d = append(d, jsonvalue.Copy(se))
				}
			case jsonvalue.IsNull(se):
				if m.apply && m.overwrite {
					d[i] = nil
				}
			default:
				dm, dok := d[i].(map[string]any)
				sm, sok := se.(map[string]any)
				if dok && sok && dm != nil {
					if _, err := m.merge(dm, sm, append(at[:len(at):len(at)], Segment{Index: i, Bracket: true})); err != nil {
						return nil, err
					}
				} else if m.apply {
					d[i] = jsonvalue.Copy(se)
				}
			}
		}
		return d, nil
	}
	return src, nil
}

func (m *merger) conflict(at []Segment, what string, dst any) error {
	return &Error{
		Path: Format(at),
		Err:  fmt.Errorf("cannot merge a %s into %s", what, ATypeName(dst)),
	}
}
