package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// guard watches the caller's Stdin reader and Stdout and Stderr writers,
// which client-go calls in goroutines of its own, where a panic ends the
// program and an error is only logged. The first panic ends the command's
// connection (cancel), and Run panics with it again in the caller's
// goroutine, where the caller can recover it; the first error (a lost
// input or output) is Run's error.
type guard struct {
	cancel context.CancelFunc

	// writing makes the writers' calls one at a time: client-go writes
	// stdout and stderr from two goroutines, and a caller may well give
	// one writer for both.
	writing sync.Mutex

	mu       sync.Mutex
	value    any
	panicked bool
	err      error
}

// fail records the first error of a reader or writer.
func (g *guard) fail(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err == nil {
		g.err = err
	}
}

// failure returns the first error of a reader or writer, if any.
func (g *guard) failure() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}

// errCallbackPanicked is what a guarded reader or writer returns to
// client-go in place of its panic.
var errCallbackPanicked = errors.New("a Stdin reader or Stdout or Stderr writer panicked")

// catch recovers a panic of a reader or writer, and ends the command's
// connection.
func (g *guard) catch(err *error) {
	p := recover()
	if p == nil {
		return
	}
	g.mu.Lock()
	if !g.panicked {
		g.value, g.panicked = p, true
	}
	g.mu.Unlock()
	g.cancel()
	*err = errCallbackPanicked
}

// recovered returns the first panic caught, if any.
func (g *guard) recovered() (any, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.value, g.panicked
}

func (g *guard) reader(r io.Reader) io.Reader {
	if r == nil {
		return nil
	}
	return guardedReader{r, g}
}

func (g *guard) writer(name string, w io.Writer) io.Writer {
	if w == nil {
		return nil
	}
	return guardedWriter{w, name, g}
}

type guardedReader struct {
	r io.Reader
	g *guard
}

func (r guardedReader) Read(p []byte) (n int, err error) {
	defer r.g.catch(&err)
	n, err = r.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		r.g.fail(fmt.Errorf("reading Stdin: %w", err))
	}
	return n, err
}

type guardedWriter struct {
	w    io.Writer
	name string // Stdout or Stderr
	g    *guard
}

func (w guardedWriter) Write(p []byte) (n int, err error) {
	defer w.g.catch(&err)
	w.g.writing.Lock()
	defer w.g.writing.Unlock()
	n, err = w.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		w.g.fail(fmt.Errorf("writing %s: %w", w.name, err))
	}
	return n, err
}
