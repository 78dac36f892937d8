package operator

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
)

// stripRaw returns the JSON object data without the managedFields entries
// of field managers that start with none of keep, as stripManagedFields
// does on a map, but on the bytes: it reads the object only up to the end
// of metadata.managedFields (servers write metadata first, before the
// content) and splices the kept entries in. data is not changed; an
// object with nothing to drop is returned as it is.
func stripRaw(data []byte, keep []string) ([]byte, error) {
	span, entries, err := managedFieldsSpan(data)
	if err != nil || entries == nil {
		return data, err
	}
	kept := make([]json.RawMessage, 0, len(entries))
	for _, raw := range entries {
		var e struct {
			Manager string `json:"manager"`
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, err
		}
		for _, k := range keep {
			if strings.HasPrefix(e.Manager, k) {
				kept = append(kept, raw)
				break
			}
		}
	}
	if len(kept) == len(entries) {
		return data, nil
	}
	out := make([]byte, 0, len(data))
	if len(kept) == 0 {
		// Drop the member and one comma beside it: the one before it, or
		// for the first member the one after it.
		from, to := span.member, span.end
		if i := skipSpace(data, from); i < len(data) && data[i] != ',' {
			if j := skipSpace(data, to); j < len(data) && data[j] == ',' {
				to = j + 1
			}
		}
		out = append(out, data[:from]...)
		return append(out, data[to:]...), nil
	}
	out = append(out, data[:span.value]...)
	out = append(out, '[')
	for i, raw := range kept {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, raw...)
	}
	out = append(out, ']')
	return append(out, data[span.end:]...), nil
}

var errNotObject = errors.New("not a JSON object")

// fieldSpan is where metadata.managedFields is in an object's JSON: its
// member starts at member (at the comma before it, if any), its value at
// value, and both end at end.
type fieldSpan struct{ member, value, end int }

// managedFieldsSpan finds metadata.managedFields in the JSON object data
// and returns its entries, nil when there is none.
func managedFieldsSpan(data []byte) (fieldSpan, []json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var span fieldSpan
	// open reads the start of an object, and reports whether it is one.
	open := func() (bool, error) {
		tok, err := dec.Token()
		if err != nil {
			return false, err
		}
		return tok == json.Delim('{'), nil
	}
	// member reads the next member's key, or returns false at the end of
	// the object; the member (with its comma) starts at span.member.
	member := func() (string, bool, error) {
		span.member = int(dec.InputOffset())
		if !dec.More() {
			return "", false, nil
		}
		tok, err := dec.Token()
		if err != nil {
			return "", false, err
		}
		k, _ := tok.(string)
		return k, true, nil
	}
	var skip json.RawMessage
	if isObject, err := open(); err != nil {
		return span, nil, err
	} else if !isObject {
		return span, nil, errNotObject
	}
	for {
		k, ok, err := member()
		if err != nil || !ok {
			return span, nil, err
		}
		if k != "metadata" {
			if err := dec.Decode(&skip); err != nil {
				return span, nil, err
			}
			continue
		}
		if isObject, err := open(); err != nil || !isObject {
			return span, nil, err // metadata that is not an object: nothing to strip
		}
		for {
			k, ok, err := member()
			if err != nil || !ok {
				return span, nil, err
			}
			if k != "managedFields" {
				if err := dec.Decode(&skip); err != nil {
					return span, nil, err
				}
				continue
			}
			var value json.RawMessage
			if err := dec.Decode(&value); err != nil {
				return span, nil, err
			}
			span.end = int(dec.InputOffset())
			span.value = span.end - len(value)
			var entries []json.RawMessage
			if err := json.Unmarshal(value, &entries); err != nil {
				return span, nil, err
			}
			if entries == nil {
				entries = []json.RawMessage{} // null or []: nothing to drop
			}
			return span, entries, nil
		}
	}
}

// skipSpace returns the index of the first byte of data at or after i that
// is not JSON white space.
func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n') {
		i++
	}
	return i
}
