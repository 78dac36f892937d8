package kobj

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/kobj-dev/kobj/internal/fieldpath"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func sampleDeployment(t *testing.T) *Object {
	t.Helper()
	objs, err := LoadString(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations: {"example.com/owner": team-a}
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: web
        image: web:1
        ports: [{containerPort: 80}]
      - name: sidecar
        image: proxy:2
`)
	if err != nil {
		t.Fatal(err)
	}
	return objs[0]
}

func TestGet(t *testing.T) {
	o := sampleDeployment(t)
	tests := []struct {
		path string
		want any
		ok   bool
	}{
		{"spec.replicas", int64(2), true},
		{"spec.template.spec.containers[0].image", "web:1", true},
		{"spec.template.spec.containers.0.image", "web:1", true},
		{"spec.template.spec.containers[-1].name", "sidecar", true},
		{"spec.template.spec.containers[1].ports", nil, false},
		{"spec.template.spec.containers[2]", nil, false},
		{`metadata.annotations["example.com/owner"]`, "team-a", true},
		{`metadata.annotations.example\.com/owner`, "team-a", true},
		{"spec.replicas.x", nil, false},
		{"spec.missing", nil, false},
		{"spec..replicas", nil, false},
		{"spec[0]", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, ok := o.Get(tt.path)
			if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Get(%q) = %#v, %v; want %#v, %v", tt.path, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestSet(t *testing.T) {
	tests := []struct {
		path    string
		value   any
		want    any    // read back with Get(path)
		wantErr string // substring of the error, naming the path
	}{
		{"spec.replicas", 5, int64(5), ""},
		{"spec.template.spec.containers[0].image", "web:2", "web:2", ""},
		{"spec.template.spec.containers.1.image", "proxy:3", "proxy:3", ""},
		{"spec.template.spec.containers[2]", map[string]any{"name": "third"}, map[string]any{"name": "third"}, ""},
		{"spec.new.deep.field", true, true, ""},
		{"spec.list[0]", "first", "first", ""},
		{"metadata.labels", map[string]string{"a": "b"}, map[string]any{"a": "b"}, ""},
		{"spec.replicas.x", 1, nil, `at "spec.replicas": cannot set a field inside an integer`},
		{"spec.template.spec.containers[5]", "x", nil, `index 5 out of range for a list of 2`},
		{"spec.template.spec.containers.name", "x", nil, `field "name" used on a list`},
		{"metadata[0]", "x", nil, `list index [0] used on a map`},
		{"spec.bad", make(chan int), nil, `cannot be stored`},
		{"spec..x", 1, nil, `empty field name`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			o := sampleDeployment(t)
			before := o.DeepCopy()
			err := o.Set(tt.path, tt.value)
			if tt.wantErr != "" {
				var pe *PathError
				if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), tt.path) {
					t.Fatalf("Set(%q) error = %v, want a *PathError naming the path and saying %q", tt.path, err, tt.wantErr)
				}
				if !o.Equal(before) {
					t.Errorf("failed Set changed the object: %v", before.Diff(o))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := o.Get(tt.path); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("after Set, Get(%q) = %#v, want %#v", tt.path, got, tt.want)
			}
		})
	}
}

func TestTypedGetters(t *testing.T) {
	o := sampleDeployment(t)
	if n, err := o.GetInt64("spec.replicas"); err != nil || n != 2 {
		t.Errorf("GetInt64 = %d, %v", n, err)
	}
	if _, err := o.GetString("spec.replicas"); err == nil || !strings.Contains(err.Error(), "want a string, found integer 2") {
		t.Errorf("GetString of an integer: %v", err)
	}
	if _, err := o.GetBool("spec.paused"); !errors.Is(err, ErrPathNotFound) {
		t.Errorf("GetBool of a missing field: %v, want ErrPathNotFound", err)
	}
	if l, err := o.GetSlice("spec.template.spec.containers"); err != nil || len(l) != 2 {
		t.Errorf("GetSlice = %v, %v", l, err)
	}
	if m, err := o.GetMap("metadata.annotations"); err != nil || m["example.com/owner"] != "team-a" {
		t.Errorf("GetMap = %v, %v", m, err)
	}
}

func TestFindByName(t *testing.T) {
	o := sampleDeployment(t)
	got := o.FindByName("image")
	want := []string{"spec.template.spec.containers[0].image", "spec.template.spec.containers[1].image"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("FindByName(image) = %v, want %v", got, want)
	}
	for _, p := range append(got, o.FindByName("example.com/owner")...) {
		if _, ok := o.Get(p); !ok {
			t.Errorf("path %q from FindByName does not work with Get", p)
		}
	}
}

func TestTypedRoundTrip(t *testing.T) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", Labels: map[string]string{"a": "b"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
	}
	o, err := FromTyped(pod)
	if err != nil {
		t.Fatal(err)
	}
	if o.APIVersion() != "v1" || o.Kind() != "Pod" || o.Name() != "p" {
		t.Errorf("FromTyped: %s", o)
	}
	var back corev1.Pod
	if err := o.Into(&back); err != nil {
		t.Fatal(err)
	}
	if back.Spec.Containers[0].Image != "busybox" || back.Labels["a"] != "b" {
		t.Errorf("Into lost data: %+v", back)
	}
	if _, err := FromTyped(corev1.Pod{}); err == nil {
		t.Error("FromTyped of a non-pointer succeeded")
	}
}

func TestFromMapAndJSONErrors(t *testing.T) {
	tests := []struct {
		name string
		make func() (*Object, error)
		want string
	}{
		{"map without kind", func() (*Object, error) { return FromMap(map[string]any{"apiVersion": "v1"}) }, "no kind"},
		{"map with a channel", func() (*Object, error) {
			return FromMap(map[string]any{"apiVersion": "v1", "kind": "A", "x": make(chan int)})
		}, "$.x"},
		{"nil map", func() (*Object, error) { return FromMap(nil) }, "nil map"},
		{"JSON syntax", func() (*Object, error) { return FromJSON([]byte(`{"a":`)) }, "FromJSON"},
		{"JSON null", func() (*Object, error) { return FromJSON([]byte(`null`)) }, "null"},
		{"JSON list", func() (*Object, error) { return FromJSON([]byte(`[1]`)) }, "FromJSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := tt.make()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, %v; want an error containing %q", o, err, tt.want)
			}
		})
	}
	o, err := FromMap(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "n": 3, "f": float32(0.5)})
	if err != nil {
		t.Fatal(err)
	}
	if o.Map()["n"] != int64(3) || o.Map()["f"] != float64(0.5) {
		t.Errorf("FromMap did not convert numbers: %#v", o.Map())
	}
}

func TestRemove(t *testing.T) {
	o := sampleDeployment(t)
	if !o.Remove("spec.template.spec.containers[0]") {
		t.Fatal("Remove of a list element reported nothing removed")
	}
	if name, _ := o.GetString("spec.template.spec.containers[0].name"); name != "sidecar" {
		t.Errorf("after removing element 0, element 0 is %q", name)
	}
	if !o.Remove(`metadata.annotations["example.com/owner"]`) || len(o.Annotations()) != 0 {
		t.Error("Remove of an annotation failed")
	}
	if o.Remove("spec.nothing") {
		t.Error("Remove of a missing field reported success")
	}
}

// FuzzPath checks that the path parser never panics and that a parsed path
// formats to one that parses to the same segments.
func FuzzPath(f *testing.F) {
	for _, s := range []string{"a.b[0].c", "a.0", `a["x.y"]`, `a\.b`, "[-1]", "a[", `a["`, "..", "a]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		segs, err := parsePath(path)
		if err != nil {
			return
		}
		again, err := parsePath(fieldpath.Format(segs))
		if err != nil {
			t.Fatalf("fieldpath.Format(%q) = %q does not parse: %v", path, fieldpath.Format(segs), err)
		}
		if fieldpath.Format(again) != fieldpath.Format(segs) {
			t.Fatalf("%q formats to %q, then to %q", path, fieldpath.Format(segs), fieldpath.Format(again))
		}
		o := New("v1", "A")
		_ = o.Set(path, "v")
		o.Get(path)
	})
}
