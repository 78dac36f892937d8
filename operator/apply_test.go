package operator

import (
	"testing"

	"github.com/kobj-dev/kobj"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// A ConfigMap as the server holds it after this manager applied
// data.k=v with an owner reference.
const appliedChild = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"ns","uid":"u1","resourceVersion":"5",
 "ownerReferences":[{"apiVersion":"x/v1","kind":"Website","name":"w","uid":"p1","controller":true,"blockOwnerDeletion":true}],
 "managedFields":[{"manager":"kobj-operator-website","operation":"Apply","apiVersion":"v1","fieldsType":"FieldsV1",
  "fieldsV1":{"f:data":{"f:k":{}},"f:metadata":{"f:ownerReferences":{"k:{\"uid\":\"p1\"}":{}}}}}]},
 "data":{"k":"v"}}`

func TestAppliesNothing(t *testing.T) {
	parent, err := kobj.FromMap(map[string]any{"apiVersion": "x/v1", "kind": "Website",
		"metadata": map[string]any{"name": "w", "namespace": "ns", "uid": "p1"}})
	if err != nil {
		t.Fatal(err)
	}
	child := func(data map[string]any) *kobj.Object {
		o := kobj.New("v1", "ConfigMap").SetName("c").SetNamespace("ns")
		if data != nil {
			_ = o.Set("data", data)
		}
		if err := o.AddOwnerReference(parent, true); err != nil {
			t.Fatal(err)
		}
		return o
	}
	cases := []struct {
		name    string
		child   *kobj.Object
		live    string
		manager string
		want    bool
	}{
		{"converged", child(map[string]any{"k": "v"}), appliedChild, mgr, true},
		{"new value", child(map[string]any{"k": "w"}), appliedChild, mgr, false},
		{"new field", child(map[string]any{"k": "v", "l": "x"}), appliedChild, mgr, false},
		{"field dropped", child(nil), appliedChild, mgr, false},
		{"another manager", child(map[string]any{"k": "v"}), appliedChild, "someone", false},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			var u unstructured.Unstructured
			if err := u.UnmarshalJSON([]byte(tt.live)); err != nil {
				t.Fatal(err)
			}
			e, err := newEntry(&u)
			if err != nil {
				t.Fatal(err)
			}
			if _, got := appliesNothing(tt.child, e, tt.manager); got != tt.want {
				t.Errorf("appliesNothing = %v; want %v", got, tt.want)
			}
		})
	}
}

func TestKeyOfIgnoresVersion(t *testing.T) {
	if keyOf("apps/v1", "Deployment", "ns", "d") != keyOf("apps/v1beta1", "Deployment", "ns", "d") {
		t.Error("two versions of one group name different children")
	}
	if keyOf("apps/v1", "Deployment", "ns", "d") == keyOf("extensions/v1beta1", "Deployment", "ns", "d") {
		t.Error("two groups name the same child")
	}
}

// BenchmarkAppliesNothing is the cost per child of a converged r.Apply:
// decoding the cached JSON, building the apply body, comparing.
func BenchmarkAppliesNothing(b *testing.B) {
	parent, _ := kobj.FromMap(map[string]any{"apiVersion": "x/v1", "kind": "Website",
		"metadata": map[string]any{"name": "w", "namespace": "ns", "uid": "p1"}})
	child := kobj.New("v1", "ConfigMap").SetName("c").SetNamespace("ns")
	_ = child.Set("data", map[string]any{"k": "v"})
	_ = child.AddOwnerReference(parent, true)
	var u unstructured.Unstructured
	if err := u.UnmarshalJSON([]byte(appliedChild)); err != nil {
		b.Fatal(err)
	}
	e, _ := newEntry(&u)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := appliesNothing(child, e, mgr); !ok {
			b.Fatal("not converged")
		}
	}
}
