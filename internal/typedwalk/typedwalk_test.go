package typedwalk

import (
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

type inner struct {
	N     int      `json:"n"`
	Names []string `json:"names,omitempty"`
}

type Embedded struct {
	Extra int `json:"extra"`
}

type outer struct {
	Spec     inner          `json:"spec"`
	Labels   map[string]int `json:"labels"`
	Items    []inner        `json:"items"`
	Ptr      *inner         `json:"ptr"`
	Embedded `json:",inline"`
	T        metav1.Time `json:"t"`
	Skip     string      `json:"-"`
	GoName   int
}

func TestMismatchPath(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"a field of a struct", map[string]any{"spec": map[string]any{"n": "x"}}, "spec.n"},
		{"a struct where a number is", map[string]any{"spec": int64(5)}, "spec"},
		{"a list item's list item", map[string]any{"items": []any{map[string]any{}, map[string]any{"names": []any{"a", int64(1)}}}}, "items[1].names[1]"},
		{"a map's value", map[string]any{"labels": map[string]any{"a": int64(1), "b": "x"}}, "labels.b"},
		{"a key Get would misread is quoted", map[string]any{"labels": map[string]any{"app.kubernetes.io/name": "x"}}, `labels["app.kubernetes.io/name"]`},
		{"through a pointer", map[string]any{"ptr": map[string]any{"n": true}}, "ptr.n"},
		{"an inlined field", map[string]any{"extra": "x"}, "extra"},
		{"a Go name without a tag", map[string]any{"GoName": "x"}, "GoName"},
		{"a type with its own JSON form is one part", map[string]any{"t": int64(5)}, "t"},
		{"the first in key order", map[string]any{"spec": map[string]any{"n": "x"}, "extra": "y"}, "extra"},
		{"nothing fails", map[string]any{"spec": map[string]any{"n": int64(1)}}, "$"},
		{"the whole value", []any{}, "$"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MismatchPath(tt.v, reflect.TypeFor[*outer]()); got != tt.want {
				t.Errorf("MismatchPath = %q, want %q", got, tt.want)
			}
		})
	}
}

type marshals struct{ F float64 }

func (marshals) MarshalJSON() ([]byte, error) { return []byte(`0`), nil }

type cyclic struct {
	Next *cyclic `json:"next"`
	F    float64 `json:"f"`
}

type unfitHolder struct {
	Spec   inner              `json:"spec"`
	Big    uint64             `json:"big"`
	Floats []float64          `json:"floats"`
	ByKey  map[string]float64 `json:"byKey"`
	Bytes  []byte             `json:"bytes"`
	Any    any                `json:"any"`
	Own    marshals           `json:"own"`
	Qty    resource.Quantity  `json:"qty"`
	Embedded
	Hidden float64 `json:"-"`
}

func TestUnfit(t *testing.T) {
	loop := &cyclic{}
	loop.Next = loop
	tests := []struct {
		name     string
		v        any
		wantPath string
		wantWhy  string // in why; "" for none
	}{
		{"fits", unfitHolder{Floats: []float64{1.5}, ByKey: map[string]float64{"a": 1}, Bytes: []byte{255}}, "", ""},
		{"a large unsigned number", unfitHolder{Big: math.MaxUint64}, "big", "unsigned value 18446744073709551615 is above the largest integer"},
		{"the largest int64 fits", unfitHolder{Big: math.MaxInt64}, "", ""},
		{"a NaN in a list", unfitHolder{Floats: []float64{0, math.NaN()}}, "floats[1]", "NaN has no JSON form"},
		{"the first map key in order", unfitHolder{ByKey: map[string]float64{"b": math.Inf(1), "a": math.Inf(-1)}}, "byKey.a", "-Inf has no JSON form"},
		{"a key Get would misread is quoted", unfitHolder{ByKey: map[string]float64{"a.b": math.NaN()}}, `byKey["a.b"]`, "NaN"},
		{"under an interface", unfitHolder{Any: &inner{}}, "", ""},
		{"a NaN under an interface", unfitHolder{Any: []any{math.NaN()}}, "any[0]", "NaN"},
		{"a value with its own JSON form is its own", unfitHolder{Own: marshals{F: math.NaN()}}, "", ""},
		{"a left-out field", unfitHolder{Hidden: math.NaN()}, "", ""},
		{"the whole value", math.NaN(), "$", "NaN"},
		{"a cycle ends at the depth bound", loop, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, why := Unfit(reflect.ValueOf(tt.v))
			if path != tt.wantPath || (tt.wantWhy == "") != (why == "") || !strings.Contains(why, tt.wantWhy) {
				t.Errorf("Unfit = %q, %q; want %q, %q", path, why, tt.wantPath, tt.wantWhy)
			}
		})
	}
}

