package operator

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/internal/fieldpath"
	"github.com/kobj-dev/kobj/internal/jsonvalue"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/client-go/tools/cache"
)

// query is what a List selects.
type query struct {
	namespace string          // "" for all
	labels    labels.Selector // nil for all
	fields    []fieldTerm
}

// fieldTerm is one term of a field selector: path = value, or != when not.
type fieldTerm struct {
	path  string
	segs  []fieldpath.Segment
	value string
	not   bool
}

// indexedOption is Indexed's option: a field selector on one path, kept
// whole (a value with commas or backslashes needs no escaping).
type indexedOption struct {
	kobj.FieldSelector // so that it is a kobj.ReadOption, read as a selector elsewhere
	path, value        string
}

// Indexed selects, in Cache.List, the objects whose field at path (a kobj
// path, such as spec.nodeName) reads value, answered from the index that
// Cache.Index made on that path, else by reading each object. Elsewhere
// it is the field selector path=value.
func Indexed(path, value string) kobj.ReadOption {
	return indexedOption{FieldSelector: kobj.FieldSelector(fields.OneTermEqualSelector(path, value).String()), path: path, value: value}
}

// parseQuery reads List's options. It fails on an option the cache does
// not take, an invalid selector or path, or two namespaces.
func parseQuery(opts []kobj.ReadOption) (query, error) {
	var q query
	nsGiven, all := false, false
	for _, opt := range opts {
		switch v := opt.(type) {
		case kobj.InNamespace:
			if nsGiven && q.namespace != string(v) {
				return q, fmt.Errorf("InNamespace(%q) and InNamespace(%q)", q.namespace, string(v))
			}
			if err := validNamespace(string(v)); err != nil {
				return q, fmt.Errorf("InNamespace(%q): %w", string(v), err)
			}
			q.namespace, nsGiven = string(v), true
		case kobj.LabelSelector:
			sel, err := labels.Parse(string(v))
			if err != nil {
				return q, fmt.Errorf("LabelSelector(%q): %w", string(v), err)
			}
			if q.labels == nil {
				q.labels = sel
			} else {
				reqs, _ := sel.Requirements()
				q.labels = q.labels.Add(reqs...)
			}
		case kobj.FieldSelector:
			terms, err := parseFieldSelector(string(v))
			if err != nil {
				return q, err
			}
			q.fields = append(q.fields, terms...)
		case indexedOption:
			segs, err := fieldpath.Parse(v.path)
			if err != nil {
				return q, fmt.Errorf("Indexed(%q, %q): %w", v.path, v.value, err)
			}
			q.fields = append(q.fields, fieldTerm{path: v.path, segs: segs, value: v.value})
		default:
			if isAllNamespaces(opt) {
				all = true
				continue
			}
			return q, fmt.Errorf("%T is not an option of a cached List; use kobj.InNamespace, kobj.AllNamespaces, kobj.LabelSelector, kobj.FieldSelector or operator.Indexed", opt)
		}
	}
	if all && nsGiven {
		return q, fmt.Errorf("both AllNamespaces and InNamespace(%q)", q.namespace)
	}
	return q, nil
}

// parseFieldSelector reads a field selector whose keys are kobj paths.
func parseFieldSelector(s string) ([]fieldTerm, error) {
	sel, err := fields.ParseSelector(s)
	if err != nil {
		return nil, fmt.Errorf("FieldSelector(%q): %w", s, err)
	}
	var out []fieldTerm
	for _, r := range sel.Requirements() {
		segs, err := fieldpath.Parse(r.Field)
		if err != nil {
			return nil, fmt.Errorf("FieldSelector(%q): %w", s, err)
		}
		t := fieldTerm{path: r.Field, segs: segs, value: r.Value}
		switch r.Operator {
		case selection.Equals, selection.DoubleEquals:
		case selection.NotEquals:
			t.not = true
		default:
			return nil, fmt.Errorf("FieldSelector(%q): operator %q: only =, == and != are supported", s, r.Operator)
		}
		out = append(out, t)
	}
	return out, nil
}

// indexedTerm returns the position of the first equality term on a path
// with an index, or -1.
func (q query) indexedTerm(indexed map[string]bool) int {
	for i, t := range q.fields {
		if !t.not && indexed[t.path] {
			return i
		}
	}
	return -1
}

// matches reports whether e is selected by q; the term at skip (when not
// -1) is known to hold already (from its index).
func (q query) matches(e *entry, skip int) bool {
	if q.namespace != "" && e.Namespace != q.namespace {
		return false
	}
	if q.labels != nil && !q.labels.Matches(labels.Set(e.Labels)) {
		return false
	}
	var m map[string]any // decoded once, when a term needs it
	for i, t := range q.fields {
		if i == skip {
			continue
		}
		v, ok := metaField(e, t.path)
		if !ok {
			if m == nil {
				var err error
				if m, err = e.decode(); err != nil {
					return false
				}
			}
			v = fieldString(m, t.segs)
		}
		if (v == t.value) == t.not {
			return false
		}
	}
	return true
}

// metaField reads the fields of the entry's slim metadata without
// decoding it.
func metaField(e *entry, path string) (string, bool) {
	switch path {
	case "metadata.name":
		return e.Name, true
	case "metadata.namespace":
		return e.Namespace, true
	}
	return "", false
}

// fieldString returns the value at segs in m as a field selector compares
// it: a string as it is, a number or boolean as JSON writes it, "" when
// the field is missing or null, and other values as their JSON.
func fieldString(m map[string]any, segs []fieldpath.Segment) string {
	v, ok := fieldpath.Lookup(m, segs)
	if !ok || v == nil {
		return ""
	}
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	}
	if n, ok := jsonvalue.Int64(v); ok {
		return strconv.FormatInt(n, 10)
	}
	if f, ok := v.(float64); ok {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// indexName is the name of the client-go index on a path.
func indexName(path string) string { return "field:" + path }

// Index makes the cache index a kind's objects by the value at path (a
// kobj path, such as spec.nodeName), so that List with Indexed(path, v) or
// a field selector path=v finds them without reading every object. It
// starts the kind's informer if needed; indexing an indexed path again
// does nothing. It fails on an invalid path, and as Get does for a kind.
func (c *Cache) Index(apiVersion, kind, path string) error {
	segs, err := fieldpath.Parse(path)
	if err != nil {
		return fmt.Errorf("operator cache: Index(%q, %q, %q): %w", apiVersion, kind, path, err)
	}
	kc, err := c.kind(c.ctx, apiVersion, kind)
	if err != nil {
		return err
	}
	kc.mu.Lock()
	defer kc.mu.Unlock()
	if kc.indexed[path] {
		return nil
	}
	fn := func(obj any) ([]string, error) {
		e, ok := obj.(*entry)
		if !ok {
			return nil, nil
		}
		if v, ok := metaField(e, path); ok {
			return []string{v}, nil
		}
		m, err := e.decode()
		if err != nil {
			// An index function's error panics the informer; the JSON
			// came from the server and was encoded by newEntry.
			return nil, nil
		}
		return []string{fieldString(m, segs)}, nil
	}
	kc.imu.Lock()
	defer kc.imu.Unlock()
	for _, ki := range kc.informers {
		if err := ki.inf.AddIndexers(cache.Indexers{indexName(path): fn}); err != nil {
			return fmt.Errorf("operator cache: Index(%q, %q, %q): %w", apiVersion, kind, path, err)
		}
	}
	kc.indexFns[indexName(path)] = fn // for the informers of namespaces that join later
	kc.indexed[path] = true
	return nil
}
