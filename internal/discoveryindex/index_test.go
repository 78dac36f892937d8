package discoveryindex

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
)

// sample is an answer with the core group, apps and a group that failed.
func sample() *Answer {
	gv := func(g, v string) metav1.GroupVersionForDiscovery {
		return metav1.GroupVersionForDiscovery{GroupVersion: schema.GroupVersion{Group: g, Version: v}.String(), Version: v}
	}
	group := func(name string, versions ...metav1.GroupVersionForDiscovery) metav1.APIGroup {
		return metav1.APIGroup{Name: name, Versions: versions, PreferredVersion: versions[0]}
	}
	return &Answer{
		Groups: []metav1.APIGroup{group("", gv("", "v1")), group("apps", gv("apps", "v1")), group("metrics.k8s.io", gv("metrics.k8s.io", "v1beta1"))},
		Resources: []metav1.APIResourceList{
			{GroupVersion: "v1", APIResources: []metav1.APIResource{
				{Name: "pods/status", Namespaced: true, Kind: "Pod", Verbs: metav1.Verbs{"get", "patch"}},
				{Name: "pods", Namespaced: true, Kind: "Pod", Verbs: metav1.Verbs{"get", "list"}},
				{Name: "bindings", Namespaced: true, Kind: "Binding", Verbs: metav1.Verbs{"create"}},
				{Name: "pods/binding", Namespaced: true, Kind: "Binding", Verbs: metav1.Verbs{"create"}},
				{Name: "namespaces", Kind: "Namespace", Verbs: metav1.Verbs{"get"}},
				{Name: "orphans/status", Kind: "Orphan"},
				{Name: "kindless"},
			}},
			{GroupVersion: "apps/v1", APIResources: []metav1.APIResource{
				{Name: "deployments", Namespaced: true, Kind: "Deployment", Verbs: metav1.Verbs{"get"}},
				{Name: "deployments/scale", Namespaced: true, Group: "autoscaling", Version: "v1", Kind: "Scale"},
				{Name: "daemonsets", Namespaced: true, Kind: "DaemonSet"},
			}},
		},
		Failed: map[string]string{"metrics.k8s.io/v1beta1": "stale GroupVersion discovery: metrics.k8s.io/v1beta1"},
	}
}

func TestIndex(t *testing.T) {
	ix := New(sample())
	var all []string
	for _, r := range ix.All() {
		var subs []string
		for _, s := range r.Subresources {
			subs = append(subs, s.Name+":"+s.Kind)
		}
		all = append(all, r.APIVersion()+" "+r.Kind+" "+r.Resource+" "+strings.Join(subs, ","))
	}
	want := []string{
		"v1 Pod pods status:Pod,binding:Binding", "v1 Binding bindings ", "v1 Namespace namespaces ",
		"apps/v1 Deployment deployments scale:Scale", "apps/v1 DaemonSet daemonsets ",
	}
	if !slices.Equal(all, want) {
		t.Errorf("All:\n got %q\nwant %q", all, want)
	}
	for _, tt := range []struct {
		apiVersion, kind, resource string
	}{
		{"v1", "Pod", "pods"},
		{"v1", "Binding", "bindings"}, // the resource, not the pods/binding subresource
		{"apps/v1", "Deployment", "deployments"},
		{"apps/v1", "Scale", ""}, // only a subresource's kind
		{"v1", "Deployment", ""},
		{"metrics.k8s.io/v1beta1", "NodeMetrics", ""},
	} {
		got := ""
		if r := ix.Kind(tt.apiVersion, tt.kind); r != nil {
			got = r.Resource
		}
		if got != tt.resource {
			t.Errorf("Kind(%s, %s) = %q, want %q", tt.apiVersion, tt.kind, got, tt.resource)
		}
	}
	if r := ix.Kind("v1", "Pod"); r.Namespaced != true || !r.Has("list") || r.Has("create") {
		t.Errorf("Pod: %+v", r)
	}
	if !ix.Serves("apps/v1") || ix.Serves("metrics.k8s.io/v1beta1") || ix.Serves("apps/v2") {
		t.Error("Serves: apps/v1 served, metrics.k8s.io/v1beta1 and apps/v2 not")
	}
	if _, failed := ix.Failed("metrics.k8s.io/v1beta1"); !failed || ix.Complete() {
		t.Error("metrics.k8s.io/v1beta1 failed: the answer is not complete")
	}
}

func TestSuggestions(t *testing.T) {
	ix := New(sample())
	for _, tt := range []struct {
		apiVersion, kind string
		want             []string
	}{
		{"apps/v1", "Deploymnet", []string{"did you mean Deployment?"}},
		{"apps/v1", "deployment", []string{"did you mean Deployment?"}},
		{"extensions/v1beta1", "Deployment", []string{"Deployment is served in apps/v1"}},
		{"v1", "Fooo", nil},
		{"metrics.k8s.io/v1beta1", "NodeMetrics", []string{
			"the server could not describe metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1"}},
	} {
		if got := ix.Suggestions(tt.apiVersion, tt.kind); !slices.Equal(got, tt.want) {
			t.Errorf("Suggestions(%s, %s) = %q, want %q", tt.apiVersion, tt.kind, got, tt.want)
		}
	}
}

// TestFetchKeepsServerOrder: client-go returns aggregated resource lists in
// map order; Fetch puts them back in the order of the groups.
func TestFetchKeepsServerOrder(t *testing.T) {
	const agg = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
	var groups []string
	for _, g := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		groups = append(groups, `{"metadata":{"name":"`+g+`.example.com"},"versions":[{"version":"v1","resources":[
 {"resource":"things","responseKind":{"group":"`+g+`.example.com","version":"v1","kind":"Thing"},"scope":"Cluster","verbs":["get"]}]}]}`)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", agg)
		if r.URL.Path == "/api" {
			io.WriteString(w, `{"kind":"APIGroupDiscoveryList","items":[]}`)
			return
		}
		io.WriteString(w, `{"kind":"APIGroupDiscoveryList","items":[`+strings.Join(groups, ",")+`]}`)
	}))
	defer srv.Close()
	dc, err := discovery.NewDiscoveryClientForConfig(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for range 5 { // map order differs from run to run
		a, err := Fetch(context.Background(), dc, now)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range a.Resources {
			got = append(got, l.GroupVersion)
		}
		want := []string{"a.example.com/v1", "b.example.com/v1", "c.example.com/v1", "d.example.com/v1",
			"e.example.com/v1", "f.example.com/v1", "g.example.com/v1", "h.example.com/v1"}
		if !slices.Equal(got, want) || !a.Fetched.Equal(now) {
			t.Fatalf("Fetch: lists %q at %v, want %q at %v", got, a.Fetched, want, now)
		}
	}
}
