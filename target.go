package kobj

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	pathvalidation "k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// target is where a CRUD call goes: the client, the kind's resource, and
// the namespace and name, all checked before any request is sent.
type target struct {
	c         *Client
	info      *resourceInfo
	namespace string
	name      string
}

// resolve checks a CRUD call on o against its options and discovery: the
// verb must be one the server lists for the kind (for "list", the kind of
// the list's items), the namespace and name given by option must agree
// with metadata and be valid path segments, a cluster-scoped kind takes no
// namespace, and a namespaced kind without one gets the client's default.
func (o *Object) resolve(ctx context.Context, verb string, co *callOptions, needName bool) (*target, error) {
	c, err := o.callClient(co)
	if err != nil {
		return nil, err
	}
	apiVersion, kind := o.APIVersion(), o.Kind()
	if apiVersion == "" || kind == "" {
		return nil, errors.New("the object has no apiVersion or kind")
	}
	if verb == "list" {
		// The items' kind for a list kind; the kind itself for an object
		// whose kind merely ends in List (AllowList), watched as one.
		list, err := c.isListKind(ctx, apiVersion, kind)
		if err != nil {
			return nil, err
		}
		if list {
			kind = strings.TrimSuffix(kind, "List")
		}
		if kind == "" {
			return nil, fmt.Errorf("a %s List holds objects of any kind; read a typed list such as PodList", apiVersion)
		}
	}
	info, err := c.disc.lookup(ctx, apiVersion, kind)
	if err != nil {
		return nil, err
	}
	if !info.Has(verb) {
		return nil, &UnsupportedError{APIVersion: apiVersion, Kind: kind, Verb: verb, Verbs: info.Verbs}
	}
	t := &target{c: c, info: info}
	if verb != "list" {
		if t.name, err = agree("name", "by option", co.name, o.Name()); err != nil {
			return nil, err
		}
	}
	if needName && t.name == "" {
		return nil, errors.New("no name: set metadata.name or pass kobj.Named")
	}
	ns, err := agree("namespace", "by option", co.namespace, o.Namespace())
	if err != nil {
		return nil, err
	}
	switch {
	case !info.Namespaced && ns != "":
		return nil, fmt.Errorf("%s is cluster-scoped, but namespace %q was given", kind, ns)
	case info.Namespaced && co.allNamespaces:
		if ns != "" {
			return nil, fmt.Errorf("AllNamespaces and namespace %q both given", ns)
		}
	case info.Namespaced && ns == "":
		ns = c.namespace
	}
	t.namespace = ns
	if err := validSegment("namespace", t.namespace); err != nil {
		return nil, err
	}
	if err := validSegment("name", t.name); err != nil {
		return nil, err
	}
	return t, nil
}

// agree returns the value of a field given to a call (how says how: "by
// option", "in args") and in metadata, failing when both are set and differ.
func agree(field, how, given, inMetadata string) (string, error) {
	if given != "" && inMetadata != "" && given != inMetadata {
		return "", fmt.Errorf("%s %q given %s, but metadata.%s is %q", field, given, how, field, inMetadata)
	}
	if given != "" {
		return given, nil
	}
	return inMetadata, nil
}

// validSegment checks a name or namespace as client-go's rest client does
// before it puts one in a URL path: "." and "..", and names with "/" or
// "%", cannot be sent.
func validSegment(field, value string) error {
	if value == "" {
		return nil
	}
	if msgs := pathvalidation.IsValidPathSegmentName(value); len(msgs) > 0 {
		return fmt.Errorf("invalid %s %q: %s", field, value, strings.Join(msgs, "; "))
	}
	return nil
}

// path is the URL path of the target's collection, or of the named object.
func (t *target) path(named bool) string {
	var b strings.Builder
	if t.info.Group == "" {
		b.WriteString("/api/")
	} else {
		b.WriteString("/apis/")
		b.WriteString(t.info.Group)
		b.WriteByte('/')
	}
	b.WriteString(t.info.Version)
	if t.namespace != "" {
		b.WriteString("/namespaces/")
		b.WriteString(url.PathEscape(t.namespace))
	}
	b.WriteByte('/')
	b.WriteString(t.info.Resource)
	if named {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(t.name))
	}
	return b.String()
}

// request is a request to the target; params, when not nil, is one of
// metav1's option types (CreateOptions, ListOptions, ...), encoded as the
// query the way client-go encodes it.
func (t *target) request(method string, named bool, params runtime.Object) (*request, error) {
	req := &request{Method: method, Path: t.path(named),
		Resource: schema.GroupResource{Group: t.info.Group, Resource: t.info.Resource}, Name: t.name}
	if params != nil {
		q, err := metav1.ParameterCodec.EncodeParameters(params, metav1.SchemeGroupVersion)
		if err != nil {
			return nil, fmt.Errorf("encoding the query: %w", err)
		}
		req.Query = q
	}
	return req, nil
}

// dryRunValue is the API's dryRun parameter for co.
func (co *callOptions) dryRunValue() []string {
	if co.dryRun {
		return []string{metav1.DryRunAll}
	}
	return nil
}
