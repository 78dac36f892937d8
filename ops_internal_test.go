package kobj

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// warmOpsClient returns a client whose discovery and operation index are
// loaded, and clears the request log, so that tests can count the
// requests of the call alone.
func warmOpsClient(t *testing.T) (*opsServer, *Client) {
	t.Helper()
	s := newOpsServer(t)
	c := s.client(t.TempDir())
	ctx := context.Background()
	for _, name := range []string{"createCoreV1NamespacedPod", "createAutoscalingV2NamespacedHorizontalPodAutoscaler", "createAutoscalingV1NamespacedHorizontalPodAutoscaler", "getCodeVersion"} {
		if _, err := c.ops.Resolve(ctx, name, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.disc.lookup(ctx, "v1", "Pod"); err != nil {
		t.Fatal(err)
	}
	s.requests()
	return s, c
}

func pod(t *testing.T, ns string) *Object {
	t.Helper()
	o := New("v1", "Pod").SetName("p")
	if ns != "" {
		o.SetNamespace(ns)
	}
	if err := o.Set("spec.containers[0]", map[string]any{"name": "c", "image": "busybox"}); err != nil {
		t.Fatal(err)
	}
	return o
}

// TestCallRequests is the golden test of what Call sends.
func TestCallRequests(t *testing.T) {
	tests := []struct {
		name   string
		call   func(c *Client) (*Response, error)
		want   recordedCall
		object bool // the answer is an object
	}{
		{"client call with query parameters",
			func(c *Client) (*Response, error) {
				return c.Call(context.Background(), "listNamespacedPod", Args{"namespace": "ns", "labelSelector": "app=web", "limit": 5, "allowWatchBookmarks": false})
			},
			recordedCall{Method: "GET", Path: "/api/v1/namespaces/ns/pods", Query: "allowWatchBookmarks=false&labelSelector=app%3Dweb&limit=5"}, false},
		{"object call takes body, name and namespace from the object",
			func(c *Client) (*Response, error) {
				return pod(t, "shop").Call(context.Background(), "createNamespacedPod", Args{"dryRun": "All"}, WithClient(c))
			},
			recordedCall{Method: "POST", Path: "/api/v1/namespaces/shop/pods", Query: "dryRun=All", ContentType: "application/json",
				Body: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"shop"},"spec":{"containers":[{"image":"busybox","name":"c"}]}}`}, true},
		{"object without namespace gets the client's default",
			func(c *Client) (*Response, error) {
				return pod(t, "").Call(context.Background(), "readNamespacedPod", nil, WithClient(c))
			},
			recordedCall{Method: "GET", Path: "/api/v1/namespaces/default/pods/p"}, false},
		{"patch type from PatchAs",
			func(c *Client) (*Response, error) {
				return c.Call(context.Background(), "patchCoreV1NamespacedPod", Args{"namespace": "ns", "name": "p", "body": `[{"op":"add","path":"/metadata/labels","value":{"a":"b"}}]`}, PatchAs(JSONPatch))
			},
			recordedCall{Method: "PATCH", Path: "/api/v1/namespaces/ns/pods/p", ContentType: "application/json-patch+json",
				Body: `[{"op":"add","path":"/metadata/labels","value":{"a":"b"}}]`}, false},
		{"short name picked by the object's apiVersion",
			func(c *Client) (*Response, error) {
				hpa := New("autoscaling/v2", "HorizontalPodAutoscaler").SetName("h").SetNamespace("ns")
				return hpa.Call(context.Background(), "readNamespacedHorizontalPodAutoscaler", nil, WithClient(c))
			},
			recordedCall{Method: "GET", Path: "/apis/autoscaling/v2/namespaces/ns/horizontalpodautoscalers/h"}, false},
		{"path parameters are escaped",
			func(c *Client) (*Response, error) {
				return c.Call(context.Background(), "readCoreV1Namespace", Args{"name": "a b?c"})
			},
			recordedCall{Method: "GET", Path: "/api/v1/namespaces/a b?c"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := warmOpsClient(t)
			resp, err := tt.call(c)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.calls) != 1 {
				t.Fatalf("server saw %d calls, want 1: %+v", len(s.calls), s.calls)
			}
			got := s.calls[0]
			got.Path = strings.Replace(got.Path, "%2F", "/", 1)
			if got != tt.want {
				t.Errorf("request\n got %+v\nwant %+v", got, tt.want)
			}
			if (resp.Object != nil) != tt.object || resp.Code != http.StatusOK {
				t.Errorf("response code %d, object %v", resp.Code, resp.Object)
			}
		})
	}
}

// TestCallRejectsBadArgumentsBeforeAnyRequest checks every argument error
// and that no request was sent for it.
func TestCallRejectsBadArgumentsBeforeAnyRequest(t *testing.T) {
	tests := []struct {
		name string
		call func(c *Client) (*Response, error)
		want string
		// allowed are the requests the call may make: an unknown name
		// refetches the OpenAPI root once, in case a CRD just appeared.
		allowed []string
	}{
		{"unknown operation", func(c *Client) (*Response, error) {
			return c.Call(context.Background(), "createNamespacedPood", Args{"namespace": "ns"})
		}, "createNamespacedPod", []string{"/openapi/v3"}},
		{"unknown parameter", func(c *Client) (*Response, error) {
			return c.Call(context.Background(), "listCoreV1NamespacedPod", Args{"namespace": "ns", "labelselector": "a=b"})
		}, `unknown parameter "labelselector" (did you mean "labelSelector"?)`, nil},
		{"missing required parameter", func(c *Client) (*Response, error) {
			return c.Call(context.Background(), "listCoreV1NamespacedPod", nil)
		}, `missing required path parameter "namespace"`, nil},
		{"wrong type", func(c *Client) (*Response, error) {
			return c.Call(context.Background(), "listCoreV1NamespacedPod", Args{"namespace": "ns", "limit": "ten"})
		}, `parameter "limit": want an integer, got string ten`, nil},
		{"wrong type bool", func(c *Client) (*Response, error) {
			return c.Call(context.Background(), "listCoreV1NamespacedPod", Args{"namespace": "ns", "allowWatchBookmarks": "yes"})
		}, `want a bool`, nil},
		{"missing body", func(c *Client) (*Response, error) {
			return c.Call(context.Background(), "createCoreV1NamespacedPod", Args{"namespace": "ns"})
		}, "missing the required body (a Pod)", nil},
		{"body not JSON", func(c *Client) (*Response, error) {
			return c.Call(context.Background(), "createCoreV1NamespacedPod", Args{"namespace": "ns", "body": "{nope"})
		}, "not valid JSON", nil},
		{"body where none is taken", func(c *Client) (*Response, error) {
			return c.Call(context.Background(), "getCodeVersion", Args{"body": "{}"})
		}, "takes no body", nil},
		{"ambiguous short name", func(c *Client) (*Response, error) {
			return c.Call(context.Background(), "createNamespacedHorizontalPodAutoscaler", Args{"namespace": "ns", "body": "{}"})
		}, "createAutoscalingV2NamespacedHorizontalPodAutoscaler", nil},
		{"namespace disagrees with metadata", func(c *Client) (*Response, error) {
			return pod(t, "a").Call(context.Background(), "createNamespacedPod", Args{"namespace": "b"}, WithClient(c))
		}, `namespace "b" given in args, but metadata.namespace is "a"`, nil},
		{"watch", func(c *Client) (*Response, error) {
			return c.Call(context.Background(), "listCoreV1NamespacedPod", Args{"namespace": "ns", "watch": true})
		}, "use Watch", nil},
		{"follow", func(c *Client) (*Response, error) {
			return c.Call(context.Background(), "readCoreV1NamespacedPodLog", Args{"namespace": "ns", "name": "p", "follow": true})
		}, "use CallStream", nil},
		{"connect", func(c *Client) (*Response, error) {
			return c.Call(context.Background(), "connectCoreV1GetNamespacedPodExec", Args{"namespace": "ns", "name": "p"})
		}, "use Object.Exec", nil},
		{"patch type the operation does not accept", func(c *Client) (*Response, error) {
			return c.Call(context.Background(), "patchCoreV1NamespacedPod", Args{"namespace": "ns", "name": "p", "body": "{}"}, PatchAs("application/yaml"))
		}, "is not accepted", nil},
		{"PatchAs on a non-patch operation", func(c *Client) (*Response, error) {
			return c.Call(context.Background(), "createCoreV1NamespacedPod", Args{"namespace": "ns", "body": "{}"}, PatchAs(MergePatch))
		}, "not a patch operation", nil},
		{"a path parameter client-go would refuse", func(c *Client) (*Response, error) {
			return c.Call(context.Background(), "readCoreV1Namespace", Args{"name": "a/b"})
		}, "may not contain '/'", nil},
		{"JSON patch that is not a list", func(c *Client) (*Response, error) {
			return c.Call(context.Background(), "patchCoreV1NamespacedPod", Args{"namespace": "ns", "name": "p", "body": "{}"}, PatchAs(JSONPatch))
		}, "must be a list", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := warmOpsClient(t)
			tt.call(c) // the first call may load what the index lacks
			s.requests()
			_, err := tt.call(c)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
			if got := s.requests(); !slices.Equal(got, tt.allowed) {
				t.Errorf("requests sent: %q, want %q", got, tt.allowed)
			}
		})
	}
}

func TestCallServerErrorsAreStatusErrors(t *testing.T) {
	s, c := warmOpsClient(t)
	s.answer = func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404,"message":"pods \"p\" not found"}`))
	}
	resp, err := c.Call(context.Background(), "readCoreV1NamespacedPod", Args{"namespace": "ns", "name": "p"})
	if !apierrors.IsNotFound(err) || resp == nil || resp.Code != 404 {
		t.Fatalf("got %v, %v; want a NotFound StatusError with the response", resp, err)
	}
}

