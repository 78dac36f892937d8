package kobj

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/kobj-dev/kobj/internal/fieldpath"
	"github.com/kobj-dev/kobj/internal/jsonvalue"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/client-go/kubernetes/scheme"
)

// Object is one Kubernetes object of any kind, held as the JSON-shaped map of
// an unstructured.Unstructured. The zero value is not usable; make Objects
// with New, FromMap, FromJSON, FromTyped or the loaders.
//
// Reading an Object (its getters, Items, YAML, JSON, DeepCopy, Diff) from
// several goroutines at once is safe. Changing it (setters, Set, Merge, and
// the verbs that update it from the server's answer: Create, Read, Update,
// Edit, Delete) while another goroutine reads or changes it is not: guard
// it with a lock of your own, as with any Go value. A Client is safe for
// concurrent use.
type Object struct {
	u      unstructured.Unstructured
	client *Client
	// served is the object as the server last returned it, as JSON. Update
	// diffs against it, so that a field cleared locally is cleared remotely.
	// Only patch.go writes it.
	served []byte

	itemsMu sync.Mutex // guards items, so that concurrent readers may call Items
	items   []*Object  // Items() wrappers, reused while the items list is unchanged
}

// New returns an empty object of the given apiVersion and kind, such as
// New("apps/v1", "Deployment").
func New(apiVersion, kind string) *Object {
	o := &Object{}
	o.u.Object = map[string]any{"apiVersion": apiVersion, "kind": kind}
	return o
}

// FromMap returns an object that holds m itself (not a copy). Values are
// converted to the JSON types unstructured objects use (int to int64, typed
// maps and structs through JSON). It fails if m has no string apiVersion and
// kind, or holds a value that has no JSON form.
func FromMap(m map[string]any) (*Object, error) {
	if m == nil {
		return nil, errorf("FromMap", "nil map")
	}
	if _, err := jsonValue(m, "$"); err != nil {
		return nil, errorf("FromMap", "%w", err)
	}
	if err := checkTypeMeta(m); err != nil {
		return nil, errorf("FromMap", "%w", err)
	}
	return wrap(m), nil
}

// wrap makes an Object of a map known to be JSON-typed.
func wrap(m map[string]any) *Object {
	o := &Object{}
	o.u.Object = m
	return o
}

// checkTypeMeta reports a missing or non-string apiVersion or kind.
func checkTypeMeta(m map[string]any) error {
	for _, f := range []string{"apiVersion", "kind"} {
		v, ok := m[f]
		if !ok {
			return fmt.Errorf("object has no %s", f)
		}
		if s, ok := v.(string); !ok || s == "" {
			return fmt.Errorf("%s must be a non-empty string, got %s", f, describe(v))
		}
	}
	return nil
}

func describe(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%s %v", fieldpath.TypeName(v), v)
}

// FromJSON returns the object that the JSON document b encodes. Numbers
// become int64 or float64, as in unstructured objects. It fails on invalid
// JSON, a non-object document, or a missing apiVersion or kind.
func FromJSON(b []byte) (*Object, error) {
	var m map[string]any
	if err := utiljson.Unmarshal(b, &m); err != nil {
		return nil, errorf("FromJSON", "%w", err)
	}
	if m == nil {
		return nil, errorf("FromJSON", "document is null")
	}
	if err := checkTypeMeta(m); err != nil {
		return nil, errorf("FromJSON", "%w", err)
	}
	return wrap(m), nil
}

// FromTyped converts a typed API struct, such as *corev1.Pod, to an Object.
// An empty apiVersion or kind is filled in from client-go's scheme, which
// knows every built-in type. It fails when v is not a struct pointer, or its
// kind is neither set nor known to the scheme, or v holds a value that an
// object cannot (an unsigned number above math.MaxInt64, a NaN or infinite
// float): then with a *PathError naming where.
func FromTyped(v any) (*Object, error) {
	m, err := typedToMap(v)
	if err != nil {
		return nil, errorf("FromTyped", "%w", err)
	}
	if m["apiVersion"] == nil || m["kind"] == nil {
		ro, ok := v.(runtime.Object)
		if !ok {
			return nil, errorf("FromTyped", "%T sets no apiVersion and kind and is not a runtime.Object", v)
		}
		gvks, _, err := scheme.Scheme.ObjectKinds(ro)
		if err != nil || len(gvks) == 0 {
			return nil, errorf("FromTyped", "%T sets no apiVersion and kind: %w", v, err)
		}
		apiVersion, kind := gvks[0].ToAPIVersionAndKind()
		if m["apiVersion"] == nil {
			m["apiVersion"] = apiVersion
		}
		if m["kind"] == nil {
			m["kind"] = kind
		}
	}
	return wrap(m), nil
}

// Into fills the typed API struct v (a pointer, such as *appsv1.Deployment)
// from the object; the object itself is unchanged. Fields v has no place
// for are dropped, or with [Strict] reported as an *UnknownFieldsError
// (v is then filled all the same). It fails when a value does not fit v's
// type (a string where v has a number, say), with a *PathError naming
// where.
func (o *Object) Into(v any, opts ...IntoOption) error {
	if err := mapInto(o.u.Object, v, gatherInto(opts)); err != nil {
		return errorf("Into", "%T: %w", v, err)
	}
	return nil
}

// Unstructured returns the unstructured.Unstructured that holds the object,
// shared, not copied: changes through either are seen by both.
func (o *Object) Unstructured() *unstructured.Unstructured { return &o.u }

// Map returns the object's content, shared, not copied.
func (o *Object) Map() map[string]any { return o.u.Object }

