package kobj

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/url"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kobj-dev/kobj/internal/logfollow"
)

// Logs opens the log of a container of o, a Pod (or any kind whose
// discovery lists a log subresource), and returns it as a stream: the
// caller reads it and must Close it; ending ctx ends it too. The request
// takes no MaxInFlight slot and is not cut by rest.Config.Timeout.
//
// Options: [Container], [Follow], [FollowRestarts], [SinceSeconds] or
// [SinceTime], [TailLines], [LimitBytes], [Timestamps], [Previous],
// [WithClient], [InNamespace]. The log of a Pod not yet scheduled on a
// node is an empty stream (the server answers 204 No Content), not an
// error.
//
// Logs fails before any request when the options are invalid, o names no
// object, or its kind has no log subresource; a refusal of the server (an
// unknown container, say) is an *apierrors.StatusError.
func (o *Object) Logs(ctx context.Context, opts ...LogOption) (_ io.ReadCloser, err error) {
	defer wrapCall(&err, callName("Logs", o))
	so, err := gatherStream(opts, LogOption.applyToLogs)
	if err != nil {
		return nil, err
	}
	if so.sinceSeconds != nil && so.sinceTime != nil {
		return nil, errors.New("SinceSeconds and SinceTime both given; pick one")
	}
	if so.followRestarts && (so.previous || so.limitBytes != nil) {
		return nil, errors.New("FollowRestarts cannot be combined with Previous or LimitBytes")
	}
	t, err := o.streamTarget(ctx, so, "log", "Logs reads the log of a Pod's container")
	if err != nil {
		return nil, err
	}
	if so.followRestarts {
		return logfollow.Open(ctx, t.logSource(), so.logQuery())
	}
	resp, err := t.c.stream(ctx, t.subresourceRequest("GET", "log", so.logQuery()))
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// LogLines reads the log as Logs does and yields it line by line, without
// the line ends; a last line without one is yielded too. An error (of
// Logs, or of the stream) is yielded once, as the last item. Breaking out
// of the loop closes the stream.
func (o *Object) LogLines(ctx context.Context, opts ...LogOption) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		rc, err := o.Logs(ctx, opts...)
		if err != nil {
			yield("", err)
			return
		}
		defer rc.Close()
		r := bufio.NewReader(rc)
		for {
			line, err := r.ReadString('\n')
			if line != "" && !yield(strings.TrimSuffix(line, "\n"), nil) {
				return
			}
			if err != nil {
				if !errors.Is(err, io.EOF) {
					yield("", err)
				}
				return
			}
		}
	}
}

// logSource is what FollowRestarts reads: t's log, and t itself, a Pod.
func (t *target) logSource() logfollow.Source {
	return logfollow.Source{
		Open: func(ctx context.Context, q url.Values) (io.ReadCloser, error) {
			resp, err := t.c.stream(ctx, t.subresourceRequest("GET", "log", q))
			if err != nil {
				return nil, err
			}
			return resp.Body, nil
		},
		ReadPod: func(ctx context.Context) ([]byte, error) {
			req, err := t.request("GET", true, nil)
			if err != nil {
				return nil, err
			}
			resp, err := t.c.do(ctx, req)
			if err != nil {
				return nil, err
			}
			return resp.Body, nil
		},
	}
}

// logQuery is the query of a log request.
func (so *streamOptions) logQuery() url.Values {
	q := url.Values{}
	if so.container != "" {
		q.Set("container", so.container)
	}
	flag := func(name string, on bool) {
		if on {
			q.Set(name, "true")
		}
	}
	flag("follow", so.follow)
	flag("previous", so.previous)
	flag("timestamps", so.timestamps)
	number := func(name string, v *int64) {
		if v != nil {
			q.Set(name, strconv.FormatInt(*v, 10))
		}
	}
	number("sinceSeconds", so.sinceSeconds)
	number("tailLines", so.tailLines)
	number("limitBytes", so.limitBytes)
	if so.sinceTime != nil {
		q.Set("sinceTime", so.sinceTime.UTC().Format(time.RFC3339))
	}
	return q
}

// streamTarget resolves the object a streaming verb acts on: a named
// object whose kind has the subresource sub (log, exec, portforward).
// what says what the verb is for, for the error.
func (o *Object) streamTarget(ctx context.Context, so *streamOptions, sub, what string) (*target, error) {
	t, err := o.resolve(ctx, "get", &so.call, true)
	if err != nil {
		return nil, err
	}
	for _, s := range t.info.Subresources {
		if s.Name == sub {
			return t, nil
		}
	}
	return nil, fmt.Errorf("%w: %s %s has no %s subresource; %s", ErrUnsupported, o.APIVersion(), o.Kind(), sub, what)
}

// subresourceRequest is a request to the target's subresource sub.
func (t *target) subresourceRequest(method, sub string, query url.Values) *request {
	tmpl := "/api/"
	if t.info.Group != "" {
		tmpl = "/apis/" + t.info.Group + "/"
	}
	tmpl += t.info.Version
	if t.namespace != "" {
		tmpl += "/namespaces/{namespace}"
	}
	tmpl += "/" + t.info.Resource + "/{name}/" + sub
	return &request{Method: method, Path: t.path(true) + "/" + sub, Template: tmpl, Query: query,
		Resource: schema.GroupResource{Group: t.info.Group, Resource: t.info.Resource}, Name: t.name}
}
