package cachekit

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"k8s.io/klog/v2"
)

// Dir is a cache folder shared by processes. Files are written whole or not
// at all (a temporary file renamed into place), mode 0600 in a 0700 folder.
// When the folder cannot be written (a read-only home, a distroless image)
// the Dir and every Dir made from it with Sub fall back to memory: one klog
// line at V(2), then no more attempts. A nil *Dir is a valid cache that
// keeps nothing. Dir is safe for concurrent use.
type Dir struct {
	path  string
	state *dirState // shared with Subs
}

type dirState struct {
	off  atomic.Bool
	once sync.Once
}

// NewDir returns the cache folder at path, or nil (memory only) for "".
// Nothing is created until the first Write.
func NewDir(path string) *Dir {
	if path == "" {
		return nil
	}
	return &Dir{path: path, state: &dirState{}}
}

// Sub returns the folder name inside d, sharing d's fallback to memory.
func (d *Dir) Sub(name string) *Dir {
	if d == nil {
		return nil
	}
	return &Dir{path: filepath.Join(d.path, name), state: d.state}
}

// Path returns the folder's path, "" for a nil Dir.
func (d *Dir) Path() string {
	if d == nil {
		return ""
	}
	return d.path
}

// Read returns the content of the file name, or an error when there is
// none (always, for a nil Dir).
func (d *Dir) Read(name string) ([]byte, error) {
	if d == nil {
		return nil, os.ErrNotExist
	}
	return os.ReadFile(filepath.Join(d.path, name))
}

// Write stores data as the file name. Failing costs a later fetch only, so
// it returns nothing; the first failure to write turns the disk off.
func (d *Dir) Write(name string, data []byte) {
	if d == nil || d.state.off.Load() {
		return
	}
	if err := writeAtomic(d.path, name, data); err != nil {
		d.state.once.Do(func() {
			d.state.off.Store(true)
			klog.V(2).InfoS("kobj: the cache folder cannot be written; caching in memory only", "dir", d.path, "err", err)
		})
	}
}

// Remove deletes the file name, so that other processes stop trusting it.
func (d *Dir) Remove(name string) {
	if d != nil {
		os.Remove(filepath.Join(d.path, name))
	}
}

func writeAtomic(dir, name string, data []byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err = errors.Join(err, f.Close()); err == nil {
		err = os.Rename(f.Name(), filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
