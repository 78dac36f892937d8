package operator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/kobj-dev/kobj/internal/watchstore"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"
)

// The cache keeps each object as the JSON the server sent. client-go's
// dynamic client decodes every object of a list or watch into maps, which
// the cache would then encode again and drop: most of the work of a sync,
// thrown away. So the informers' dynamic client decodes with rawSerializer
// instead: an object of a list or watch is read once for its metadata
// (name, namespace, labels...; not its managedFields or content) and its
// bytes are kept as they came. The informer then has an Unstructured that
// carries them (rawField), which its transform (toEntry) turns into the
// entry without encoding anything. Anything else the server answers (a
// Status, a bookmark, a list of another shape) is decoded as client-go
// does. With StripManagedFields or Transform, which edit the content, the
// bytes are decoded into a map after all.

// rawField is the key of an Unstructured's map that holds its *rawObject;
// no JSON field can be named so.
const rawField = "\x00kobj-raw"

// rawObject is an object as the server sent it, with its metadata read.
type rawObject struct {
	raw  []byte
	lite liteObject
}

// liteObject is the part of an object that decoding reads.
type liteObject struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Metadata   liteMeta `json:"metadata"`
}

// liteMeta is what an entry keeps of an object's metadata (see entry).
type liteMeta struct {
	Name              string                  `json:"name"`
	Namespace         string                  `json:"namespace"`
	UID               types.UID               `json:"uid"`
	ResourceVersion   string                  `json:"resourceVersion"`
	Generation        int64                   `json:"generation"`
	Labels            map[string]string       `json:"labels"`
	OwnerReferences   []metav1.OwnerReference `json:"ownerReferences"`
	DeletionTimestamp *metav1.Time            `json:"deletionTimestamp"`
}

// entry returns the entry of r.
func (r *rawObject) entry() *entry {
	e := &entry{raw: r.raw}
	m := &r.lite.Metadata
	e.APIVersion, e.Kind = r.lite.APIVersion, r.lite.Kind
	e.Name, e.Namespace, e.UID = m.Name, m.Namespace, m.UID
	e.ResourceVersion, e.Generation = m.ResourceVersion, m.Generation
	e.Labels, e.OwnerReferences = m.Labels, m.OwnerReferences
	e.DeletionTimestamp = m.DeletionTimestamp
	return e
}

