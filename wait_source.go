package kobj

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilnet "k8s.io/apimachinery/pkg/util/net"

	"github.com/kobj-dev/kobj/internal/cachekit"
)

// This file is the INTERIM event source of Wait: it reads the object every
// selfPollInterval and turns the differences into watch events. It is to
// be replaced by a Watch of the one object (a field selector on its name),
// which costs one request for a whole wait where this costs one request per
// interval, and sees every change where this sees only the state at each
// read (a change undone within an interval is missed; a deletion and
// re-creation between two reads shows as a new UID, and is reported as
// Deleted then Added).

// selfPollInterval is how often the interim source reads the object.
const selfPollInterval = 250 * time.Millisecond

// watchSelf returns a source of the events of o's object (by its apiVersion,
// kind, namespace and name), which the caller must Stop. It fails at once
// when no client is configured.
func (o *Object) watchSelf(ctx context.Context) (eventSource, error) {
	c, err := clientFor(&callOptions{}, o)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	p := &pollSource{events: make(chan WatchEvent), cancel: cancel, done: make(chan struct{})}
	probe := New(o.APIVersion(), o.Kind()).SetName(o.Name()).SetNamespace(o.Namespace()).SetClient(c)
	go p.run(ctx, probe)
	return p, nil
}

// pollSource is the polling eventSource.
type pollSource struct {
	events chan WatchEvent
	cancel context.CancelFunc
	done   chan struct{}

	mu  sync.Mutex
	err error
}

func (p *pollSource) Events() <-chan WatchEvent { return p.events }

func (p *pollSource) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Stop ends the polling and returns once its goroutine has.
func (p *pollSource) Stop() {
	p.cancel()
	<-p.done
}

func (p *pollSource) fail(err error) {
	p.mu.Lock()
	p.err = err
	p.mu.Unlock()
}

func (p *pollSource) run(ctx context.Context, probe *Object) {
	defer close(p.done)
	defer close(p.events)
	var last *Object
	listed := false
	for {
		cur := probe.DeepCopy()
		_, err := cur.Read(ctx)
		switch {
		case err == nil:
		case apierrors.IsNotFound(err):
			cur = nil
		case ctx.Err() != nil:
			return
		case transientReadError(err):
			if cachekit.Sleep(ctx, selfPollInterval) != nil {
				return
			}
			continue
		default:
			p.fail(err)
			return
		}
		var evs []WatchEvent
		if !listed {
			evs = append(evs, WatchEvent{Type: Resync})
			if cur != nil {
				evs = append(evs, WatchEvent{Type: Added, Object: cur, Initial: true, ResourceVersion: cur.ResourceVersion()})
			}
			evs = append(evs, WatchEvent{Type: Synced})
			listed = true
		} else {
			evs = changes(last, cur)
		}
		for _, ev := range evs {
			select {
			case p.events <- ev:
			case <-ctx.Done():
				return
			}
		}
		last = cur
		if cachekit.Sleep(ctx, selfPollInterval) != nil {
			return
		}
	}
}

// changes returns the events that turn the state before into after.
func changes(before, after *Object) []WatchEvent {
	switch {
	case before == nil && after == nil:
		return nil
	case before == nil:
		return []WatchEvent{{Type: Added, Object: after, ResourceVersion: after.ResourceVersion()}}
	case after == nil:
		return []WatchEvent{{Type: Deleted, Object: before, ResourceVersion: before.ResourceVersion()}}
	case before.UID() != after.UID():
		return []WatchEvent{
			{Type: Deleted, Object: before, ResourceVersion: before.ResourceVersion()},
			{Type: Added, Object: after, ResourceVersion: after.ResourceVersion()},
		}
	case before.ResourceVersion() != after.ResourceVersion():
		return []WatchEvent{{Type: Modified, Object: after, ResourceVersion: after.ResourceVersion()}}
	}
	return nil
}

// transientReadError reports an error that a later read may not meet: the
// server busy or failing, or the connection broken. Anything else (no
// permission, an unknown kind) ends the wait.
func transientReadError(err error) bool {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		code := status.Status().Code
		return code == 429 || code >= 500 || apierrors.IsTimeout(err) || apierrors.IsServerTimeout(err)
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		utilnet.IsConnectionReset(err) || utilnet.IsConnectionRefused(err)
}
