package kobj_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kobj-dev/kobj"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

const (
	deploymentPath = "/apis/apps/v1/namespaces/shop/deployments/web"
	widgetPath     = "/apis/example.com/v1/namespaces/shop/widgets/w"
)

// served is the Deployment the fake serves: an annotation of another
// writer, and spec.futureField, a field appsv1.Deployment does not model.
func servedDeployment(t *testing.T) map[string]any {
	o := mustLoad(t, deploymentYAML)
	o.SetAnnotation("other.example/writer", "was here")
	o.SetLabel("drop", "me")
	o.Set("spec.futureField", "kept")
	return o.Map()
}

// typedWidget is a Go type for the fake's custom kind that models spec.size
// only; the served object also has spec.color.
type typedWidget struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              widgetSpec `json:"spec"`
}

type widgetSpec struct {
	Size int `json:"size"`
}

func servedWidget(t *testing.T) map[string]any {
	return mustLoad(t, `{apiVersion: example.com/v1, kind: Widget, metadata: {name: w, namespace: shop}, spec: {size: 1, color: blue}}`).Map()
}

func TestEditAsSendsOnlyTheTypedChange(t *testing.T) {
	ctx := context.Background()
	patch := func(path, body string) recorded {
		return recorded{Method: "PATCH", Path: path, ContentType: "application/merge-patch+json", Body: body}
	}
	tests := []struct {
		name      string
		path      string
		served    func(*testing.T) map[string]any
		edit      func(ctx context.Context, o *kobj.Object) (*kobj.Object, error)
		meanwhile func(f *fakeAPI) // another writer, between the read and the edit
		want      []recorded
		server    map[string]any // path -> value on the server afterwards
	}{
		{"replicas through appsv1.Deployment", deploymentPath, servedDeployment,
			func(ctx context.Context, o *kobj.Object) (*kobj.Object, error) {
				return kobj.EditAs(ctx, o, func(d *appsv1.Deployment) error { d.Spec.Replicas = ptr.To[int32](3); return nil })
			}, nil,
			[]recorded{patch(deploymentPath, `{"metadata":{"resourceVersion":"1"},"spec":{"replicas":3}}`)},
			map[string]any{"spec.replicas": int64(3), "spec.futureField": "kept", `metadata.annotations["other.example/writer"]`: "was here"}},
		{"a removed label is removed", deploymentPath, servedDeployment,
			func(ctx context.Context, o *kobj.Object) (*kobj.Object, error) {
				return kobj.EditAs(ctx, o, func(d *appsv1.Deployment) error { delete(d.Labels, "drop"); return nil })
			}, nil,
			[]recorded{patch(deploymentPath, `{"metadata":{"labels":{"drop":null},"resourceVersion":"1"}}`)},
			map[string]any{"metadata.labels.app": "web", "spec.futureField": "kept"}},
		{"a changed list is replaced whole, without the zero-value nulls", deploymentPath, servedDeployment,
			func(ctx context.Context, o *kobj.Object) (*kobj.Object, error) {
				return kobj.EditAs(ctx, o, func(d *appsv1.Deployment) error {
					d.Spec.Template.Spec.Containers[0].Image = "nginx:2"
					return nil
				})
			}, nil,
			[]recorded{patch(deploymentPath, `{"metadata":{"resourceVersion":"1"},"spec":{"template":{"spec":{"containers":[{"image":"nginx:2","name":"app","resources":{}}]}}}}`)},
			map[string]any{"spec.template.spec.containers[0].image": "nginx:2"}},
		{"another writer's annotation, added after the read, survives a retry", deploymentPath, servedDeployment,
			func(ctx context.Context, o *kobj.Object) (*kobj.Object, error) {
				return kobj.EditAs(ctx, o, func(d *appsv1.Deployment) error { d.Spec.Replicas = ptr.To[int32](3); return nil }, kobj.RetryOnConflict())
			},
			func(f *fakeAPI) {
				f.mu.Lock()
				defer f.mu.Unlock()
				obj := deepCopy(f.objects[deploymentPath])
				obj["metadata"].(map[string]any)["annotations"].(map[string]any)["late"] = "writer"
				f.store(deploymentPath, obj)
			},
			[]recorded{
				patch(deploymentPath, `{"metadata":{"resourceVersion":"1"},"spec":{"replicas":3}}`),
				{Method: "GET", Path: deploymentPath},
				patch(deploymentPath, `{"metadata":{"resourceVersion":"2"},"spec":{"replicas":3}}`),
			},
			map[string]any{"spec.replicas": int64(3), "metadata.annotations.late": "writer", `metadata.annotations["other.example/writer"]`: "was here"}},
		{"a custom resource's field outside the Go type survives", widgetPath, servedWidget,
			func(ctx context.Context, o *kobj.Object) (*kobj.Object, error) {
				return kobj.EditAs(ctx, o, func(w *typedWidget) error { w.Spec.Size = 5; return nil })
			}, nil,
			[]recorded{patch(widgetPath, `{"metadata":{"resourceVersion":"1"},"spec":{"size":5}}`)},
			map[string]any{"spec.size": int64(5), "spec.color": "blue"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, "")
			f.put(tt.path, tt.served(t))
			c := f.client()
			o, err := kobj.New(tt.served(t)["apiVersion"].(string), tt.served(t)["kind"].(string)).SetClient(c).
				Read(ctx, kobj.Named(nameOf(tt.path)), kobj.InNamespace("shop"))
			if err != nil {
				t.Fatal(err)
			}
			if tt.meanwhile != nil {
				tt.meanwhile(f)
			}
			f.requests()
			got, err := tt.edit(ctx, o)
			if err != nil {
				t.Fatalf("EditAs: %v", err)
			}
			if got != o {
				t.Error("EditAs did not return the object itself")
			}
			if diff := cmp.Diff(tt.want, f.requests()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			f.mu.Lock()
			onServer, err := kobj.FromMap(deepCopy(f.objects[tt.path]))
			f.mu.Unlock()
			if err != nil {
				t.Fatal(err)
			}
			for path, want := range tt.server {
				if v, _ := onServer.Get(path); fmt.Sprint(v) != fmt.Sprint(want) { // the fake's JSON numbers are float64
					t.Errorf("on the server, %s = %#v, want %#v", path, v, want)
				}
				if v, _ := o.Get(path); v != want {
					t.Errorf("in the object, %s = %#v, want %#v", path, v, want)
				}
			}
		})
	}
}