// What fits is walked without allocating: FromTyped asks only after the
// converter failed, but the walk must stay cheap on large values.
func TestUnfitOfAFittingValueAllocatesNothing(t *testing.T) {
	d := &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		Containers: []corev1.Container{{Name: "a", Image: "nginx", Ports: []corev1.ContainerPort{{ContainerPort: 80}}}}}}}}
	v := reflect.ValueOf(d)
	if n := testing.AllocsPerRun(10, func() { Unfit(v) }); n != 0 {
		t.Errorf("Unfit of a fitting Deployment allocates %v times", n)
	}
}

func TestNonFinite(t *testing.T) {
	tests := []struct {
		name   string
		v      any
		want   string
		wantOK bool
	}{
		{"none", map[string]any{"a": 1.5, "b": []any{int64(1), "x", nil}}, "", false},
		{"in a list in a map", map[string]any{"a": map[string]any{"b": []any{1.0, math.NaN()}}}, "a.b[1]", true},
		{"the first in key order", map[string]any{"z": math.NaN(), "a": []any{math.Inf(1)}}, "a[0]", true},
		{"the whole value", math.Inf(-1), "$", true},
		{"a key Get would misread is quoted", map[string]any{"a.b": map[string]any{"0": math.NaN()}}, `["a.b"]["0"]`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, f, ok := NonFinite(tt.v)
			if path != tt.want || ok != tt.wantOK || ok && !math.IsNaN(f) && !math.IsInf(f, 0) {
				t.Errorf("NonFinite = %q, %v, %v; want %q, %v", path, f, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestCheckKind(t *testing.T) {
	tests := []struct {
		name string
		m    map[string]any
		v    any
		want string // in the error; "" for none
	}{
		{"the type's kind", map[string]any{"apiVersion": "apps/v1", "kind": "Deployment"}, &appsv1.Deployment{}, ""},
		{"another kind", map[string]any{"apiVersion": "v1", "kind": "Pod"}, &appsv1.Deployment{},
			"the object is v1 Pod, and *v1.Deployment holds apps/v1 Deployment"},
		{"another version", map[string]any{"apiVersion": "apps/v1beta1", "kind": "Deployment"}, &appsv1.Deployment{}, "the object is apps/v1beta1 Deployment"},
		{"no kind, as a list's items", map[string]any{"metadata": map[string]any{}}, &appsv1.Deployment{}, ""},
		{"a type the scheme does not know", map[string]any{"apiVersion": "v1", "kind": "Pod"}, &runtime.Unknown{}, ""},
		{"not a runtime.Object", map[string]any{"apiVersion": "v1", "kind": "Pod"}, &outer{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckKind(tt.m, tt.v)
			if (err == nil) != (tt.want == "") || err != nil && !strings.Contains(err.Error(), tt.want) {
				t.Errorf("CheckKind = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestUnknownFields(t *testing.T) {
	m := map[string]any{"spec": map[string]any{"n": int64(1), "zeta": 1, "alpha": 2}, "other": true}
	err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(m, &outer{}, true)
	paths, ok := UnknownFields(err)
	if want := []string{"other", "spec.alpha", "spec.zeta"}; !ok || !slices.Equal(paths, want) {
		t.Errorf("UnknownFields(%v) = %q, %v; want %q", err, paths, ok, want)
	}
	if paths, ok := UnknownFields(errors.New("unrecognized type: int32")); ok || paths != nil {
		t.Errorf("UnknownFields of another error = %q, %v; want none", paths, ok)
	}
}
