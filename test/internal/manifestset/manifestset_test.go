package manifestset

import (
	"path/filepath"
	"testing"

	"github.com/kobj-dev/kobj"
)

func TestWriteWritesTheWholeSetInApplyOrder(t *testing.T) {
	dir := t.TempDir()
	s, err := Write(dir, "p1")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	var order []string
	for _, f := range files { // Glob sorts
		objs, err := kobj.LoadFile(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, o := range objs {
			kinds[o.Kind()]++
			if len(order) == 0 || order[len(order)-1] != o.Kind() {
				order = append(order, o.Kind())
			}
			if o.Kind() == "Widget" && o.APIVersion() != s.Group+"/v1" {
				t.Errorf("%s: apiVersion %s, want the CRD's %s/v1", o, o.APIVersion(), s.Group)
			}
		}
	}
	want := map[string]int{"CustomResourceDefinition": 1, "Namespace": Namespaces, "ConfigMap": ConfigMaps,
		"Service": Services, "Deployment": Deployments, "Widget": Widgets}
	total := 0
	for kind, n := range want {
		total += n
		if kinds[kind] != n {
			t.Errorf("%d %s objects, want %d", kinds[kind], kind, n)
		}
	}
	if total != Objects || Objects != 300 {
		t.Errorf("the set holds %d objects (Objects = %d), want 300", total, Objects)
	}
	if order[0] != "CustomResourceDefinition" || order[1] != "Namespace" {
		t.Errorf("kinds in file order %v: want the CRD, then the Namespaces, first", order)
	}
	if s.CRDName != "widgets.p1.bench.kobj.dev" || s.CRDFile != filepath.Join(dir, "00-crd.yaml") || len(s.Namespaces) != Namespaces {
		t.Errorf("Write returned %+v", s)
	}
}

func TestWriteRefusesAPrefixThatIsNotADNSLabel(t *testing.T) {
	for _, prefix := range []string{"", "Upper", "-lead", "trail-", "dot.ted", "a234567890123456789012345678901234567890x"} {
		if _, err := Write(t.TempDir(), prefix); err == nil {
			t.Errorf("Write with prefix %q: no error", prefix)
		}
	}
}
