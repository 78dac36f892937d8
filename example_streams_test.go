package kobj_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/kobj-dev/kobj"
)

// These examples need a cluster with a running Pod; they compile with the
// tests and run against yours with go test -run Example... if you add an
// Output line.

func ExampleObject_LogLines() {
	pod := kobj.New("v1", "Pod").SetNamespace("shop").SetName("web-0")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// The last 10 lines, then every new one, across container restarts
	// and log rotations, none repeated, until the container is over for
	// good or ctx ends.
	for line, err := range pod.LogLines(ctx, kobj.Container("app"), kobj.TailLines(10), kobj.FollowRestarts()) {
		if err != nil {
			if !errors.Is(err, context.DeadlineExceeded) {
				log.Fatal(err)
			}
			break
		}
		fmt.Println(line)
	}
}

func ExampleObject_Logs() {
	pod := kobj.New("v1", "Pod").SetNamespace("shop").SetName("web-0")
	logs, err := pod.Logs(context.Background(), kobj.SinceSeconds(5*time.Minute), kobj.Timestamps())
	if err != nil {
		log.Fatal(err) // an *apierrors.StatusError for an unknown container, say
	}
	defer logs.Close()
	io.Copy(os.Stdout, logs) // streamed, never held whole in memory
}

func ExampleObject_Exec() {
	pod := kobj.New("v1", "Pod").SetNamespace("shop").SetName("web-0")
	// stdin is closed at its end, so that the command reading it ends.
	res, err := pod.Exec(context.Background(), []string{"sh", "-c", "wc -l; exit 3"},
		kobj.Stdin(strings.NewReader("a\nb\n")))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("exit %d, stdout %q, stderr %q\n", res.ExitCode, res.Stdout, res.Stderr)

	// With CheckExitCode a non-zero exit is an error, wrapping *ExitError.
	_, err = pod.Exec(context.Background(), []string{"false"}, kobj.CheckExitCode())
	var exit *kobj.ExitError
	if errors.As(err, &exit) {
		fmt.Println("exit code", exit.Code)
	}
}

func ExampleObject_PortForward() {
	pod := kobj.New("v1", "Pod").SetNamespace("shop").SetName("web-0")
	// ":8080": a free local port for the Pod's 8080. PortForward returns
	// once it listens; a busy port or a refusal is its error.
	pf, err := pod.PortForward(context.Background(), []string{":8080"})
	if err != nil {
		log.Fatal(err)
	}
	defer pf.Close()
	resp, err := http.Get(fmt.Sprintf("http://localhost:%d/healthz", pf.Ports()[0].Local))
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
}

// A port-forward ends when its tunnel is lost (the Pod went away, say):
// reconnecting is the caller's choice, as the Pod may be gone for good.
func ExampleObject_PortForward_reconnect() {
	ctx := context.Background()
	pod := kobj.New("v1", "Pod").SetNamespace("shop").SetName("web-0")
	for ctx.Err() == nil {
		pf, err := pod.PortForward(ctx, []string{"8080:80"})
		if err != nil {
			log.Print(err)
			time.Sleep(time.Second)
			continue
		}
		<-pf.Done()
		if !errors.Is(pf.Err(), kobj.ErrLostConnection) {
			return // closed, or ctx ended
		}
		log.Print("tunnel lost; forwarding again")
	}
}

func ExampleClient_CallStream() {
	c, err := kobj.DefaultClient()
	if err != nil {
		log.Fatal(err)
	}
	// Any streaming operation by name: here a GET through the API
	// server's proxy to a Pod's port 8080.
	resp, err := c.CallStream(context.Background(), "connectCoreV1GetNamespacedPodProxyWithPath",
		kobj.Args{"namespace": "shop", "name": "web-0:8080", "path": "metrics"})
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(os.Stdout, resp.Body)
}
