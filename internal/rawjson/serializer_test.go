package rawjson

import (
	"fmt"
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// TestEventSerializer: a watch event's envelope decodes as client-go's
// stream serializer decodes it, in one pass.
func TestEventSerializer(t *testing.T) {
	stock := dynamic.ConfigFor(&rest.Config{}).NegotiatedSerializer.SupportedMediaTypes()[0].StreamSerializer.Serializer
	cfg, err := Config(&rest.Config{}, Full)
	if err != nil {
		t.Fatal(err)
	}
	types := cfg.NegotiatedSerializer.SupportedMediaTypes()
	if len(types) != 1 || types[0].MediaType != "application/json" {
		t.Fatalf("media types = %v", types)
	}
	ours := types[0].StreamSerializer.Serializer
	if _, ok := ours.(eventSerializer); !ok {
		t.Fatalf("stream serializer = %T", ours)
	}
	for _, data := range []string{
		`{"type":"ADDED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}}`,
		`{"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"5"}}}`,
		`{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","code":410}}`,
		`{"object":null,"type":"DELETED"}`,
		`{"type":"ADDED","object":{"a":1}, "x": 2}`,
		`{"type":"ADDED","object":`,
		`[]`,
	} {
		var want, got metav1.WatchEvent
		_, _, wantErr := stock.Decode([]byte(data), nil, &want)
		res, _, err := ours.Decode([]byte(data), nil, &got)
		if (err == nil) != (wantErr == nil) {
			t.Errorf("%s: error %v, want %v", data, err, wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if res != &got || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %s, want %s", data, fmt.Sprint(got.Type, string(got.Object.Raw)), fmt.Sprint(want.Type, string(want.Object.Raw)))
		}
	}
}
