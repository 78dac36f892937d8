package fakekubelet

// Exec and attach. Real: the apiserver's pods/exec and pods/attach
// endpoints (authorization, the upgrade, WebSocket→SPDY translation where
// the server has it) and the streaming protocol end on the fake's side —
// k8s.io/cri-streaming's ServeExec/ServeAttach, which container runtimes'
// streaming servers use, writing the exit code into the error channel's
// Status as they do. Played: the container's processes, by a tiny
// interpreter of a few commands (see run). A TTY is played by merging stderr
// into stdout and turning "\n" into "\r\n" on output, as a terminal's line
// discipline (onlcr) does; there is no input echo and no job control.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"k8s.io/cri-streaming/pkg/streaming/remotecommand"
	utilexec "k8s.io/utils/exec"
)

// streamIdleTimeout and streamCreationTimeout are the kubelet's defaults.
const (
	streamIdleTimeout     = 4 * time.Hour
	streamCreationTimeout = remotecommand.DefaultStreamCreationTimeout
)

// ErrUnknownCommand is what the fake's runtime answers for a command it
// does not play; the client sees it as a failure Status without an exit code.
var ErrUnknownCommand = errors.New("executable file not found in $PATH")

func (k *Kubelet) serveExec(w http.ResponseWriter, r *http.Request) {
	p, c := k.lookup(w, r)
	if c == nil {
		return
	}
	opts, err := remotecommand.NewOptions(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	cmd := r.URL.Query()["command"]
	if len(cmd) == 0 {
		http.Error(w, "missing command", http.StatusBadRequest)
		return
	}
	defer k.trackConn(r, false)()
	remotecommand.ServeExec(w, r, executor{}, r.PathValue("pod"), p.uid, r.PathValue("container"), cmd, opts,
		streamIdleTimeout, streamCreationTimeout, remotecommand.SupportedStreamingProtocols)
}

func (k *Kubelet) serveAttach(w http.ResponseWriter, r *http.Request) {
	p, c := k.lookup(w, r)
	if c == nil {
		return
	}
	opts, err := remotecommand.NewOptions(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	defer k.trackConn(r, false)()
	remotecommand.ServeAttach(w, r, executor{}, r.PathValue("pod"), p.uid, r.PathValue("container"), opts,
		streamIdleTimeout, streamCreationTimeout, remotecommand.SupportedStreamingProtocols)
}

// executor plays a container runtime's exec and attach.
type executor struct{}

// ExecInContainer runs cmd with run.
func (executor) ExecInContainer(ctx context.Context, _, _, _ string, cmd []string, in io.Reader, out, errOut io.WriteCloser, tty bool, _ <-chan remotecommand.TerminalSize, _ time.Duration) error {
	return run(ctx, cmd, in, out, errOut, tty)
}

// AttachContainer plays a container whose main process is `cat`: stdin is
// echoed to stdout until it ends; without stdin it returns at once.
func (executor) AttachContainer(ctx context.Context, _, _, _ string, in io.Reader, out, errOut io.WriteCloser, tty bool, _ <-chan remotecommand.TerminalSize) error {
	if in == nil {
		return nil
	}
	return run(ctx, []string{"cat"}, in, out, errOut, tty)
}

// run interprets cmd, a sequence of commands separated by ";" arguments:
//
//	cat          copies stdin to stdout until stdin ends
//	echo ARGS    prints ARGS joined by spaces, and a newline, to stdout
//	stderr ARGS  prints ARGS joined by spaces, and a newline, to stderr
//	exit N       ends with exit code N (the rest is not run)
//
// Any other command fails with ErrUnknownCommand. With tty, stderr goes to
// stdout and output newlines become "\r\n".
func run(ctx context.Context, cmd []string, in io.Reader, out, errOut io.Writer, tty bool) error {
	if out == nil {
		out = io.Discard
	}
	if errOut == nil {
		errOut = io.Discard
	}
	if tty {
		out = onlcr{out}
		errOut = out
	}
	for len(cmd) > 0 {
		one := cmd
		if i := indexOf(cmd, ";"); i >= 0 {
			one, cmd = cmd[:i], cmd[i+1:]
		} else {
			cmd = nil
		}
		if len(one) == 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		args := strings.Join(one[1:], " ")
		switch one[0] {
		case "cat":
			if in != nil {
				if _, err := io.Copy(out, in); err != nil {
					return fmt.Errorf("cat: %w", err)
				}
			}
		case "echo":
			if _, err := io.WriteString(out, args+"\n"); err != nil {
				return err
			}
		case "stderr":
			if _, err := io.WriteString(errOut, args+"\n"); err != nil {
				return err
			}
		case "exit":
			code, err := strconv.Atoi(args)
			if err != nil {
				return fmt.Errorf("exit %q: %w", args, err)
			}
			if code == 0 {
				return nil
			}
			return utilexec.CodeExitError{Err: fmt.Errorf("command terminated with exit code %d", code), Code: code}
		default:
			return fmt.Errorf("exec: %q: %w", one[0], ErrUnknownCommand)
		}
	}
	return nil
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// onlcr turns "\n" into "\r\n", as a terminal's output processing does.
type onlcr struct{ w io.Writer }

func (o onlcr) Write(p []byte) (int, error) {
	if _, err := o.w.Write([]byte(strings.ReplaceAll(string(p), "\n", "\r\n"))); err != nil {
		return 0, err
	}
	return len(p), nil
}
