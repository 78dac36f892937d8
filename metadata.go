package kobj

import (
	"fmt"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// The object's identity and metadata, in the vocabulary of apimachinery's
// metav1.Object.

// APIVersion returns the object's apiVersion, such as "apps/v1".
func (o *Object) APIVersion() string { return o.u.GetAPIVersion() }

// Kind returns the object's kind, such as "Deployment".
func (o *Object) Kind() string { return o.u.GetKind() }

// Name returns metadata.name, or "" if it is not set.
func (o *Object) Name() string { return o.u.GetName() }

// Namespace returns metadata.namespace, or "" if it is not set.
func (o *Object) Namespace() string { return o.u.GetNamespace() }

// UID returns metadata.uid, set by the server; "" before the object was
// created or read.
func (o *Object) UID() types.UID { return o.u.GetUID() }

// GroupVersionKind returns the object's group, version and kind, parsed
// from apiVersion and kind (an unparsable apiVersion gives empty group and
// version).
func (o *Object) GroupVersionKind() schema.GroupVersionKind { return o.u.GroupVersionKind() }

// Generation returns metadata.generation, which the server bumps on every
// change of the object's spec; 0 when not set.
func (o *Object) Generation() int64 { return o.u.GetGeneration() }

// OwnerReferences returns a copy of metadata.ownerReferences; nil when
// there are none.
func (o *Object) OwnerReferences() []metav1.OwnerReference { return o.u.GetOwnerReferences() }

// Finalizers returns a copy of metadata.finalizers; nil when there are none.
func (o *Object) Finalizers() []string { return o.u.GetFinalizers() }

// Labels returns a copy of metadata.labels; nil when there are none.
func (o *Object) Labels() map[string]string { return o.u.GetLabels() }

// Annotations returns a copy of metadata.annotations; nil when there are none.
func (o *Object) Annotations() map[string]string { return o.u.GetAnnotations() }

// ResourceVersion returns metadata.resourceVersion, or "" if it is not set.
func (o *Object) ResourceVersion() string { return o.u.GetResourceVersion() }

// SetName sets metadata.name and returns o, so that calls can be chained.
func (o *Object) SetName(name string) *Object { o.u.SetName(name); return o }

// SetNamespace sets metadata.namespace and returns o.
func (o *Object) SetNamespace(ns string) *Object { o.u.SetNamespace(ns); return o }

// SetLabel sets one label and returns o.
func (o *Object) SetLabel(key, value string) *Object {
	setStringInMap(o.u.Object, "labels", key, value)
	return o
}

// SetAnnotation sets one annotation and returns o.
func (o *Object) SetAnnotation(key, value string) *Object {
	setStringInMap(o.u.Object, "annotations", key, value)
	return o
}

func setStringInMap(obj map[string]any, field, key, value string) {
	md, ok := obj["metadata"].(map[string]any)
	if !ok {
		md = map[string]any{}
		obj["metadata"] = md
	}
	m, ok := md[field].(map[string]any)
	if !ok {
		m = map[string]any{}
		md[field] = m
	}
	m[key] = value
}

// SetLabels replaces metadata.labels with a copy of labels (nil or empty
// removes them) and returns o.
func (o *Object) SetLabels(labels map[string]string) *Object { o.u.SetLabels(labels); return o }

// SetAnnotations replaces metadata.annotations with a copy of annotations
// (nil or empty removes them) and returns o.
func (o *Object) SetAnnotations(annotations map[string]string) *Object {
	o.u.SetAnnotations(annotations)
	return o
}

// AddOwnerReference makes owner an owner of o, for garbage collection: o is
// deleted after owner is. With controller, owner is o's managing
// controller (at most one owner is) and blocks o's foreground deletion. The
// reference is appended to those o has; one to the same owner (by UID) is
// replaced. It fails, changing nothing, when owner lacks apiVersion, kind,
// name or UID (read or create it first), or when owner is namespaced and o
// is not in the same namespace: Kubernetes has no cross-namespace owners,
// and a cluster-scoped object cannot have a namespaced owner.
func (o *Object) AddOwnerReference(owner *Object, controller bool) error {
	if owner == nil {
		return errorf("AddOwnerReference", "nil owner")
	}
	ref := metav1.OwnerReference{APIVersion: owner.APIVersion(), Kind: owner.Kind(), Name: owner.Name(), UID: owner.UID()}
	if ref.APIVersion == "" || ref.Kind == "" || ref.Name == "" || ref.UID == "" {
		return errorf("AddOwnerReference", "the owner %s has no apiVersion, kind, name or uid; create or read it first", owner)
	}
	if ns := owner.Namespace(); ns != "" && ns != o.Namespace() {
		where := fmt.Sprintf("namespace %q", o.Namespace())
		if o.Namespace() == "" {
			where = "no namespace (a cluster-scoped object, or one whose namespace is not set yet)"
		}
		return errorf("AddOwnerReference", "the owner %s is in namespace %q, but %s has %s; owners must be in the object's namespace", owner, ns, o, where)
	}
	if controller {
		ref.Controller, ref.BlockOwnerDeletion = ptr.To(true), ptr.To(true)
		for _, r := range o.OwnerReferences() {
			if r.Controller != nil && *r.Controller && r.UID != ref.UID {
				return errorf("AddOwnerReference", "%s already has a controller, %s %s", o, r.Kind, r.Name)
			}
		}
	}
	refs := o.OwnerReferences()
	i := slices.IndexFunc(refs, func(r metav1.OwnerReference) bool { return r.UID == ref.UID })
	if i >= 0 {
		refs[i] = ref
	} else {
		refs = append(refs, ref)
	}
	o.u.SetOwnerReferences(refs)
	return nil
}