func nameOf(path string) string { _, name := splitLast(path); return name }

var errRefused = errors.New("refused")

func TestEditAsThatFailsSendsNothingAndKeepsTheObject(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		edit    func(o *kobj.Object) (*kobj.Object, error)
		opts    []kobj.EditOption
		wantErr func(error) bool
	}{
		{"fn fails", func(o *kobj.Object) (*kobj.Object, error) {
			return kobj.EditAs(ctx, o, func(d *appsv1.Deployment) error { d.Spec.Replicas = ptr.To[int32](9); return errRefused })
		}, nil, func(err error) bool { return err == errRefused }},
		{"fn panics", func(o *kobj.Object) (_ *kobj.Object, err error) {
			defer func() {
				if p := recover(); p != errRefused {
					t.Errorf("recovered %v, want fn's panic", p)
				}
				err = errRefused
			}()
			return kobj.EditAs(ctx, o, func(d *appsv1.Deployment) error { d.Spec.Replicas = ptr.To[int32](9); panic(errRefused) })
		}, nil, func(err error) bool { return err == errRefused }},
		{"the object is not of T's kind", func(o *kobj.Object) (*kobj.Object, error) {
			return kobj.EditAs(ctx, o, func(d *appsv1.StatefulSet) error { return nil })
		}, nil, func(err error) bool {
			return err != nil && err.Error() == "kobj: EditAs *v1.StatefulSet apps/v1 Deployment shop/web: the object is apps/v1 Deployment, and *v1.StatefulSet holds apps/v1 StatefulSet"
		}},
		{"fn's edit has no JSON form", func(o *kobj.Object) (*kobj.Object, error) {
			return kobj.EditAs(ctx, o, func(w *unfit) error { w.Spec.Big = 1 << 63; return nil })
		}, nil, func(err error) bool {
			var pe *kobj.PathError
			return errors.As(err, &pe) && pe.Path == "spec.big"
		}},
		{"nil fn", func(o *kobj.Object) (*kobj.Object, error) {
			return kobj.EditAs[appsv1.Deployment](ctx, o, nil)
		}, nil, func(err error) bool { return err != nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, "")
			f.put(deploymentPath, servedDeployment(t))
			o, err := kobj.New("apps/v1", "Deployment").SetClient(f.client()).Read(ctx, kobj.Named("web"), kobj.InNamespace("shop"))
			if err != nil {
				t.Fatal(err)
			}
			before := o.DeepCopy()
			f.requests()
			_, err = tt.edit(o)
			if !tt.wantErr(err) {
				t.Errorf("EditAs: unexpected error %v", err)
			}
			for _, r := range f.requests() {
				if r.Method != http.MethodGet {
					t.Errorf("a failed EditAs sent %s %s %s", r.Method, r.Path, r.Body)
				}
			}
			if !o.Equal(before) {
				t.Errorf("a failed EditAs changed the object: %v", o.Diff(before))
			}
		})
	}
}