// decodeRaw reads the object data encodes, whose apiVersion and kind, when
// the server left them out (the items of a built-in kind's list), are
// apiVersion and kind. It returns false for what is not a named object,
// for client-go's decoder to handle.
func decodeRaw(data []byte, apiVersion, kind string) (*unstructured.Unstructured, bool) {
	r := &rawObject{}
	if err := utiljson.Unmarshal(data, &r.lite); err != nil || r.lite.Metadata.Name == "" {
		return nil, false
	}
	switch {
	case r.lite.APIVersion == "" && r.lite.Kind == "" && apiVersion != "" && kind != "":
		r.lite.APIVersion, r.lite.Kind = apiVersion, kind
		data = withTypeMeta(data, apiVersion, kind)
	case r.lite.APIVersion == "" || r.lite.Kind == "" || r.lite.Kind == "Status":
		return nil, false
	}
	r.raw = data
	m := &r.lite.Metadata
	md := map[string]any{"name": m.Name, "resourceVersion": m.ResourceVersion}
	if m.Namespace != "" {
		md["namespace"] = m.Namespace
	}
	if m.UID != "" {
		md["uid"] = string(m.UID)
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": r.lite.APIVersion, "kind": r.lite.Kind, "metadata": md, rawField: r}}, true
}

// withTypeMeta returns the JSON object data with apiVersion and kind
// first.
func withTypeMeta(data []byte, apiVersion, kind string) []byte {
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

// rawSerializer is client-go's dynamic serializer, except that it decodes
// the objects of lists and watches with decodeRaw.
type rawSerializer struct{ runtime.Serializer }

// Decode decodes a list (into an UnstructuredList) or a watch event's
// object (into nothing) with decodeRaw, anything else as client-go does.
func (s rawSerializer) Decode(data []byte, defaults *schema.GroupVersionKind, into runtime.Object) (runtime.Object, *schema.GroupVersionKind, error) {
	switch into := into.(type) {
	case nil:
		if u, ok := decodeRaw(data, "", ""); ok {
			gvk := u.GroupVersionKind()
			return u, &gvk, nil
		}
	case *unstructured.UnstructuredList:
		if gvk, ok := decodeRawList(data, into); ok {
			return into, &gvk, nil
		}
	}
	return s.Serializer.Decode(data, defaults, into)
}

// decodeRawList decodes a list into l with decodeRaw, or returns false
// with l untouched.
func decodeRawList(data []byte, l *unstructured.UnstructuredList) (schema.GroupVersionKind, bool) {
	var list struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Metadata   metav1.ListMeta   `json:"metadata"`
		Items      []json.RawMessage `json:"items"`
	}
	if err := utiljson.Unmarshal(data, &list); err != nil || !strings.HasSuffix(list.Kind, "List") || list.APIVersion == "" {
		return schema.GroupVersionKind{}, false
	}
	itemKind := strings.TrimSuffix(list.Kind, "List")
	items := make([]unstructured.Unstructured, len(list.Items))
	for i, raw := range list.Items {
		u, ok := decodeRaw(raw, list.APIVersion, itemKind)
		if !ok {
			return schema.GroupVersionKind{}, false
		}
		items[i] = *u
	}
	l.Object = map[string]any{"apiVersion": list.APIVersion, "kind": list.Kind}
	l.SetResourceVersion(list.Metadata.ResourceVersion)
	l.SetContinue(list.Metadata.Continue)
	if list.Metadata.RemainingItemCount != nil {
		l.SetRemainingItemCount(list.Metadata.RemainingItemCount)
	}
	l.Items = items
	return l.GroupVersionKind(), true
}

// rawNegotiator is client-go's dynamic negotiated serializer with its JSON
// serializer replaced by rawSerializer, and JSON only.
type rawNegotiator struct {
	runtime.NegotiatedSerializer
	types []runtime.SerializerInfo
}

func (n rawNegotiator) SupportedMediaTypes() []runtime.SerializerInfo { return n.types }

// rawResource is a watchstore.Resource over the dynamic client whose
// objects decodeRaw reads.
type rawResource struct {
	dynamic.ResourceInterface
}

// newRawResource is watchstore.NewResource with rawSerializer, for the
// resource gvr in namespace ns ("" for all, or cluster-scoped).
func newRawResource(cfg *rest.Config, hc *http.Client, limiter flowcontrol.RateLimiter, gvr schema.GroupVersionResource, ns string) (watchstore.Resource, error) {
	cfg = dynamic.ConfigFor(cfg)
	cfg.AcceptContentTypes = "application/json"
	cfg.ContentType = "application/json"
	var types []runtime.SerializerInfo
	for _, info := range cfg.NegotiatedSerializer.SupportedMediaTypes() {
		if info.MediaType == runtime.ContentTypeJSON {
			info.Serializer = rawSerializer{info.Serializer}
			types = append(types, info)
		}
	}
	if len(types) == 0 {
		return nil, fmt.Errorf("client-go's dynamic client has no JSON serializer")
	}
	cfg.NegotiatedSerializer = rawNegotiator{cfg.NegotiatedSerializer, types}
	// As watchstore.NewResource: no timeout (it would cut every watch),
	// kobj's limiter or none.
	cfg.Timeout = 0
	cfg.RateLimiter = limiter
	if limiter == nil {
		cfg.QPS = -1
	}
	cfg.GroupVersion = nil
	cfg.APIPath = "/if-you-see-this-search-for-the-break"
	client := *hc
	client.Timeout = 0
	rc, err := rest.UnversionedRESTClientForConfigAndClient(cfg, &client)
	if err != nil {
		return nil, err
	}
	ri := dynamic.New(rc).Resource(gvr)
	if ns != "" {
		return rawResource{ri.Namespace(ns)}, nil
	}
	return rawResource{ri}, nil
}

// Check lists once; the cache never resumes from a checkpoint, the only
// use watchstore makes of it.
func (r rawResource) Check(ctx context.Context, opts metav1.ListOptions) error {
	_, err := r.List(ctx, opts)
	return err
}
