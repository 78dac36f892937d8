package kobj

import (
	"context"
	"errors"
	"strings"
)

// The prologue every verb on an object shares: its options gathered (an
// option invalid in itself is the call's first error), a nil object
// refused, and the client chosen. Each verb defers wrapCall itself, so that
// its error names the verb.

// begin gathers opts with apply, refuses a nil o and returns the call's
// options and client.
func begin[T any](o *Object, opts []T, apply func(T, *callOptions)) (*callOptions, *Client, error) {
	co, err := gather(opts, apply)
	if err != nil {
		return nil, nil, err
	}
	c, err := o.callClient(co)
	if err != nil {
		return nil, nil, err
	}
	return co, c, nil
}

// callClient refuses a nil o and picks the client of a call on it.
func (o *Object) callClient(co *callOptions) (*Client, error) {
	if o == nil {
		return nil, errors.New("nil object")
	}
	return clientFor(co, o)
}

// clientFor resolves the client of a call: the option's, else the object's,
// else the default.
func clientFor(opts *callOptions, o *Object) (*Client, error) {
	if opts != nil && opts.client != nil {
		return opts.client, nil
	}
	if o != nil && o.client != nil {
		return o.client, nil
	}
	return DefaultClient()
}

// isListKind reports whether kind is a list kind in apiVersion: List, or
// FooList where the server serves Foo and not FooList itself. Discovery as
// cached is asked first, so that a PodList costs no request; a kind it
// does not know either way (a CRD created a second ago) is looked up.
func (c *Client) isListKind(ctx context.Context, apiVersion, kind string) (bool, error) {
	item, found := strings.CutSuffix(kind, "List")
	if !found {
		return false, nil
	}
	if item == "" {
		return true, nil
	}
	if r, err := c.disc.cached(ctx, apiVersion, kind); err != nil || r != nil {
		return false, err // served as an object: AllowList
	}
	if r, err := c.disc.cached(ctx, apiVersion, item); err != nil || r != nil {
		return r != nil, err
	}
	_, err := c.disc.lookup(ctx, apiVersion, item)
	return err == nil, nil // on error, reading the kind itself says what is wrong
}
