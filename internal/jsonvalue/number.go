package jsonvalue

import "math"

// Int64 reads v as an integer. It is the one rule kobj has for that: an
// int64 is itself, and a float64 counts when it is a whole number that an
// int64 holds exactly as it is (objects decoded by encoding/json, or built
// with FromMap from such a decoding, hold every number as a float64). NaN,
// infinities, fractions and floats outside int64's range are not integers,
// nor is any other type; the second result says so.
func Int64(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		// -2^63 is exact in float64 and fits; 2^63 is exact and does not.
		if n == math.Trunc(n) && n >= -(1<<63) && n < 1<<63 {
			return int64(n), true
		}
	}
	return 0, false
}

// IsNumber reports whether v is one of the two number types JSON values
// hold, int64 or float64.
func IsNumber(v any) bool {
	switch v.(type) {
	case int64, float64:
		return true
	}
	return false
}

// NumbersEqual compares two numbers (IsNumber holds for both) by value,
// exactly: a float equals an integer only when Int64 reads it as that very
// integer. Anything else is unequal.
func NumbersEqual(a, b any) bool {
	if _, ok := a.(int64); ok {
		a, b = b, a // a float64 goes first
	}
	switch x := a.(type) {
	case int64:
		y, ok := b.(int64)
		return ok && x == y
	case float64:
		switch y := b.(type) {
		case int64:
			i, ok := Int64(x)
			return ok && i == y
		case float64:
			return x == y
		}
	}
	return false
}
