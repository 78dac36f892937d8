package kobj

import (
	"fmt"
	"io"
	"net"
	"time"
)

// Options of the streaming verbs: [LogOption] for [Object.Logs] and
// [Object.LogLines], [ExecOption] for [Object.Exec], [PortForwardOption]
// for [Object.PortForward]. [WithClient] and [InNamespace] apply to all
// three; each of the others says which verbs take it.

// LogOption is an option that [Object.Logs] and [Object.LogLines] take.
type LogOption interface{ applyToLogs(*streamOptions) }

// ExecOption is an option that [Object.Exec] takes.
type ExecOption interface{ applyToExec(*streamOptions) }

// PortForwardOption is an option that [Object.PortForward] takes.
type PortForwardOption interface{ applyToPortForward(*streamOptions) }

// streamOptions gathers the options of one streaming call.
type streamOptions struct {
	call      callOptions // client, namespace
	container string

	// Logs
	follow, timestamps, previous, followRestarts bool
	sinceSeconds, tailLines, limitBytes          *int64
	sinceTime                                    *time.Time

	// Exec
	stdin          io.Reader
	stdout, stderr io.Writer
	tty, checkExit bool

	// PortForward
	addresses []string

	err error // the first option that is invalid in itself
}

func (so *streamOptions) fail(format string, args ...any) {
	if so.err == nil {
		so.err = fmt.Errorf(format, args...)
	}
}

// gatherStream applies opts with the verb's apply method and reports the
// first option that is invalid in itself.
func gatherStream[T any](opts []T, apply func(T, *streamOptions)) (*streamOptions, error) {
	so := &streamOptions{}
	for _, o := range opts {
		if any(o) != nil {
			apply(o, so)
		}
	}
	if so.err == nil {
		so.err = so.call.err
	}
	return so, so.err
}

// Container names the container of a Pod whose log Logs reads, or in
// which Exec runs. Without it the server picks the Pod's only container,
// and fails when there are several. Logs, LogLines and Exec take it.
type Container string

func (c Container) applyToLogs(so *streamOptions) { so.container = string(c) }
func (c Container) applyToExec(so *streamOptions) { so.container = string(c) }

// logFlag is a yes/no option of Logs.
type logFlag int

const (
	logFollow logFlag = iota
	logTimestamps
	logPrevious
	logFollowRestarts
)

// Follow keeps the log open: Logs returns what the container wrote so far
// and then what it writes, until the container ends, the context ends, or
// the server drops the stream (at a log rotation, say; [FollowRestarts]
// picks it up again). Logs and LogLines take it.
func Follow() LogOption { return logFollow }

// Timestamps starts each line of the log with the time the container
// wrote it (RFC 3339, nanoseconds) and a space. Logs and LogLines take
// it.
func Timestamps() LogOption { return logTimestamps }

// Previous reads the log of the container's previous run, the one that
// ended at its last restart. Logs and LogLines take it.
func Previous() LogOption { return logPrevious }

// FollowRestarts follows the log (it implies [Follow]) across what ends a
// followed log early: when the stream ends while the context is alive, the
// Pod is read again, and if the container still runs or restarted, the log
// is opened again from the timestamp of the last line delivered, without
// repeating it. The log ends when the container has ended for good (the
// Pod finished, or its restart policy does not restart it), when the Pod
// is gone, or when the context ends. It cannot be combined with
// [Previous] or [LimitBytes]. Logs and LogLines take it.
func FollowRestarts() LogOption { return logFollowRestarts }

func (f logFlag) applyToLogs(so *streamOptions) {
	switch f {
	case logFollow:
		so.follow = true
	case logTimestamps:
		so.timestamps = true
	case logPrevious:
		so.previous = true
	case logFollowRestarts:
		so.follow, so.followRestarts = true, true
	}
}

// SinceSeconds makes Logs start with the lines written in the last d; the
// API counts whole seconds, so a fraction rounds up (500ms asks for the
// last second). A d of zero or less is an error before any request. Logs
// and LogLines take it.
type SinceSeconds time.Duration

func (d SinceSeconds) applyToLogs(so *streamOptions) {
	if time.Duration(d) <= 0 {
		so.fail("SinceSeconds(%v): want a positive duration", time.Duration(d))
		return
	}
	s := int64((time.Duration(d) + time.Second - 1) / time.Second)
	so.sinceSeconds = &s
}

type sinceTimeOption struct{ t time.Time }

// SinceTime makes Logs start with the lines written at t or later; the API
// takes whole seconds, so lines of t's second before t are included. Logs
// and LogLines take it.
func SinceTime(t time.Time) LogOption { return sinceTimeOption{t} }

func (s sinceTimeOption) applyToLogs(so *streamOptions) {
	t := s.t
	so.sinceTime = &t
}

// TailLines makes Logs start with the last n lines written so far. A
// negative n is an error before any request. Logs and LogLines take it.
type TailLines int64

func (n TailLines) applyToLogs(so *streamOptions) {
	if n < 0 {
		so.fail("TailLines(%d): want zero or more", int64(n))
		return
	}
	v := int64(n)
	so.tailLines = &v
}

// LimitBytes ends the log after n bytes (the server may end it within a
// line). n must be positive. Logs and LogLines take it.
type LimitBytes int64

func (n LimitBytes) applyToLogs(so *streamOptions) {
	if n <= 0 {
		so.fail("LimitBytes(%d): want a positive number of bytes", int64(n))
		return
	}
	v := int64(n)
	so.limitBytes = &v
}

// execFlag is a yes/no option of Exec.
type execFlag int

const (
	execTTY execFlag = iota
	execCheckExitCode
)

// TTY makes Exec allocate a terminal for the command; its stderr then
// goes to stdout. Exec takes it.
func TTY() ExecOption { return execTTY }

// CheckExitCode makes Exec fail, with an error wrapping an *ExitError,
// when the command exits with a non-zero code. Exec takes it.
func CheckExitCode() ExecOption { return execCheckExitCode }

func (f execFlag) applyToExec(so *streamOptions) {
	switch f {
	case execTTY:
		so.tty = true
	case execCheckExitCode:
		so.checkExit = true
	}
}

type stdinOption struct{ r io.Reader }

// Stdin sends r to the command's standard input, then closes it when r
// ends (io.EOF). Exec takes it.
func Stdin(r io.Reader) ExecOption { return stdinOption{r} }

func (s stdinOption) applyToExec(so *streamOptions) { so.stdin = s.r }

type outputOption struct {
	w      io.Writer
	stderr bool
}

// Stdout writes the command's standard output to w as it comes, instead
// of ExecResult.Stdout. Exec takes it.
func Stdout(w io.Writer) ExecOption { return outputOption{w: w} }

// Stderr writes the command's standard error to w as it comes, instead of
// ExecResult.Stderr. Exec takes it.
func Stderr(w io.Writer) ExecOption { return outputOption{w: w, stderr: true} }

func (o outputOption) applyToExec(so *streamOptions) {
	if o.stderr {
		so.stderr = o.w
	} else {
		so.stdout = o.w
	}
}

// ListenAddress makes PortForward listen on an address of this machine
// (an IP address, or "localhost" for 127.0.0.1 and ::1) instead of
// localhost; given more than once, it listens on each. PortForward takes
// it.
type ListenAddress string

func (a ListenAddress) applyToPortForward(so *streamOptions) {
	if a != "localhost" && net.ParseIP(string(a)) == nil {
		so.fail("ListenAddress(%q): want an IP address or localhost", string(a))
		return
	}
	so.addresses = append(so.addresses, string(a))
}
