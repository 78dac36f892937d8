package kobj

import (
	"encoding/json"
	"fmt"
	"maps"

	"github.com/kobj-dev/kobj/internal/jsonvalue"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// The server's copy of an object, and the merge patch computed against it.
// This file is the only writer of Object.served: an object's content and
// its server copy change together, here.

// fromServer returns the object that the server sent as body (decoded as m),
// remembering body as its server copy.
func fromServer(m map[string]any, body []byte, c *Client) *Object {
	o := wrap(m)
	o.client, o.served = c, body
	return o
}

// FromServerJSON returns the object that a server sent as body, as a Read
// through c would return it: bound to c (nil: the default client), with
// body as its server copy, so that Update sends only what changed since
// and Apply leaves out fields the caller did not touch. It is for objects
// that reach a program outside kobj's verbs: a client-go informer's, an
// admission request's, kobj/operator's cache. body is kept, not copied:
// the caller must not change it afterwards. It fails as [FromJSON] does.
func FromServerJSON(c *Client, body []byte) (*Object, error) {
	m, err := decodeAnswer(body)
	if err != nil {
		return nil, errorf("FromServerJSON", "%w", err)
	}
	if err := checkTypeMeta(m); err != nil {
		return nil, errorf("FromServerJSON", "%w", err)
	}
	return fromServer(m, body, c), nil
}

// adopt makes m, the server's answer (body as JSON), o's content and server
// copy. The content changes in place, so that a list holding o's map (o is
// one of its Items) sees the server's answer and keeps o as its item.
func (o *Object) adopt(m map[string]any, body []byte) {
	if o.u.Object == nil || sameMap(o.u.Object, m) {
		o.u.Object = m
	} else {
		clear(o.u.Object)
		maps.Copy(o.u.Object, m)
	}
	o.served = body
	o.setItems(nil)
}

// restore puts back the content and server copy of before, a DeepCopy of o,
// in place for the same reason as adopt.
func (o *Object) restore(before *Object) {
	o.adopt(before.u.Object, before.served)
}

// decodeAnswer decodes a server's answer into unstructured content.
func decodeAnswer(body []byte) (map[string]any, error) {
	var m map[string]any
	if err := utiljson.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("decoding the server's answer: %w", err)
	}
	if m == nil {
		return nil, fmt.Errorf("decoding the server's answer: not an object: %.100q", body)
	}
	return m, nil
}

// mergePatch is the JSON merge patch (RFC 7386) from the object as last
// served to o, with o's resourceVersion as the precondition; whole when o
// was never served. preconditioned reports whether the patch carries a
// resourceVersion, which makes sending it twice harmless.
func (o *Object) mergePatch() (patch []byte, preconditioned bool, err error) {
	var p map[string]any
	if o.served == nil {
		p = o.u.Object
	} else {
		// The diff walks the served JSON beside the object: decoding it
		// would cost an update as many allocations as its answer's.
		var ok bool
		if p, ok = jsonvalue.MergePatchJSON(o.served, o.u.Object); !ok {
			before, err := o.lastServed()
			if err != nil {
				return nil, false, err
			}
			p = jsonvalue.MergePatch(before, o.u.Object)
		}
		if rv := o.ResourceVersion(); rv != "" {
			md, ok := p["metadata"].(map[string]any)
			if !ok {
				md = map[string]any{}
				p["metadata"] = md
			}
			md["resourceVersion"] = rv
			preconditioned = true
		}
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, false, err
	}
	return b, preconditioned, nil
}

// lastServed returns the object as the server last returned it, decoded
// afresh (the caller may change it), or nil when o was never served.
func (o *Object) lastServed() (map[string]any, error) {
	if o.served == nil {
		return nil, nil
	}
	var m map[string]any
	if err := utiljson.Unmarshal(o.served, &m); err != nil {
		return nil, fmt.Errorf("reading the last served object: %w", err)
	}
	return m, nil
}
