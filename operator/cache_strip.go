package operator

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
)

// stripRaw returns the JSON object data without the managedFields entries
// of field managers that start with none of keep, as stripManagedFields
// does on a map, but on the bytes: it scans the object only up to the end
// of metadata.managedFields (servers write metadata before the content),
// decodes nothing, and splices the kept entries in. data is not changed;
// an object with nothing to drop is returned as it is. It fails on data
// that is not a JSON object (the cache's data was validated when read).
// What servers never write is left alone rather than stripped: a key
// spelled with escapes (met\u0061data), or a second metadata member.
func stripRaw(data []byte, keep []string) ([]byte, error) {
	span, entries, err := managedFieldsSpan(data)
	if err != nil || len(entries) == 0 {
		return data, err
	}
	kept := make([][]byte, 0, len(entries))
	for _, raw := range entries {
		manager, err := memberString(raw, "manager")
		if err != nil {
			return nil, err
		}
		for _, k := range keep {
			if strings.HasPrefix(manager, k) {
				kept = append(kept, raw)
				break
			}
		}
	}
	if len(kept) == len(entries) {
		return data, nil
	}
	// Exactly the size needed: the result is what the cache keeps.
	if len(kept) == 0 {
		// Drop the member and one comma beside it: the one before it, or
		// for the first member the one after it.
		from, to := span.member, span.end
		if i := skipSpace(data, from); i < len(data) && data[i] != ',' {
			if j := skipSpace(data, to); j < len(data) && data[j] == ',' {
				to = j + 1
			}
		}
		out := make([]byte, 0, len(data)-(to-from))
		out = append(out, data[:from]...)
		return append(out, data[to:]...), nil
	}
	size := span.value + 2 + len(kept) - 1 + len(data) - span.end
	for _, raw := range kept {
		size += len(raw)
	}
	out := make([]byte, 0, size)
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

var errBadJSON = errors.New("not a JSON object")

// fieldSpan is where metadata.managedFields is in an object's JSON: its
// member starts at member (at the comma before it, if any), its value at
// value, and both end at end.
type fieldSpan struct{ member, value, end int }

// managedFieldsSpan finds metadata.managedFields in the JSON object data
// and returns its entries (each an element's bytes), none when there is
// no such list.
func managedFieldsSpan(data []byte) (fieldSpan, [][]byte, error) {
	var span fieldSpan
	start, _, ok, err := member(data, 0, "metadata")
	if err != nil || !ok {
		return span, nil, err
	}
	if i := skipSpace(data, start); i >= len(data) {
		return span, nil, errBadJSON
	} else if data[i] != '{' {
		return span, nil, nil // metadata that is not an object: nothing to strip
	}
	value, memberAt, ok, err := member(data, start, "managedFields")
	if err != nil || !ok {
		return span, nil, err
	}
	span.member, span.value = memberAt, skipSpace(data, value)
	if span.value >= len(data) || data[span.value] != '[' {
		span.end, err = skipValue(data, span.value)
		return span, nil, err // null, or not a list: nothing to strip
	}
	var entries [][]byte
	i := span.value + 1
	for {
		i = skipSpace(data, i)
		if i >= len(data) {
			return span, nil, errBadJSON
		}
		switch data[i] {
		case ']':
			span.end = i + 1
			return span, entries, nil
		case ',':
			i = skipSpace(data, i+1)
		}
		end, err := skipValue(data, i)
		if err != nil {
			return span, nil, err
		}
		entries = append(entries, data[i:end])
		i = end
	}
}

// member finds the member named name of the object that starts at or
// after from in data. It returns where the member's value starts and where
// the member itself does (at the comma before it, if any), or false when
// the object has no such member.
func member(data []byte, from int, name string) (value, at int, ok bool, err error) {
	i := skipSpace(data, from)
	if i >= len(data) || data[i] != '{' {
		return 0, 0, false, errBadJSON
	}
	i++
	for {
		at = i
		i = skipSpace(data, i)
		if i >= len(data) {
			return 0, 0, false, errBadJSON
		}
		switch data[i] {
		case '}':
			return 0, 0, false, nil
		case ',':
			i = skipSpace(data, i+1)
		}
		keyEnd, err := skipString(data, i)
		if err != nil {
			return 0, 0, false, err
		}
		// A key written with escapes never matches: nothing is stripped.
		key := data[i+1 : keyEnd-1]
		i = skipSpace(data, keyEnd)
		if i >= len(data) || data[i] != ':' {
			return 0, 0, false, errBadJSON
		}
		i++
		if string(key) == name {
			return i, at, true, nil
		}
		if i, err = skipValue(data, i); err != nil {
			return 0, 0, false, err
		}
	}
}

// memberString returns the string member name of the JSON object data,
// "" when it has none or it is not a string.
func memberString(data []byte, name string) (string, error) {
	value, _, ok, err := member(data, 0, name)
	if err != nil || !ok {
		return "", err
	}
	i := skipSpace(data, value)
	if i >= len(data) || data[i] != '"' {
		return "", nil
	}
	end, err := skipString(data, i)
	if err != nil {
		return "", err
	}
	s := data[i:end]
	if bytes.IndexByte(s, '\\') < 0 {
		return string(s[1 : len(s)-1]), nil
	}
	var out string
	err = json.Unmarshal(s, &out)
	return out, err
}

// skipValue returns the end of the JSON value that starts at or after i.
func skipValue(data []byte, i int) (int, error) {
	i = skipSpace(data, i)
	if i >= len(data) {
		return 0, errBadJSON
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for ; i < len(data); i++ {
			switch data[i] {
			case '"':
				end, err := skipString(data, i)
				if err != nil {
					return 0, err
				}
				i = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, nil
				}
			}
		}
		return 0, errBadJSON
	}
	// A number, true, false or null: up to the next delimiter.
	start := i
	for i < len(data) && !bytes.ContainsRune([]byte(",]} \t\r\n"), rune(data[i])) {
		i++
	}
	if i == start {
		return 0, errBadJSON
	}
	return i, nil
}

// skipString returns the end of the JSON string that starts at i.
func skipString(data []byte, i int) (int, error) {
	if i >= len(data) || data[i] != '"' {
		return 0, errBadJSON
	}
	for i++; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1, nil
		}
	}
	return 0, errBadJSON
}

// skipSpace returns the index of the first byte of data at or after i that
// is not JSON white space.
func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n') {
		i++
	}
	return i
}
