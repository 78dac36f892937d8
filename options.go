package kobj

import (
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Option changes one call: CRUD, Edit, Call or CallAsync. Each call accepts
// the options that make sense for it and fails, before any request, when
// given one that does not (Limit on Create, say).
type Option interface {
	apply(*callOptions)
}

// callOptions gathers the options of one call.
type callOptions struct {
	set            map[string]bool // names of the options given, for the check
	client         *Client
	name           string
	namespace      string
	allNamespaces  bool
	dryRun         bool
	fieldManager   string
	propagation    *metav1.DeletionPropagation
	gracePeriod    *int64
	labelSelector  string
	fieldSelector  string
	limit          int64
	rollback       bool
	retryOnConfict bool
	patchType      PatchType
}

type optionFunc struct {
	name string
	fn   func(*callOptions)
}

func (o optionFunc) apply(c *callOptions) {
	if c.set == nil {
		c.set = map[string]bool{}
	}
	c.set[o.name] = true
	o.fn(c)
}

// gather applies opts and checks each against the options the call allows.
func gather(call string, opts []Option, allowed ...string) (*callOptions, error) {
	c := &callOptions{}
	for _, o := range opts {
		if o == nil {
			continue
		}
		o.apply(c)
	}
	for name := range c.set {
		if !contains(allowed, name) && name != "WithClient" {
			return nil, fmt.Errorf("kobj: %s does not take the %s option (it takes %s)", call, name, strings.Join(append([]string{"WithClient"}, allowed...), ", "))
		}
	}
	return c, nil
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// WithClient makes one call use c, ahead of the object's client and the
// default client.
func WithClient(c *Client) Option {
	return optionFunc{"WithClient", func(o *callOptions) { o.client = c }}
}

// Named gives the object's name for the call; it must agree with
// metadata.name when both are set.
func Named(name string) Option {
	return optionFunc{"Named", func(o *callOptions) { o.name = name }}
}

// InNamespace gives the namespace for the call; it must agree with
// metadata.namespace when both are set, and is an error for a cluster-scoped
// kind.
func InNamespace(ns string) Option {
	return optionFunc{"InNamespace", func(o *callOptions) { o.namespace = ns }}
}

// AllNamespaces makes a list read span every namespace.
func AllNamespaces() Option {
	return optionFunc{"AllNamespaces", func(o *callOptions) { o.allNamespaces = true }}
}

// DryRun asks the server to validate and answer without persisting
// anything (dryRun=All).
func DryRun() Option {
	return optionFunc{"DryRun", func(o *callOptions) { o.dryRun = true }}
}

// FieldManager names the actor making the change, for managed fields.
func FieldManager(name string) Option {
	return optionFunc{"FieldManager", func(o *callOptions) { o.fieldManager = name }}
}

// PropagationPolicy sets how Delete treats dependents: Orphan, Background
// or Foreground.
func PropagationPolicy(p metav1.DeletionPropagation) Option {
	return optionFunc{"PropagationPolicy", func(o *callOptions) { o.propagation = &p }}
}

// GracePeriod sets Delete's grace period, rounded down to whole seconds.
func GracePeriod(d time.Duration) Option {
	return optionFunc{"GracePeriod", func(o *callOptions) { s := int64(d / time.Second); o.gracePeriod = &s }}
}

// LabelSelector filters a list read, as kubectl -l does.
func LabelSelector(s string) Option {
	return optionFunc{"LabelSelector", func(o *callOptions) { o.labelSelector = s }}
}

// FieldSelector filters a list read, as kubectl --field-selector does.
func FieldSelector(s string) Option {
	return optionFunc{"FieldSelector", func(o *callOptions) { o.fieldSelector = s }}
}

// Limit sets the page size of a list read; every page is still read.
func Limit(n int64) Option {
	return optionFunc{"Limit", func(o *callOptions) { o.limit = n }}
}

// Rollback makes Edit restore the object as it was before the edit when the
// edit function or the update fails. Only the local object is restored.
func Rollback() Option {
	return optionFunc{"Rollback", func(o *callOptions) { o.rollback = true }}
}

// RetryOnConflict makes Edit, on a Conflict, read the object again and run
// the edit function again, until it succeeds, fails otherwise, the context
// ends, or 100 attempts have met a Conflict.
func RetryOnConflict() Option {
	return optionFunc{"RetryOnConflict", func(o *callOptions) { o.retryOnConfict = true }}
}

// PatchType is the content type of a patch body.
type PatchType string

// The patch types the API server accepts.
const (
	JSONPatch           PatchType = "application/json-patch+json"
	MergePatch          PatchType = "application/merge-patch+json"
	StrategicMergePatch PatchType = "application/strategic-merge-patch+json"
	ApplyPatch          PatchType = "application/apply-patch+yaml"
)

// PatchAs sets the patch type of a patch operation called by name.
func PatchAs(t PatchType) Option {
	return optionFunc{"PatchAs", func(o *callOptions) { o.patchType = t }}
}
