package condition

import "github.com/kobj-dev/kobj/internal/jsonvalue"

// PathEquals is the verdict of comparing want with got, the value found
// (or not) at path: equal as JSON sees them (numbers by value, maps and
// lists recursively); a missing value equals only nil.
func PathEquals(path string, want, got any, found bool) Verdict {
	if !found {
		return Verdict{Met: want == nil, Seen: "no value at " + path}
	}
	return Verdict{Met: jsonvalue.Equal(got, want), Seen: path + " is " + Show(got)}
}
