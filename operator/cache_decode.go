package operator

import "github.com/kobj-dev/kobj/internal/rawjson"

// The cache keeps each object as the JSON the server sent. client-go's
// dynamic client decodes every object of a list or watch into maps, which
// the cache would then encode again and drop: most of the work of a sync,
// thrown away. So the informers' client is watchstore.NewResource's in
// rawjson.Metadata mode: an object of a list or watch is read once for its
// metadata (name, namespace, labels...; not its managedFields or content)
// and its bytes are kept as they came. The informer then has an
// Unstructured that carries them (rawjson.Of), which its transform
// (toEntry) turns into the entry with rawEntry, without encoding anything.
// Anything else the server answers (a Status, a bookmark, a list of
// another shape) is decoded as client-go does. With StripManagedFields or
// Transform, which edit the content, the bytes are decoded into a map
// after all.

// rawEntry returns the entry of r, an object rawjson decoded in Metadata
// mode.
func rawEntry(r *rawjson.Object) *entry {
	e := &entry{raw: r.Raw}
	m := &r.Meta.Metadata
	e.APIVersion, e.Kind = r.Meta.APIVersion, r.Meta.Kind
	e.Name, e.Namespace, e.UID = m.Name, m.Namespace, m.UID
	e.ResourceVersion, e.Generation = m.ResourceVersion, m.Generation
	e.Labels, e.OwnerReferences = m.Labels, m.OwnerReferences
	e.DeletionTimestamp = m.DeletionTimestamp
	return e
}
