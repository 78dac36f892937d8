package kobj_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kobj-dev/kobj"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"
)

// An object from FromServerJSON acts as one a Read returned: Update sends
// only what changed since the server's copy, a cleared field included.
func TestFromServerJSONUpdateSendsTheDiff(t *testing.T) {
	f := newFakeAPI(t, "")
	c := f.client()
	body := []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"web","namespace":"shop","resourceVersion":"7"},"data":{"a":"1","b":"2"}}`)
	f.put("/api/v1/namespaces/shop/configmaps/web", map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "web", "namespace": "shop"}, "data": map[string]any{"a": "1", "b": "2"}})
	f.requests()
	o, err := kobj.FromServerJSON(c, body)
	if err != nil {
		t.Fatal(err)
	}
	if o.Client() != c {
		t.Error("the object is not bound to the client it was made with")
	}
	o.Set("data.a", "10")
	o.Remove("data.b")
	_, _ = o.Update(context.Background())
	reqs := f.requests()
	if len(reqs) != 1 || reqs[0].Method != "PATCH" {
		t.Fatalf("requests = %+v, want one PATCH", reqs)
	}
	if want := `{"data":{"a":"10","b":null},"metadata":{"resourceVersion":"7"}}`; reqs[0].Body != want {
		t.Errorf("patch = %s, want %s", reqs[0].Body, want)
	}
}

func TestFromServerJSONRefusesWhatFromJSONRefuses(t *testing.T) {
	for _, body := range []string{``, `null`, `[1]`, `{"kind":"ConfigMap"}`, `{"apiVersion":"v1","kind":""}`} {
		if _, err := kobj.FromServerJSON(nil, []byte(body)); err == nil || !strings.Contains(err.Error(), "FromServerJSON") {
			t.Errorf("FromServerJSON(%q) = %v, want an error naming FromServerJSON", body, err)
		}
	}
}

// RESTConfig hands client-go machinery kobj's limiter (or none) and leaves
// the client's own configuration alone.
func TestRESTConfigCarriesTheClientsLimits(t *testing.T) {
	base := &rest.Config{Host: "https://example.invalid:6443"}
	free, err := kobj.NewClient(base, kobj.CacheDir(""))
	if err != nil {
		t.Fatal(err)
	}
	cfg := free.RESTConfig()
	if cfg.QPS >= 0 || cfg.RateLimiter != nil {
		t.Errorf("no rate limit: QPS %v limiter %v, want QPS < 0 and no limiter (client-go would apply 5 QPS)", cfg.QPS, cfg.RateLimiter)
	}
	cfg.Host = "changed"
	if free.Host() == "changed" || free.RESTConfig().Host == "changed" {
		t.Error("changing RESTConfig's answer changed the client")
	}
	limited, err := kobj.NewClient(base, kobj.CacheDir(""), kobj.RateLimit(3, 4))
	if err != nil {
		t.Fatal(err)
	}
	l, ok := limited.RESTConfig().RateLimiter.(flowcontrol.RateLimiter)
	if !ok || l.QPS() != 3 {
		t.Errorf("RateLimit(3, 4): RESTConfig's limiter = %v, want the client's (3 QPS)", l)
	}
	if limited.HTTPClient() == nil || limited.HTTPClient() != limited.HTTPClient() {
		t.Error("HTTPClient is not the client's one transport")
	}
}