func TestCallAsyncFutures(t *testing.T) {
	s, c := warmOpsClient(t)
	block := make(chan struct{})
	s.answer = func(w http.ResponseWriter, r *http.Request, body []byte) {
		<-block
		w.Write([]byte(`{"major":"1","minor":"37","gitVersion":"v1.37.2"}`))
	}
	f := c.CallAsync(context.Background(), "getCodeVersion", nil)
	select {
	case <-f.Done():
		t.Fatal("future done before the server answered")
	default:
	}
	if err := f.Wait(10 * 1e6); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait before the answer = %v, want DeadlineExceeded", err)
	}
	close(block)
	obj, code, _, err := f.Get(context.Background())
	if err != nil || code != 200 || obj != nil {
		t.Fatalf("Get = %v, %d, %v; want no object (not a Kubernetes object), 200", obj, code, err)
	}
	var v struct{ GitVersion string }
	if err := f.Decode(&v); err != nil || v.GitVersion != "v1.37.2" {
		t.Errorf("Decode = %+v, %v", v, err)
	}
	// A canceled context ends a pending future with context.Canceled.
	s.answer = func(w http.ResponseWriter, r *http.Request, body []byte) { <-r.Context().Done() }
	ctx, cancel := context.WithCancel(context.Background())
	f = c.CallAsync(ctx, "getCodeVersion", nil)
	cancel()
	if _, _, _, err := f.Get(context.Background()); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled future: %v, want context.Canceled", err)
	}
}
