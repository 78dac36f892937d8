package rawjson

import (
	"bytes"
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// field is the key of an Unstructured's map that holds its *Object; no
// JSON field can be named so.
const field = "\x00kobj-raw"

// Mode says how much of an object Decode reads besides keeping its bytes.
type Mode int

const (
	// Metadata reads the object's metadata only (into Object.Meta; its
	// content and managedFields are skipped): the Unstructured handed to
	// client-go holds apiVersion, kind, name, namespace, uid and
	// resourceVersion, for a consumer that keeps the bytes.
	Metadata Mode = iota
	// Full decodes the whole object into the Unstructured's map, once, as
	// client-go's decoder would; Object.Meta then holds apiVersion, kind,
	// name, namespace, uid and resourceVersion only.
	Full
)

// Object is an object as the server sent it, with what Decode read of it.
type Object struct {
	// Raw is the object's JSON as the server sent it, apiVersion and kind
	// prepended for the items of a built-in kind's list, which leave them
	// out. It is not shared with any other object.
	Raw  []byte
	Meta Meta
	// Mode is the mode Decode read the object in.
	Mode Mode
}

// Meta is the part of an object that Decode reads in Metadata mode.
type Meta struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   ObjectMeta `json:"metadata"`
}

// ObjectMeta is the part of an object's metadata that Decode reads in
// Metadata mode.
type ObjectMeta struct {
	Name              string                  `json:"name"`
	Namespace         string                  `json:"namespace"`
	UID               types.UID               `json:"uid"`
	ResourceVersion   string                  `json:"resourceVersion"`
	Generation        int64                   `json:"generation"`
	Labels            map[string]string       `json:"labels"`
	OwnerReferences   []metav1.OwnerReference `json:"ownerReferences"`
	DeletionTimestamp *metav1.Time            `json:"deletionTimestamp"`
}

// Of returns the Object u carries, if Decode made u.
func Of(u *unstructured.Unstructured) (*Object, bool) {
	r, ok := u.Object[field].(*Object)
	return r, ok
}

// Take returns the Object u carries, if Decode made u, and removes it
// from u's map, which is then the object alone (in Full mode, the whole
// object as client-go would have decoded it).
func Take(u *unstructured.Unstructured) (*Object, bool) {
	r, ok := Of(u)
	if ok {
		delete(u.Object, field)
	}
	return r, ok
}

// Decode reads the object data encodes, whose apiVersion and kind, when
// the server left them out (the items of a built-in kind's list), are
// apiVersion and kind, as mode says. It returns an Unstructured that
// carries the Object (see Of), or false for what is not a named object
// (a Status, a bookmark, anything that does not decode), for client-go's
// decoder to handle. data is kept, not copied.
func Decode(data []byte, apiVersion, kind string, mode Mode) (*unstructured.Unstructured, bool) {
	if mode == Full {
		return decodeFull(data, apiVersion, kind)
	}
	r := &Object{Mode: Metadata}
	if err := utiljson.Unmarshal(data, &r.Meta); err != nil || r.Meta.Metadata.Name == "" {
		return nil, false
	}
	if !r.typeMeta(&data, apiVersion, kind) {
		return nil, false
	}
	r.Raw = data
	m := &r.Meta.Metadata
	md := map[string]any{"name": m.Name, "resourceVersion": m.ResourceVersion}
	if m.Namespace != "" {
		md["namespace"] = m.Namespace
	}
	if m.UID != "" {
		md["uid"] = string(m.UID)
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": r.Meta.APIVersion, "kind": r.Meta.Kind, "metadata": md, field: r}}, true
}

// decodeFull is Decode in Full mode.
func decodeFull(data []byte, apiVersion, kind string) (*unstructured.Unstructured, bool) {
	var obj map[string]any
	if err := utiljson.Unmarshal(data, &obj); err != nil || obj == nil {
		return nil, false
	}
	u := &unstructured.Unstructured{Object: obj}
	r := &Object{Mode: Full}
	md, _ := obj["metadata"].(map[string]any)
	r.Meta.Metadata.Name, _ = md["name"].(string)
	if r.Meta.Metadata.Name == "" {
		return nil, false
	}
	r.Meta.APIVersion, _ = obj["apiVersion"].(string)
	r.Meta.Kind, _ = obj["kind"].(string)
	if !r.typeMeta(&data, apiVersion, kind) {
		return nil, false
	}
	// typeMeta may have set them for a list's item: the map says so too.
	obj["apiVersion"], obj["kind"] = r.Meta.APIVersion, r.Meta.Kind
	r.Meta.Metadata.Namespace, _ = md["namespace"].(string)
	uid, _ := md["uid"].(string)
	r.Meta.Metadata.UID = types.UID(uid)
	r.Meta.Metadata.ResourceVersion, _ = md["resourceVersion"].(string)
	r.Raw = data
	obj[field] = r
	return u, true
}

// typeMeta gives r the list's apiVersion and kind when the object has
// neither (prepending them to *data), and reports whether r is then an
// object of some kind other than Status.
func (r *Object) typeMeta(data *[]byte, apiVersion, kind string) bool {
	switch {
	case r.Meta.APIVersion == "" && r.Meta.Kind == "" && apiVersion != "" && kind != "":
		r.Meta.APIVersion, r.Meta.Kind = apiVersion, kind
		*data = WithTypeMeta(*data, apiVersion, kind)
	case r.Meta.APIVersion == "" || r.Meta.Kind == "" || r.Meta.Kind == "Status":
		return false
	}
	return true
}

// WithTypeMeta returns the JSON object data with apiVersion and kind
// first, in a new slice.
func WithTypeMeta(data []byte, apiVersion, kind string) []byte {
	i := bytes.IndexByte(data, '{')
	av, _ := json.Marshal(apiVersion)
	k, _ := json.Marshal(kind)
	out := make([]byte, 0, len(data)+len(av)+len(k)+24)
	out = append(out, `{"apiVersion":`...)
	out = append(out, av...)
	out = append(out, `,"kind":`...)
	out = append(out, k...)
	rest := bytes.TrimLeft(data[i+1:], " \t\r\n")
	if len(rest) > 0 && rest[0] != '}' {
		out = append(out, ',')
	}
	return append(out, rest...)
}