func TestEditAsConflictWithRollbackRestoresTheObject(t *testing.T) {
	ctx := context.Background()
	f := newFakeAPI(t, "")
	f.put(deploymentPath, servedDeployment(t))
	o, err := kobj.New("apps/v1", "Deployment").SetClient(f.client()).Read(ctx, kobj.Named("web"), kobj.InNamespace("shop"))
	if err != nil {
		t.Fatal(err)
	}
	f.put(deploymentPath, servedDeployment(t)) // another writer: a new resourceVersion
	before := o.DeepCopy()
	_, err = kobj.EditAs(ctx, o, func(d *appsv1.Deployment) error { d.Spec.Replicas = ptr.To[int32](3); return nil }, kobj.Rollback())
	if !apierrors.IsConflict(err) {
		t.Fatalf("EditAs: %v, want the server's Conflict as is", err)
	}
	if !o.Equal(before) {
		t.Errorf("with Rollback, a failed update left the object changed: %v", o.Diff(before))
	}
}

// TestEditAsPanicAfterAConflictSendsNothingMore: with RetryOnConflict, fn
// panicking on its second run (after a Conflict and a fresh read) sends
// no second update and leaves o holding the fresh read.
func TestEditAsPanicAfterAConflictSendsNothingMore(t *testing.T) {
	ctx := context.Background()
	for _, opts := range [][]kobj.EditOption{{kobj.RetryOnConflict()}, {kobj.RetryOnConflict(), kobj.Rollback()}} {
		f := newFakeAPI(t, "")
		f.put(deploymentPath, servedDeployment(t))
		o, err := kobj.New("apps/v1", "Deployment").SetClient(f.client()).Read(ctx, kobj.Named("web"), kobj.InNamespace("shop"))
		if err != nil {
			t.Fatal(err)
		}
		f.put(deploymentPath, servedDeployment(t)) // another writer: a new resourceVersion
		f.requests()
		runs := 0
		func() {
			defer func() {
				if p := recover(); p != errRefused {
					t.Errorf("recovered %v, want fn's panic", p)
				}
			}()
			kobj.EditAs(ctx, o, func(d *appsv1.Deployment) error {
				if runs++; runs == 2 {
					panic(errRefused)
				}
				d.Spec.Replicas = ptr.To[int32](3)
				return nil
			}, opts...)
		}()
		patches := 0
		for _, r := range f.requests() {
			if r.Method == http.MethodPatch {
				patches++
			}
		}
		if runs != 2 || patches != 1 {
			t.Errorf("%d runs of fn and %d updates, want 2 runs and the one update that met the Conflict", runs, patches)
		}
		if rv := o.ResourceVersion(); rv != f.objects[deploymentPath]["metadata"].(map[string]any)["resourceVersion"] && len(opts) == 1 {
			t.Errorf("o has resourceVersion %s, want the fresh read's", rv)
		}
		if replicas, _ := o.GetInt64("spec.replicas"); replicas == 3 {
			t.Errorf("the edit of the first run stayed on o")
		}
	}
}

// TestEditAsOfAnUntypedFieldThatFailsKeepsTheObject: fn changing a map
// under an untyped field and then failing leaves o as it was: the typed
// value shares nothing with o.
func TestEditAsOfAnUntypedFieldThatFailsKeepsTheObject(t *testing.T) {
	ctx := context.Background()
	f := newFakeAPI(t, "")
	f.put(deploymentPath, servedDeployment(t))
	o, err := kobj.New("apps/v1", "Deployment").SetClient(f.client()).Read(ctx, kobj.Named("web"), kobj.InNamespace("shop"))
	if err != nil {
		t.Fatal(err)
	}
	before := o.DeepCopy()
	_, err = kobj.EditAs(ctx, o, func(w *widgetView) error {
		w.Spec["selector"].(map[string]any)["matchLabels"] = map[string]any{"app": "other"}
		return errRefused
	})
	if err != errRefused {
		t.Fatalf("EditAs: %v, want fn's error", err)
	}
	if !o.Equal(before) {
		t.Errorf("a failed EditAs changed the object: %v", o.Diff(before))
	}
}
