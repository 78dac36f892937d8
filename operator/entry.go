package operator

import (
	"fmt"

	"github.com/kobj-dev/kobj"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// entry is one cached object: its JSON, as the server sent it (after the
// cache's transforms), and the metadata the cache and the controllers
// read without decoding it. The informer's store holds entries; they are
// never changed once made, so readers share them without locks.
//
// It is a runtime.Object and a metav1.Object (through the embedded
// ObjectMeta, which holds only the fields below), so that client-go's
// informer, key functions and indexers take it as it is.
type entry struct {
	metav1.TypeMeta
	// ObjectMeta holds Name, Namespace, UID, ResourceVersion, Generation,
	// Labels, OwnerReferences and DeletionTimestamp; not Annotations or
	// ManagedFields (read them from raw).
	metav1.ObjectMeta
	raw []byte
}

// newEntry makes the entry of an object the informer decoded.
func newEntry(u *unstructured.Unstructured) (*entry, error) {
	raw, err := u.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("encoding %s %s: %w", u.GetKind(), key(u.GetNamespace(), u.GetName()), err)
	}
	e := &entry{raw: raw}
	e.APIVersion, e.Kind = u.GetAPIVersion(), u.GetKind()
	e.Name, e.Namespace, e.UID = u.GetName(), u.GetNamespace(), u.GetUID()
	e.ResourceVersion, e.Generation = u.GetResourceVersion(), u.GetGeneration()
	e.Labels, e.OwnerReferences = u.GetLabels(), u.GetOwnerReferences()
	e.DeletionTimestamp = u.GetDeletionTimestamp()
	return e, nil
}

// key is the store's key of an object: namespace/name, or name.
func key(namespace, name string) string {
	if namespace == "" {
		return name
	}
	return namespace + "/" + name
}

// object returns a new Object of the entry, bound to c: the caller's to
// change (nothing else holds its map), and Update sends only its changes.
func (e *entry) object(c *kobj.Client) (*kobj.Object, error) {
	return kobj.FromServerJSON(c, e.raw)
}

// decode returns the entry's content as a new map.
func (e *entry) decode() (map[string]any, error) {
	var m map[string]any
	if err := utiljson.Unmarshal(e.raw, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// controllerOf returns the controller ownerReference of the entry, if any.
func (e *entry) controllerOf() (metav1.OwnerReference, bool) {
	for _, r := range e.OwnerReferences {
		if r.Controller != nil && *r.Controller {
			return r, true
		}
	}
	return metav1.OwnerReference{}, false
}

// GetObjectKind and DeepCopyObject make entry a runtime.Object. Entries
// never change, so a copy is the entry itself.
func (e *entry) GetObjectKind() schema.ObjectKind { return &e.TypeMeta }
func (e *entry) DeepCopyObject() runtime.Object   { return e }
