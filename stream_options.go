package kobj

import (
	"fmt"
	"io"
	"time"
)

// Options of the streaming verbs: [LogOption] for [Object.Logs] and
// [Object.LogLines], [ExecOption] for [Object.Exec], [PortForwardOption]
// for [Object.PortForward]. [WithClient] and [InNamespace] apply to all
// three.

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

func (o WithClientOption) applyToLogs(so *streamOptions)        { o.apply(&so.call) }
func (o WithClientOption) applyToExec(so *streamOptions)        { o.apply(&so.call) }
func (o WithClientOption) applyToPortForward(so *streamOptions) { o.apply(&so.call) }

func (n InNamespace) applyToLogs(so *streamOptions)        { n.apply(&so.call) }
func (n InNamespace) applyToExec(so *streamOptions)        { n.apply(&so.call) }
func (n InNamespace) applyToPortForward(so *streamOptions) { n.apply(&so.call) }

// Container names the container of a Pod whose log Logs reads, or in
// which Exec runs. Without it the server picks the Pod's only container,
// and fails when there are several.
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

// LogFlagOption is what [Follow], [Timestamps], [Previous] and
// [FollowRestarts] return; see there.
type LogFlagOption struct{ flag logFlag }

// Follow keeps the log open: Logs returns what the container wrote so far
// and then what it writes, until the container ends, the context ends, or
// the server drops the stream (at a log rotation, say; [FollowRestarts]
// picks it up again).
func Follow() LogFlagOption { return LogFlagOption{logFollow} }

// Timestamps starts each line of the log with the time the container
// wrote it (RFC 3339, nanoseconds) and a space.
func Timestamps() LogFlagOption { return LogFlagOption{logTimestamps} }

// Previous reads the log of the container's previous run, the one that
// ended at its last restart.
func Previous() LogFlagOption { return LogFlagOption{logPrevious} }

// FollowRestarts follows the log (it implies [Follow]) across what ends a
// followed log early: when the stream ends while the context is alive, the
// Pod is read again, and if the container still runs or restarted, the log
// is opened again from the timestamp of the last line delivered, without
// repeating it. The log ends when the container has ended for good (the
// Pod finished, or its restart policy does not restart it), when the Pod
// is gone, or when the context ends. It cannot be combined with
// [Previous] or [LimitBytes].
func FollowRestarts() LogFlagOption { return LogFlagOption{logFollowRestarts} }

func (f LogFlagOption) applyToLogs(so *streamOptions) {
	switch f.flag {
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
// last second). A d of zero or less is an error before any request.
type SinceSeconds time.Duration

func (d SinceSeconds) applyToLogs(so *streamOptions) {
	if time.Duration(d) <= 0 {
		so.fail("SinceSeconds(%v): want a positive duration", time.Duration(d))
		return
	}
	s := int64((time.Duration(d) + time.Second - 1) / time.Second)
	so.sinceSeconds = &s
}

// SinceTimeOption is what [SinceTime] returns; see there.
type SinceTimeOption struct{ t time.Time }

// SinceTime makes Logs start with the lines written at t or later; the API
// takes whole seconds, so lines of t's second before t are included.
func SinceTime(t time.Time) SinceTimeOption { return SinceTimeOption{t} }

func (s SinceTimeOption) applyToLogs(so *streamOptions) {
	t := s.t
	so.sinceTime = &t
}

// TailLines makes Logs start with the last n lines written so far. A
// negative n is an error before any request.
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
// line). n must be positive.
type LimitBytes int64

func (n LimitBytes) applyToLogs(so *streamOptions) {
	if n <= 0 {
		so.fail("LimitBytes(%d): want a positive number of bytes", int64(n))
		return
	}
	v := int64(n)
	so.limitBytes = &v
}
