package remote

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

var errDisk = errors.New("disk full")

func TestGuard(t *testing.T) {
	tests := []struct {
		name        string
		call        func(g *guard) (int, error)
		wantN       int
		wantErr     error  // errors.Is of the call's error
		wantFailure string // the guard's failure; "" for none
		wantPanic   any
	}{
		{"a writer that writes",
			func(g *guard) (int, error) { return g.writer("Stdout", &bytes.Buffer{}).Write([]byte("abc")) },
			3, nil, "", nil},
		{"a writer's error is the failure, named",
			func(g *guard) (int, error) {
				return g.writer("Stderr", writerFunc(func(p []byte) (int, error) { return 1, errDisk })).Write([]byte("abc"))
			},
			1, errDisk, "writing Stderr: disk full", nil},
		{"a short write is an error",
			func(g *guard) (int, error) {
				return g.writer("Stdout", writerFunc(func(p []byte) (int, error) { return len(p) - 1, nil })).Write([]byte("abc"))
			},
			2, io.ErrShortWrite, "writing Stdout: short write", nil},
		{"a panicking writer returns an error and ends the connection",
			func(g *guard) (int, error) {
				return g.writer("Stdout", writerFunc(func([]byte) (int, error) { panic("boom") })).Write([]byte("abc"))
			},
			0, errCallbackPanicked, "", "boom"},
		{"a reader's EOF is no failure",
			func(g *guard) (int, error) { return g.reader(strings.NewReader("")).Read(make([]byte, 4)) },
			0, io.EOF, "", nil},
		{"a reader's error is the failure",
			func(g *guard) (int, error) {
				return g.reader(readerFunc(func([]byte) (int, error) { return 0, errDisk })).Read(make([]byte, 4))
			},
			0, errDisk, "reading Stdin: disk full", nil},
		{"a panicking reader",
			func(g *guard) (int, error) {
				return g.reader(readerFunc(func([]byte) (int, error) { panic(errDisk) })).Read(make([]byte, 4))
			},
			0, errCallbackPanicked, "", errDisk},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			canceled := false
			g := &guard{cancel: func() { canceled = true }}
			n, err := tt.call(g)
			if n != tt.wantN || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("call = %d, %v; want %d, %v", n, err, tt.wantN, tt.wantErr)
			}
			failure := g.failure()
			if (failure == nil) != (tt.wantFailure == "") || failure != nil && failure.Error() != tt.wantFailure {
				t.Errorf("failure = %v, want %q", failure, tt.wantFailure)
			}
			p, panicked := g.recovered()
			if panicked != (tt.wantPanic != nil) || p != tt.wantPanic {
				t.Errorf("recovered = %v, %v; want %v", p, panicked, tt.wantPanic)
			}
			if canceled != (tt.wantPanic != nil) {
				t.Errorf("connection ended: %v, want %v", canceled, tt.wantPanic != nil)
			}
		})
	}
}

// The first panic and the first error are kept; later ones are not.
func TestGuardKeepsTheFirst(t *testing.T) {
	g := &guard{cancel: func() {}}
	for _, v := range []string{"first", "second"} {
		g.writer("Stdout", writerFunc(func([]byte) (int, error) { panic(v) })).Write(nil)
		g.writer("Stderr", writerFunc(func([]byte) (int, error) { return 0, errors.New(v) })).Write([]byte("x"))
	}
	if p, _ := g.recovered(); p != "first" {
		t.Errorf("recovered %v, want the first panic", p)
	}
	if err := g.failure(); err == nil || err.Error() != "writing Stderr: first" {
		t.Errorf("failure %v, want the first error", err)
	}
}

// Stdout and Stderr are written one at a time: client-go writes them from
// two goroutines, and one writer may take both.
func TestGuardWritesOneAtATime(t *testing.T) {
	g := &guard{cancel: func() {}}
	inside, release := make(chan struct{}), make(chan struct{})
	var out bytes.Buffer
	slow := g.writer("Stdout", writerFunc(func(p []byte) (int, error) {
		close(inside)
		<-release
		return out.Write(p)
	}))
	done := make(chan struct{})
	go func() {
		defer close(done)
		slow.Write([]byte("out"))
	}()
	<-inside
	if g.writing.TryLock() {
		t.Error("a second writer could write while the first is inside Write")
		g.writing.Unlock()
	}
	close(release)
	<-done
	if !g.writing.TryLock() {
		t.Error("the writers' lock is held after Write returned")
	}
}

func TestGuardLeavesNilAlone(t *testing.T) {
	g := &guard{cancel: func() {}}
	if g.reader(nil) != nil || g.writer("Stdout", nil) != nil {
		t.Error("a nil reader or writer was wrapped: client-go would open its stream")
	}
}
