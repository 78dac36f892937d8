package opindex

import (
	"fmt"
	"strings"
)

// The operations whose answer is a stream, and what runs them.

// NotForCall fails for the operations whose answer is a stream, which a
// plain call would read whole, naming what runs them instead: a watch, an
// upgraded connection (see NeedsUpgrade), any other streaming operation,
// and watch=true or follow=true in args.
func NotForCall(op *Operation, args map[string]any) error {
	const useWatch = "use Watch on the object or its list kind (kobj.New(apiVersion, \"FooList\").Watch), which also resumes after disconnects and 410 Gone, or CallStream for the raw event stream"
	if op.Streaming && strings.HasPrefix(op.Action, "watch") {
		return fmt.Errorf("%s is a watch, which Call cannot return: %s", op.ID, useWatch)
	}
	if err := NeedsUpgrade(op); err != nil {
		return err
	}
	if op.Streaming {
		return fmt.Errorf("%s streams its answer (%s), which Call would read whole: use CallStream", op.ID, op.Action)
	}
	if v, ok := args["watch"]; ok && v == true {
		return fmt.Errorf("watch=true streams events, which Call cannot return: %s", useWatch)
	}
	if v, ok := args["follow"]; ok && v == true {
		return fmt.Errorf("follow=true streams its answer, which Call would read whole: use CallStream, or Object.Logs for a pod's log")
	}
	return nil
}

// NeedsUpgrade fails for the operations that speak over an upgraded
// connection (WebSocket or SPDY), naming what runs them.
func NeedsUpgrade(op *Operation) error {
	if op.Action != "connect" {
		return nil
	}
	switch {
	case strings.HasSuffix(op.Path, "/exec"):
		return fmt.Errorf("%s needs an upgraded (WebSocket or SPDY) connection: use Object.Exec", op.ID)
	case strings.HasSuffix(op.Path, "/attach"):
		return fmt.Errorf("%s needs an upgraded (WebSocket or SPDY) connection, which kobj does not make for attach; use client-go's remotecommand", op.ID)
	case strings.HasSuffix(op.Path, "/portforward"):
		return fmt.Errorf("%s needs an upgraded (WebSocket or SPDY) connection: use Object.PortForward", op.ID)
	}
	return nil
}
