package fakekubelet

// Unit tests of the played parts, without a control plane; the fake's
// soundness through a real apiserver is tested in test/e2e
// (fakekubelet_test.go).

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	utilexec "k8s.io/utils/exec"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name             string
		cmd              []string
		stdin            string
		tty              bool
		wantOut, wantErr string
		wantCode         int
		wantFailure      error
	}{
		{name: "cat", cmd: []string{"cat"}, stdin: "a\nb", wantOut: "a\nb"},
		{name: "echo", cmd: []string{"echo", "x", "y"}, wantOut: "x y\n"},
		{name: "stderr", cmd: []string{"stderr", "oops"}, wantErr: "oops\n"},
		{name: "sequence and exit", cmd: []string{"echo", "1", ";", "exit", "3", ";", "echo", "never"}, wantOut: "1\n", wantCode: 3},
		{name: "exit 0", cmd: []string{"exit", "0"}},
		{name: "tty merges and writes CRLF", cmd: []string{"echo", "o", ";", "stderr", "e"}, tty: true, wantOut: "o\r\ne\r\n"},
		{name: "unknown", cmd: []string{"nosuch"}, wantFailure: ErrUnknownCommand},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tt.cmd, strings.NewReader(tt.stdin), &out, &errOut, tt.tty)
			code := 0
			var exit utilexec.ExitError
			switch {
			case tt.wantFailure != nil:
				if !errors.Is(err, tt.wantFailure) {
					t.Fatalf("err %v, want %v", err, tt.wantFailure)
				}
				return
			case errors.As(err, &exit):
				code = exit.ExitStatus()
			case err != nil:
				t.Fatal(err)
			}
			if code != tt.wantCode || out.String() != tt.wantOut || errOut.String() != tt.wantErr {
				t.Fatalf("exit %d, out %q, err %q; want %d, %q, %q", code, out.String(), errOut.String(), tt.wantCode, tt.wantOut, tt.wantErr)
			}
		})
	}
}

func TestParseLogOptions(t *testing.T) {
	now := time.Date(2026, 12, 1, 3, 0, 10, 0, time.UTC)
	tests := []struct {
		query   string
		want    logOptions
		wantErr bool
	}{
		{"", logOptions{tail: -1, limit: -1, stdout: true, stderr: true}, false},
		{"follow=true&timestamps=true&previous=true", logOptions{follow: true, timestamps: true, previous: true, tail: -1, limit: -1, stdout: true, stderr: true}, false},
		{"sinceSeconds=10", logOptions{since: now.Add(-10 * time.Second), tail: -1, limit: -1, stdout: true, stderr: true}, false},
		{"sinceTime=2026-12-01T03%3A00%3A01Z", logOptions{since: time.Date(2026, 12, 1, 3, 0, 1, 0, time.UTC), tail: -1, limit: -1, stdout: true, stderr: true}, false},
		{"tailLines=0&limitBytes=5&stream=Stderr", logOptions{tail: 0, limit: 5, stderr: true}, false},
		{"sinceSeconds=1&sinceTime=2026-12-01T03%3A00%3A01Z", logOptions{}, true},
		{"tailLines=-1", logOptions{}, true},
		{"limitBytes=0", logOptions{}, true},
		{"stream=Both", logOptions{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			got, err := parseLogOptions(q, now)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want error %v", err, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestLogWriter(t *testing.T) {
	base := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	lines := []Line{
		{Time: base, Text: "one"},
		{Time: base.Add(time.Second), Text: "two", Stderr: true},
		{Time: base.Add(2 * time.Second), Text: "three"},
	}
	all := logOptions{tail: -1, limit: -1, stdout: true, stderr: true}
	with := func(f func(*logOptions)) logOptions { o := all; f(&o); return o }
	tests := []struct {
		name string
		opts logOptions
		want string
	}{
		{"all", all, "one\ntwo\nthree\n"},
		{"tail", with(func(o *logOptions) { o.tail = 1 }), "three\n"},
		{"since keeps the line at since", with(func(o *logOptions) { o.since = base.Add(time.Second) }), "two\nthree\n"},
		{"tail before since", with(func(o *logOptions) { o.tail = 2; o.since = base.Add(2 * time.Second) }), "three\n"},
		{"limit", with(func(o *logOptions) { o.limit = 6 }), "one\ntw"},
		{"stdout only", with(func(o *logOptions) { o.stderr = false }), "one\nthree\n"},
		{"timestamps", with(func(o *logOptions) { o.timestamps = true; o.tail = 1 }), "2026-12-01T03:00:02.000000000Z three\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			lw := newLogWriter(rec, tt.opts)
			lw.writeFrom(lines, lw.tailStart(lines))
			if got := rec.Body.String(); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}
