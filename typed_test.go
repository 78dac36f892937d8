package kobj_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kobj-dev/kobj"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func mustLoad(t *testing.T, yaml string) *kobj.Object {
	t.Helper()
	objs, err := kobj.LoadString(yaml)
	if err != nil || len(objs) != 1 {
		t.Fatalf("LoadString: %d objects, %v", len(objs), err)
	}
	return objs[0]
}

const deploymentYAML = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: nginx}]}
`

func TestIntoStrictListsEveryUnknownField(t *testing.T) {
	tests := []struct {
		name  string
		extra map[string]any // path -> value set on a valid Deployment
		want  []string       // nil: no error
	}{
		{"a valid object", nil, nil},
		{"one unknown field", map[string]any{"spec.extra": "x"}, []string{"spec.extra"}},
		{"unknown fields sorted", map[string]any{"spec.extra": 1, "metadata.bogus": true}, []string{"metadata.bogus", "spec.extra"}},
		{"inside a list item", map[string]any{"spec.template.spec.containers[0].bogus": "x", "zzz": 1},
			[]string{"spec.template.spec.containers[0].bogus", "zzz"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := mustLoad(t, deploymentYAML)
			for p, v := range tt.extra {
				if err := o.Set(p, v); err != nil {
					t.Fatal(err)
				}
			}
			checks := map[string]func(...kobj.IntoOption) error{
				"Into": func(opts ...kobj.IntoOption) error { return o.Into(&appsv1.Deployment{}, opts...) },
				"As": func(opts ...kobj.IntoOption) error {
					_, err := kobj.As[appsv1.Deployment](o, opts...)
					return err
				},
				"ItemsAs": func(opts ...kobj.IntoOption) error {
					list := kobj.New("v1", "List")
					list.Set("items", []any{o.Map()})
					_, err := kobj.ItemsAs[appsv1.Deployment](list, opts...)
					return err
				},
			}
			for verb, call := range checks {
				if err := call(); err != nil {
					t.Errorf("%s without Strict: %v, want unknown fields dropped", verb, err)
				}
				err := call(kobj.Strict())
				var uf *kobj.UnknownFieldsError
				if tt.want == nil {
					if err != nil {
						t.Errorf("%s(Strict): %v", verb, err)
					}
					continue
				}
				if !errors.As(err, &uf) {
					t.Fatalf("%s(Strict): %v, want an *UnknownFieldsError", verb, err)
				}
				if diff := cmp.Diff(tt.want, uf.Paths); diff != "" {
					t.Errorf("%s(Strict) paths (-want +got):\n%s", verb, diff)
				}
				if !strings.HasPrefix(err.Error(), "kobj: "+verb) || strings.Count(err.Error(), "kobj:") != 1 {
					t.Errorf("%s(Strict) error text %q: want one kobj: prefix naming the call", verb, err)
				}
			}
		})
	}
}

func TestAsChecksTheKindOfBuiltInTypes(t *testing.T) {
	type widget struct {
		metav1.TypeMeta   `json:",inline"`
		metav1.ObjectMeta `json:"metadata"`
		Spec              struct{ Size int } `json:"spec"`
	}
	d, err := kobj.As[appsv1.Deployment](mustLoad(t, deploymentYAML))
	if err != nil || *d.Spec.Replicas != 1 || d.Spec.Template.Spec.Containers[0].Image != "nginx" || d.Kind != "Deployment" {
		t.Fatalf("As[Deployment] = %+v, %v", d, err)
	}
	w, err := kobj.As[widget](mustLoad(t, "{apiVersion: example.com/v1, kind: Widget, metadata: {name: w}, spec: {Size: 4}}"))
	if err != nil || w.Spec.Size != 4 || w.Name != "w" {
		t.Errorf("As[widget] = %+v, %v; a type the scheme does not know takes any kind", w, err)
	}
	failures := []struct {
		name string
		o    *kobj.Object
		want string
	}{
		{"another kind", configMap("ns", "c"), "the object is v1 ConfigMap, and *v1.Deployment holds apps/v1 Deployment"},
		{"another version", mustLoad(t, strings.Replace(deploymentYAML, "apps/v1", "apps/v1beta2", 1)), "is apps/v1beta2 Deployment"},
		{"a value that does not fit", mustLoad(t, "{apiVersion: apps/v1, kind: Deployment, spec: {replicas: many}}"), `path "spec.replicas": unrecognized type: int32`},
		{"nil", nil, "nil object"},
	}
	for _, tt := range failures {
		t.Run(tt.name, func(t *testing.T) {
			_, err := kobj.As[appsv1.Deployment](tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("As: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestItemsAs(t *testing.T) {
	ctx := context.Background()
	f := newFakeAPI(t, "")
	for _, name := range []string{"a", "b", "c"} {
		f.put("/api/v1/namespaces/ns/configmaps/"+name, configMap("ns", name).Map())
	}
	c := f.client()
	read, err := kobj.New("v1", "ConfigMapList").Read(ctx, kobj.WithClient(c), kobj.InNamespace("ns"), kobj.Limit(2))
	if err != nil {
		t.Fatal(err)
	}
	cms, err := kobj.ItemsAs[corev1.ConfigMap](read)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, cm := range cms {
		if cm.Data["a"] != "1" {
			t.Errorf("%s: data %v", cm.Name, cm.Data)
		}
		names = append(names, cm.Name)
	}
	if len(names) != 3 {
		t.Errorf("ItemsAs gave %v, want the 3 ConfigMaps", names)
	}

	mixed := mustLoad(t, `{apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: ConfigMap, metadata: {name: a}}, {apiVersion: v1, kind: Secret, metadata: {name: s}}]}`)
	failures := []struct {
		name string
		list *kobj.Object
		want string
	}{
		{"a single object", configMap("ns", "a"), "v1 ConfigMap ns/a is not a list (As reads one object)"},
		{"an item of another kind", mixed, "item 1: the object is v1 Secret"},
		{"an item that is no object", mustLoad(t, "{apiVersion: v1, kind: ConfigMapList, items: [{metadata: {name: a}}, 3]}"), "item 1: not an object"},
		{"nil", nil, "nil object"},
	}
	for _, tt := range failures {
		t.Run(tt.name, func(t *testing.T) {
			_, err := kobj.ItemsAs[corev1.ConfigMap](tt.list)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ItemsAs: %v, want an error containing %q", err, tt.want)
			}
		})
	}
	// The items of a list as a Call returns it carry no kind of their own.
	bare, err := kobj.ItemsAs[corev1.ConfigMap](mustLoad(t, "{apiVersion: v1, kind: ConfigMapList, items: [{metadata: {name: a}, data: {k: v}}]}"))
	if err != nil || len(bare) != 1 || bare[0].Name != "a" || bare[0].Data["k"] != "v" {
		t.Errorf("ItemsAs of kind-less items = %+v, %v", bare, err)
	}
	for _, yaml := range []string{"{apiVersion: v1, kind: ConfigMapList, items: null}", "{apiVersion: v1, kind: ConfigMapList, metadata: {}}"} {
		if got, err := kobj.ItemsAs[corev1.ConfigMap](mustLoad(t, yaml)); err != nil || len(got) != 0 {
			t.Errorf("ItemsAs(%s) = %v, %v; want no items", yaml, got, err)
		}
	}
}

// unfit holds values that unstructured content cannot: FromTyped must say
// where, not leave DeepCopy to panic.
type unfit struct {
	metav1.TypeMeta `json:",inline"`
	Spec            unfitSpec `json:"spec"`
}

type unfitSpec struct {
	Big    uint64             `json:"big,omitempty"`
	Ratio  float64            `json:"ratio,omitempty"`
	Items  []unfitItem        `json:"items,omitempty"`
	ByName map[string]float32 `json:"byName,omitempty"`
	Any    any                `json:"any,omitempty"`
	Plain  uint32
}

type unfitItem struct {
	F float64 `json:"f"`
}

func TestFromTypedRejectsValuesAnObjectCannotHold(t *testing.T) {
	tm := metav1.TypeMeta{APIVersion: "example.com/v1", Kind: "Unfit"}
	tests := []struct {
		name string
		spec unfitSpec
		path string // "": converts
	}{
		{"unsigned at the int64 limit", unfitSpec{Big: math.MaxInt64, Plain: math.MaxUint32}, ""},
		{"unsigned above it", unfitSpec{Big: math.MaxInt64 + 1}, "spec.big"},
		{"NaN", unfitSpec{Ratio: math.NaN()}, "spec.ratio"},
		{"infinity in a list item", unfitSpec{Items: []unfitItem{{F: 1}, {F: math.Inf(-1)}}}, "spec.items[1].f"},
		{"NaN in a map", unfitSpec{ByName: map[string]float32{"ok": 1, "x": float32(math.NaN())}}, "spec.byName.x"},
		{"unsigned in an interface", unfitSpec{Any: []any{uint64(math.MaxUint64)}}, "spec.any[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := kobj.FromTyped(&unfit{TypeMeta: tm, Spec: tt.spec})
			if tt.path == "" {
				if err != nil {
					t.Fatalf("FromTyped: %v", err)
				}
				o.DeepCopy() // must not panic
				if v, _ := o.Get("spec.big"); v != int64(math.MaxInt64) {
					t.Errorf("spec.big = %#v", v)
				}
				return
			}
			var pe *kobj.PathError
			if !errors.As(err, &pe) || pe.Path != tt.path {
				t.Fatalf("FromTyped: %v, want a *PathError at %s", err, tt.path)
			}
			_, err = kobj.FromTypedList([]unfit{{TypeMeta: tm}, {TypeMeta: tm, Spec: tt.spec}})
			if !errors.As(err, &pe) || pe.Path != tt.path || !strings.Contains(err.Error(), "item 1: ") {
				t.Errorf("FromTypedList: %v, want item 1's *PathError at %s", err, tt.path)
			}
		})
	}
}

func TestFromTypedList(t *testing.T) {
	cms := []corev1.ConfigMap{{ObjectMeta: metav1.ObjectMeta{Name: "a"}}, {ObjectMeta: metav1.ObjectMeta{Name: "b"}}}
	for name, convert := range map[string]func() ([]*kobj.Object, error){
		"values":   func() ([]*kobj.Object, error) { return kobj.FromTypedList(cms) },
		"pointers": func() ([]*kobj.Object, error) { return kobj.FromTypedList([]*corev1.ConfigMap{&cms[0], &cms[1]}) },
	} {
		objs, err := convert()
		if err != nil || len(objs) != 2 {
			t.Fatalf("%s: FromTypedList = %v, %v", name, objs, err)
		}
		for i, o := range objs {
			if o.APIVersion() != "v1" || o.Kind() != "ConfigMap" || o.Name() != cms[i].Name {
				t.Errorf("%s: item %d is %s", name, i, o)
			}
		}
	}
}

func TestIntoNamesWhereAValueDoesNotFit(t *testing.T) {
	tests := []struct {
		path string
		val  any
	}{
		{"spec.replicas", "many"},
		{"kind", int64(3)},
		{"metadata.labels.app", true},
		{"spec.template.spec.containers[0].ports", []any{map[string]any{"containerPort": "http"}}},
		{"spec.template.spec.containers[0].resources.limits", map[string]any{"cpu": []any{}}},
	}
	want := []string{"spec.replicas", "kind", "metadata.labels.app",
		"spec.template.spec.containers[0].ports[0].containerPort", "spec.template.spec.containers[0].resources.limits.cpu"}
	for i, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			o := mustLoad(t, deploymentYAML)
			if err := o.Set(tt.path, tt.val); err != nil {
				t.Fatal(err)
			}
			err := o.Into(&appsv1.Deployment{})
			var pe *kobj.PathError
			if !errors.As(err, &pe) || pe.Path != want[i] {
				t.Errorf("Into: %v, want a *PathError at %s", err, want[i])
			}
		})
	}
}

// widgetView is a caller's own type whose spec is untyped: the converter
// hands such values over as they are unless kobj copies them.
type widgetView struct {
	metav1.TypeMeta `json:",inline"`
	Spec            map[string]any `json:"spec"`
	Any             any            `json:"status"`
}

func TestTypedViewsDoNotShareTheObjectsValues(t *testing.T) {
	const widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {nested: {size: 1}, list: [{a: 1}]}\nstatus: {phase: Ready}\n"
	mutate := func(w *widgetView) {
		w.Spec["nested"].(map[string]any)["size"] = int64(2)
		w.Spec["list"].([]any)[0].(map[string]any)["a"] = int64(9)
		w.Any.(map[string]any)["phase"] = "Gone"
	}
	tests := []struct {
		name string
		list bool // the object is a WidgetList holding the widget
		view func(o *kobj.Object) (*widgetView, error)
	}{
		{name: "As", view: func(o *kobj.Object) (*widgetView, error) { return kobj.As[widgetView](o) }},
		{name: "Into", view: func(o *kobj.Object) (*widgetView, error) {
			var w widgetView
			return &w, o.Into(&w)
		}},
		{name: "ItemsAs", list: true, view: func(o *kobj.Object) (*widgetView, error) {
			ws, err := kobj.ItemsAs[widgetView](o)
			if err != nil || len(ws) != 1 {
				return nil, fmt.Errorf("ItemsAs: %d items, %v", len(ws), err)
			}
			return &ws[0], nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := widget
			if tt.list {
				doc = "apiVersion: example.com/v1\nkind: WidgetList\nitems:\n- " + strings.ReplaceAll(strings.TrimSpace(widget), "\n", "\n  ") + "\n"
			}
			o := mustLoad(t, doc)
			before := o.DeepCopy()
			w, err := tt.view(o)
			if err != nil {
				t.Fatal(err)
			}
			mutate(w)
			if !o.Equal(before) {
				got, _ := o.JSON()
				t.Errorf("changing the typed value changed the object: %s", got)
			}
		})
	}
	t.Run("FromTyped", func(t *testing.T) {
		w := &widgetView{TypeMeta: metav1.TypeMeta{APIVersion: "example.com/v1", Kind: "Widget"}, Spec: map[string]any{"nested": map[string]any{"size": int64(1)}, "list": []any{map[string]any{"a": int64(1)}}},
			Any: map[string]any{"phase": "Ready"}}
		o, err := kobj.FromTyped(w)
		if err != nil {
			t.Fatal(err)
		}
		before := o.DeepCopy()
		mutate(w)
		if !o.Equal(before) {
			got, _ := o.JSON()
			t.Errorf("changing the typed value changed the object: %s", got)
		}
	})
}

// TestTypedConversionsRefuseWhatIsNotAStruct: values the converter cannot
// take give an error naming them, never a panic.
func TestTypedConversionsRefuseWhatIsNotAStruct(t *testing.T) {
	o := mustLoad(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n")
	n := 3
	tests := []struct {
		name    string
		call    func() error
		wantErr string
	}{
		{"FromTyped of a pointer to an int", func() error { _, err := kobj.FromTyped(&n); return err }, "got *int"},
		{"FromTyped of a pointer to a slice", func() error { _, err := kobj.FromTyped(&[]string{"a"}); return err }, "got *[]string"},
		{"FromTypedList of ints", func() error { _, err := kobj.FromTypedList([]int{1}); return err }, "item 0"},
		{"FromTypedList of a nil pointer", func() error { _, err := kobj.FromTypedList([]*corev1.ConfigMap{nil}); return err }, "item 0"},
		{"FromTypedList of a nil runtime.Object", func() error { _, err := kobj.FromTypedList([]runtime.Object{nil}); return err }, "item 0"},
		{"Into nil", func() error { return o.Into(nil) }, "nil"},
		{"Into a non-pointer", func() error { return o.Into(corev1.ConfigMap{}) }, "pointer"},
		{"As an int", func() error { _, err := kobj.As[int](o); return err }, "int"},
		{"ItemsAs of a nil list", func() error { _, err := kobj.ItemsAs[corev1.ConfigMap](nil); return err }, "nil object"},
		{"ItemsAs of one object", func() error { _, err := kobj.ItemsAs[corev1.ConfigMap](o); return err }, "not a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("panicked: %v", p)
					}
				}()
				err = tt.call()
			}()
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want one saying %q", err, tt.wantErr)
			}
		})
	}
}

func TestFromTypedListOfRuntimeObjects(t *testing.T) {
	items := []runtime.Object{
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "shop"}},
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "b", Namespace: "shop"}},
	}
	objs, err := kobj.FromTypedList(items)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range objs {
		got = append(got, o.APIVersion()+" "+o.Kind()+" "+o.Name())
	}
	if diff := cmp.Diff([]string{"v1 ConfigMap a", "apps/v1 Deployment b"}, got); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
}
