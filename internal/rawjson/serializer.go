package rawjson

import (
	"encoding/json"
	"errors"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// Config returns client-go's dynamic client configuration for cfg
// (dynamic.ConfigFor), JSON only, with its JSON serializer's decoder
// replaced by Decode in mode for the objects of lists and watch events.
// It fails when client-go's dynamic client offers no JSON serializer.
func Config(cfg *rest.Config, mode Mode) (*rest.Config, error) {
	cfg = dynamic.ConfigFor(cfg)
	cfg.AcceptContentTypes = runtime.ContentTypeJSON
	cfg.ContentType = runtime.ContentTypeJSON
	var types []runtime.SerializerInfo
	for _, info := range cfg.NegotiatedSerializer.SupportedMediaTypes() {
		if info.MediaType == runtime.ContentTypeJSON && info.StreamSerializer != nil {
			info.Serializer = serializer{info.Serializer, mode}
			stream := *info.StreamSerializer
			stream.Serializer = eventSerializer{stream.Serializer}
			info.StreamSerializer = &stream
			types = append(types, info)
		}
	}
	if len(types) == 0 {
		return nil, errors.New("client-go's dynamic client has no JSON serializer")
	}
	cfg.NegotiatedSerializer = negotiator{cfg.NegotiatedSerializer, types}
	return cfg, nil
}

// serializer is client-go's dynamic serializer, except that it decodes the
// objects of lists and watches with Decode.
type serializer struct {
	runtime.Serializer
	mode Mode
}

// Decode decodes a list (into an UnstructuredList) or a watch event's
// object (into nothing) with Decode, anything else as client-go does.
func (s serializer) Decode(data []byte, defaults *schema.GroupVersionKind, into runtime.Object) (runtime.Object, *schema.GroupVersionKind, error) {
	switch into := into.(type) {
	case nil:
		if u, ok := Decode(data, "", "", s.mode); ok {
			gvk := u.GroupVersionKind()
			return u, &gvk, nil
		}
	case *unstructured.UnstructuredList:
		if gvk, ok := decodeList(data, into, s.mode); ok {
			return into, &gvk, nil
		}
	}
	return s.Serializer.Decode(data, defaults, into)
}

// eventSerializer is client-go's serializer of watch streams, except that
// it decodes a watch event's envelope in one pass. client-go's reads each
// event twice (once for an apiVersion and kind that a watch event does
// not have, then into the WatchEvent), which costs as much as a third of
// decoding the object itself.
type eventSerializer struct{ runtime.Serializer }

// Decode decodes a watch event into a *metav1.WatchEvent as client-go
// would (its object's bytes copied), anything else, or an event that does
// not decode, as client-go does.
func (s eventSerializer) Decode(data []byte, defaults *schema.GroupVersionKind, into runtime.Object) (runtime.Object, *schema.GroupVersionKind, error) {
	if ev, ok := into.(*metav1.WatchEvent); ok {
		var got metav1.WatchEvent
		if err := utiljson.Unmarshal(data, &got); err == nil {
			*ev = got
			gvk := schema.GroupVersionKind{Version: "v1", Kind: "WatchEvent"}
			return ev, &gvk, nil
		}
	}
	return s.Serializer.Decode(data, defaults, into)
}

// decodeList decodes a list into l with Decode, or returns false with l
// untouched.
func decodeList(data []byte, l *unstructured.UnstructuredList, mode Mode) (schema.GroupVersionKind, bool) {
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
		// Each item's bytes are its own (json.RawMessage copies them), so
		// an item kept does not keep the whole list's body.
		u, ok := Decode(raw, list.APIVersion, itemKind, mode)
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

// negotiator is client-go's dynamic negotiated serializer with its JSON
// serializer replaced by serializer, and JSON only.
type negotiator struct {
	runtime.NegotiatedSerializer
	types []runtime.SerializerInfo
}

func (n negotiator) SupportedMediaTypes() []runtime.SerializerInfo { return n.types }
