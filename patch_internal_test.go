package kobj

import (
	"testing"
)

// servedConfigMapJSON is a ConfigMap as a kube-apiserver serves it.
const servedConfigMapJSON = `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"web","namespace":"default",` +
	`"uid":"6a1f0c9e-1c53-4a5e-9b57-3f0c3f1e2a11","resourceVersion":"7","creationTimestamp":"2026-12-06T10:00:00Z",` +
	`"labels":{"app":"web"},"annotations":{"a\u002fb":"c"},"managedFields":[{"manager":"kobj","operation":"Update","apiVersion":"v1",` +
	`"time":"2026-12-06T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},"f:count":{},"f:greeting":{}},` +
	`"f:metadata":{"f:labels":{".":{},"f:app":{}}}}}]},"data":{"count":"1","greeting":"hello"}}`

func served(t *testing.T, body string) *Object {
	t.Helper()
	m, err := decodeAnswer([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return fromServer(m, []byte(body), nil)
}

// TestMergePatch: the patch Update sends, whether the served copy is
// walked as JSON or (holding a key with an escape) decoded first.
func TestMergePatch(t *testing.T) {
	const plain = `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"web","resourceVersion":"7","labels":{"app":"web"}},"data":{"count":"1","greeting":"hello"}}`
	for name, body := range map[string]string{"walked": plain, "decoded": servedConfigMapJSON} {
		t.Run(name, func(t *testing.T) {
			o := served(t, body)
			o.SetLabel("app", "db")
			o.Remove("data.count")
			if err := o.Set("data.new", "n"); err != nil {
				t.Fatal(err)
			}
			patch, preconditioned, err := o.mergePatch()
			if err != nil {
				t.Fatal(err)
			}
			want := `{"data":{"count":null,"new":"n"},"metadata":{"labels":{"app":"db"},"resourceVersion":"7"}}`
			if string(patch) != want || !preconditioned {
				t.Errorf("mergePatch = %s, %v; want %s, true", patch, preconditioned, want)
			}
		})
	}
}

// TestMergePatchAllocations: computing the patch does not decode the
// served copy (about 80 allocations for this ConfigMap; the whole patch
// costs about 20 without).
func TestMergePatchAllocations(t *testing.T) {
	o := served(t, `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"web","namespace":"default",`+
		`"uid":"6a1f0c9e-1c53-4a5e-9b57-3f0c3f1e2a11","resourceVersion":"7","creationTimestamp":"2026-12-06T10:00:00Z",`+
		`"labels":{"app":"web"},"managedFields":[{"manager":"kobj","operation":"Update","apiVersion":"v1",`+
		`"time":"2026-12-06T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},"f:count":{},"f:greeting":{}},`+
		`"f:metadata":{"f:labels":{".":{},"f:app":{}}}}}]},"data":{"count":"1","greeting":"hello"}}`)
	o.SetLabel("app", "db")
	n := testing.AllocsPerRun(50, func() {
		if _, _, err := o.mergePatch(); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("mergePatch: %v allocations", n)
	if n > 40 {
		t.Errorf("mergePatch: %v allocations, want at most 40", n)
	}
}
