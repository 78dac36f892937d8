package ssa

import (
	"errors"
	"fmt"
	"unicode"
)

// MaxFieldManagerLength is the API server's bound on a field manager's
// name, in bytes.
const MaxFieldManagerLength = 128

// ValidFieldManager checks a field manager's name as the API server does
// for an apply: present, at most 128 bytes, printable.
func ValidFieldManager(name string) error {
	if name == "" {
		return errors.New("an apply needs a field manager")
	}
	if len(name) > MaxFieldManagerLength {
		return fmt.Errorf("a field manager has at most %d bytes, this one %d", MaxFieldManagerLength, len(name))
	}
	for i, r := range name {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("invalid character %#U at byte %d", r, i)
		}
	}
	return nil
}