// IsList reports whether the object holds a list: kind List, or a kind
// ending in List whose items field is a list (a PodList read from the
// server, or loaded from a file). It looks at the object alone; Read asks
// discovery instead, so that a custom kind such as AllowList, which the
// server serves as an object, is read as one.
func (o *Object) IsList() bool {
	kind := o.Kind()
	if kind == "List" {
		return true
	}
	_, hasItems := o.u.Object["items"].([]any)
	return hasItems && strings.HasSuffix(kind, "List")
}

// Items returns the objects of a list's items field, sharing their content
// with the list: an item changed, updated or edited is seen through the
// list, and the same item is returned by later calls while the items field
// holds it. It returns nil for a non-list or an empty list; items that are
// not objects are skipped. Concurrent calls are safe.
func (o *Object) Items() []*Object {
	raw, _ := o.u.Object["items"].([]any)
	o.itemsMu.Lock()
	defer o.itemsMu.Unlock()
	if len(raw) == 0 {
		o.items = nil
		return nil
	}
	byMap := make(map[uintptr]*Object, len(o.items))
	for _, it := range o.items {
		byMap[mapID(it.u.Object)] = it
	}
	items := make([]*Object, 0, len(raw))
	for _, e := range raw {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		item := byMap[mapID(m)]
		if item == nil {
			item = wrap(m)
			item.client = o.client
		}
		items = append(items, item)
	}
	o.items = items
	return slices.Clone(items)
}

// setItems makes items the cached wrappers of the list's items.
func (o *Object) setItems(items []*Object) {
	o.itemsMu.Lock()
	o.items = items
	o.itemsMu.Unlock()
}

func sameMap(a, b map[string]any) bool { return mapID(a) == mapID(b) }

// mapID identifies a map by its address, so that a wrapper is reused for
// the very map the list holds, and only for it.
func mapID(m map[string]any) uintptr { return uintptr(reflect.ValueOf(m).UnsafePointer()) }

// Get returns the value at path and true, or nil and false when the path
// does not parse or nothing is there. Maps and lists are returned shared.
func (o *Object) Get(path string) (any, bool) {
	segs, err := parsePath(path)
	if err != nil {
		return nil, false
	}
	return fieldpath.Lookup(o.u.Object, segs)
}

// Set stores v at path, creating the maps on the way, and returns nil. An
// index one past the end of a list appends. It fails, naming the path, when
// the path does not parse, goes through a value that is not a map or list,
// indexes past the end of a list, or v has no JSON form.
func (o *Object) Set(path string, v any) error {
	segs, err := parsePath(path)
	if err != nil {
		return err
	}
	jv, err := jsonValue(v, path)
	if err != nil {
		return &PathError{Path: path, Err: err}
	}
	return pathError(fieldpath.Assign(path, o.u.Object, segs, jv))
}

// Remove deletes the field or list element at path; it reports whether
// something was removed.
func (o *Object) Remove(path string) bool {
	segs, err := parsePath(path)
	if err != nil {
		return false
	}
	return fieldpath.Remove(o.u.Object, segs)
}

// getTyped reads path and converts its value with conv.
func getTyped[T any](o *Object, path, want string, conv func(any) (T, bool)) (T, error) {
	var zero T
	segs, err := parsePath(path)
	if err != nil {
		return zero, err
	}
	v, ok := fieldpath.Lookup(o.u.Object, segs)
	if !ok {
		return zero, &PathError{Path: path, Err: ErrPathNotFound}
	}
	t, ok := conv(v)
	if !ok {
		return zero, &PathError{Path: path, Err: fmt.Errorf("want a %s, found %s", want, describe(v))}
	}
	return t, nil
}

// GetString returns the string at path. It fails with an error wrapping
// ErrPathNotFound when nothing is there, and names the type it found when
// the value is not a string.
func (o *Object) GetString(path string) (string, error) {
	return getTyped(o, path, "string", func(v any) (string, bool) { s, ok := v.(string); return s, ok })
}

// GetInt64 returns the integer at path; a float64 holding a whole number
// within int64's range counts (jsonvalue.Int64, the one rule kobj reads
// integers by). Errors are as for GetString.
func (o *Object) GetInt64(path string) (int64, error) {
	return getTyped(o, path, "integer", jsonvalue.Int64)
}

// GetBool returns the boolean at path. Errors are as for GetString.
func (o *Object) GetBool(path string) (bool, error) {
	return getTyped(o, path, "bool", func(v any) (bool, bool) { b, ok := v.(bool); return b, ok })
}

// GetSlice returns the list at path, shared. Errors are as for GetString.
func (o *Object) GetSlice(path string) ([]any, error) {
	return getTyped(o, path, "list", func(v any) ([]any, bool) { l, ok := v.([]any); return l, ok })
}

// GetMap returns the map at path, shared. Errors are as for GetString.
func (o *Object) GetMap(path string) (map[string]any, error) {
	return getTyped(o, path, "map", func(v any) (map[string]any, bool) { m, ok := v.(map[string]any); return m, ok })
}

// FindByName returns the path of every field called name, at any depth, in
// a stable order (map keys sorted, lists in order). Each path works with Get.
func (o *Object) FindByName(name string) []string {
	return fieldpath.FindField(o.u.Object, name)
}

// String returns the object's kind, namespace and name, for logs.
func (o *Object) String() string {
	if o == nil {
		return "<nil>"
	}
	id := o.Name()
	if ns := o.Namespace(); ns != "" {
		id = ns + "/" + id
	}
	if id == "" {
		return o.APIVersion() + " " + o.Kind()
	}
	return fmt.Sprintf("%s %s %s", o.APIVersion(), o.Kind(), id)
}
