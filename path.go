package kobj

import (
	"github.com/kobj-dev/kobj/internal/fieldpath"
)

// The path language (parsing, formatting, reading, writing, merging and
// comparing by path) lives in internal/fieldpath; this file is its seam.

// pathError turns fieldpath's *Error into the public *PathError, with the
// same Path, At, cause and message; other errors (and nil) pass unchanged.
// fieldpath returns its *Error unwrapped, so a type assertion is enough, and
// unlike errors.As it costs no allocation on the success path (nil).
func pathError(err error) error {
	if fe, ok := err.(*fieldpath.Error); ok {
		return &PathError{Path: fe.Path, At: fe.At, Err: fe.Err}
	}
	return err
}

// parsePath is fieldpath.Parse with the public error type.
func parsePath(path string) ([]fieldpath.Segment, error) {
	segs, err := fieldpath.Parse(path)
	return segs, pathError(err)
}
