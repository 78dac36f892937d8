// Logs, exec and port-forward: the streams of a Pod. It creates a busybox
// Pod that logs a line a second and serves HTTP on port 8080, waits for it
// to run, then:
//   - prints the last lines of its log, and follows it for a few seconds;
//   - runs a command in it, with stdin, and shows its output and exit code;
//   - forwards a free local port to the Pod's port 8080 and fetches a page
//     through it;
//
// and deletes the Pod. Against a control plane without nodes (envtest, say)
// the Pod is never scheduled: the example then shows what the server
// answers on its own — an empty log, and exec and port-forward refused
// with "does not have a host assigned".
//
// It uses kobj.DefaultClient, so it runs against whatever cluster your
// kubeconfig points at ($KUBECONFIG, else ~/.kube/config), in the current
// context's namespace.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/kobj-dev/kobj"
)

const podYAML = `
apiVersion: v1
kind: Pod
metadata:
  name: kobj-logs-exec-example
spec:
  automountServiceAccountToken: false
  containers:
  - name: app
    image: busybox:1.36
    command: [sh, -c, 'mkdir -p /www && echo hello > /www/index.html && httpd -p 8080 -h /www && i=0; while true; do i=$((i+1)); echo "line $i"; sleep 1; done']
`

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "logs-exec:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	c, err := kobj.DefaultClient()
	if err != nil {
		return err
	}
	fmt.Printf("cluster %s, namespace %q\n\n", c.Host(), c.Namespace())
	objs, err := kobj.LoadString(podYAML)
	if err != nil {
		return err
	}
	pod := objs[0].SetClient(c)
	if _, err := pod.Create(ctx); err != nil {
		return err
	}
	defer func() {
		if _, err := pod.Delete(context.Background(), kobj.GracePeriod(0)); err != nil {
			fmt.Fprintln(os.Stderr, "deleting the Pod:", err)
		}
	}()

	waitCtx, stop := context.WithTimeout(ctx, time.Minute)
	_, err = pod.Wait(waitCtx, kobj.PathEquals("status.phase", "Running"))
	stop()
	if err != nil {
		fmt.Printf("the Pod does not run (%v);\nwhat the server answers on its own:\n\n", err)
	}

	// The log: the last three lines, then a few seconds of following.
	// FollowRestarts would also carry on across a restart or a rotation.
	fmt.Println("== log (tail 3, then following for 3s)")
	followCtx, stopFollowing := context.WithTimeout(ctx, 3*time.Second)
	for line, err := range pod.LogLines(followCtx, kobj.TailLines(3), kobj.Follow(), kobj.Timestamps()) {
		if err != nil {
			if !errors.Is(err, context.DeadlineExceeded) {
				fmt.Println("   error:", err)
			}
			break
		}
		fmt.Println("  ", line)
	}
	stopFollowing()

	// A command, with stdin; a non-zero exit is a result, not an error
	// (kobj.CheckExitCode() would make it one).
	fmt.Println("\n== exec")
	res, err := pod.Exec(ctx, []string{"sh", "-c", "tr a-z A-Z; echo to stderr >&2; exit 3"}, kobj.Stdin(strings.NewReader("from stdin\n")))
	if err != nil {
		fmt.Println("   error:", err)
	} else {
		fmt.Printf("   stdout %q, stderr %q, exit code %d\n", res.Stdout, res.Stderr, res.ExitCode)
	}

	// A free local port to the Pod's 8080.
	fmt.Println("\n== port-forward")
	pf, err := pod.PortForward(ctx, []string{":8080"})
	if err != nil {
		fmt.Println("   error:", err)
		return nil
	}
	defer pf.Close()
	local := pf.Ports()[0].Local
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/index.html", local))
	if err != nil {
		fmt.Println("   error:", err)
		return nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Printf("   GET localhost:%d -> pod:8080: %s %q\n", local, resp.Status, body)
	return nil
}
