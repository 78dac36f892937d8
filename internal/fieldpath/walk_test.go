package fieldpath

import (
	"errors"
	"reflect"
	"testing"
)

func mustParse(t *testing.T, path string) []Segment {
	t.Helper()
	segs, err := Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	return segs
}

func sample() map[string]any {
	return map[string]any{
		"metadata": map[string]any{
			"name":        "web",
			"annotations": map[string]any{"example.com/x": "y"},
		},
		"spec": map[string]any{
			"containers": []any{
				map[string]any{"name": "a", "image": "nginx"},
				map[string]any{"name": "b", "image": "redis"},
			},
			"numbered": map[string]any{"0": "zero"},
			"replicas": int64(2),
		},
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		path string
		want any
		ok   bool
	}{
		{"metadata.name", "web", true},
		{`metadata.annotations["example.com/x"]`, "y", true},
		{"spec.containers[0].image", "nginx", true},
		{"spec.containers.1.image", "redis", true},
		{"spec.containers[-1].name", "b", true},
		{"spec.containers[-2].name", "a", true},
		{"spec.containers[-3].name", nil, false},
		{"spec.containers[2]", nil, false},
		{"spec.numbered.0", "zero", true},    // a numeric field reads a map key
		{"spec.numbered[0]", nil, false},     // a bracket never does
		{"spec.containers.name", nil, false}, // a field on a list
		{"spec.replicas.x", nil, false},      // through a scalar
		{"missing", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, ok := Lookup(sample(), mustParse(t, tt.path))
			if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Lookup(%q) = %v, %v; want %v, %v", tt.path, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestListIndex(t *testing.T) {
	tests := []struct {
		i, n, want int
		ok         bool
	}{
		{0, 3, 0, true}, {2, 3, 2, true}, {3, 3, 3, false},
		{-1, 3, 2, true}, {-3, 3, 0, true}, {-4, 3, -1, false}, {0, 0, 0, false},
	}
	for _, tt := range tests {
		if got, ok := ListIndex(tt.i, tt.n); got != tt.want || ok != tt.ok {
			t.Errorf("ListIndex(%d, %d) = %d, %v; want %d, %v", tt.i, tt.n, got, ok, tt.want, tt.ok)
		}
	}
}

func TestAssign(t *testing.T) {
	tests := []struct {
		path string
		want any // what Lookup of path gives afterwards
		at   string
		// check, when set, is another path and its expected value.
		check     string
		checkWant any
	}{
		{path: "metadata.name", want: "v"},
		{path: "a.b.c", want: "v", check: "a.b", checkWant: map[string]any{"c": "v"}},
		{path: "a[0].b", want: "v", check: "a", checkWant: []any{map[string]any{"b": "v"}}},
		{path: "a[0][0]", want: "v", check: "a", checkWant: []any{[]any{"v"}}},
		{path: "a.0", want: "v", check: "a", checkWant: map[string]any{"0": "v"}},             // numeric: a map key when creating
		{path: "spec.containers[2]", want: "v", check: "spec.containers[-1]", checkWant: "v"}, // one past the end appends
		{path: "spec.containers[-1].image", want: "v", check: "spec.containers[1].image", checkWant: "v"},
		{path: "spec.containers.0.image", want: "v"},
		{path: `metadata.annotations["a.b/c"]`, want: "v"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			root := sample()
			if err := Assign(tt.path, root, mustParse(t, tt.path), "v"); err != nil {
				t.Fatalf("Assign(%q): %v", tt.path, err)
			}
			if got, ok := Lookup(root, mustParse(t, tt.path)); !ok || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("after Assign(%q), Lookup = %v, %v", tt.path, got, ok)
			}
			if tt.check != "" {
				if got, _ := Lookup(root, mustParse(t, tt.check)); !reflect.DeepEqual(got, tt.checkWant) {
					t.Errorf("after Assign(%q), %s = %#v, want %#v", tt.path, tt.check, got, tt.checkWant)
				}
			}
		})
	}
}

func TestAssignErrors(t *testing.T) {
	tests := []struct {
		path, at, want string
	}{
		{"metadata[0]", "metadata[0]", `path "metadata[0]": list index [0] used on a map`},
		{"spec.containers.name", "spec.containers.name", `path "spec.containers.name": field "name" used on a list`},
		{"spec.containers[3]", "spec.containers[3]", `path "spec.containers[3]": index 3 out of range for a list of 2`},
		{"spec.containers[-3].x", "spec.containers[-3]", `path "spec.containers[-3].x": at "spec.containers[-3]": index -3 out of range for a list of 2`},
		{"spec.replicas.x", "spec.replicas", `path "spec.replicas.x": at "spec.replicas": cannot set a field inside an integer`},
		{"metadata.name.x", "metadata.name", `path "metadata.name.x": at "metadata.name": cannot set a field inside a string`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			root := sample()
			err := Assign(tt.path, root, mustParse(t, tt.path), "v")
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("Assign(%q) = %v, want an *Error", tt.path, err)
			}
			if fe.Path != tt.path || fe.At != tt.at || err.Error() != tt.want {
				t.Errorf("Assign(%q) = %q (Path %q, At %q), want %q at %q", tt.path, err, fe.Path, fe.At, tt.want, tt.at)
			}
			if !reflect.DeepEqual(root, sample()) {
				t.Errorf("failed Assign(%q) changed the value: %v", tt.path, root)
			}
		})
	}
}

func TestRemove(t *testing.T) {
	tests := []struct {
		path  string
		ok    bool
		check string
		want  any
	}{
		{"metadata.name", true, "metadata", map[string]any{"annotations": map[string]any{"example.com/x": "y"}}},
		{"spec.containers[0]", true, "spec.containers[0].name", "b"},
		{"spec.containers[-1]", true, "spec.containers[-1].name", "a"},
		{"spec.containers.1", true, "spec.containers[-1].name", "a"},
		{"spec.containers[2]", false, "spec.containers[-1].name", "b"},
		{"metadata[0]", false, "metadata.name", "web"},
		{"nope.x", false, "metadata.name", "web"},
		{"metadata", true, "metadata", nil},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			root := sample()
			if ok := Remove(root, mustParse(t, tt.path)); ok != tt.ok {
				t.Fatalf("Remove(%q) = %v, want %v", tt.path, ok, tt.ok)
			}
			if got, _ := Lookup(root, mustParse(t, tt.check)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("after Remove(%q), %s = %v, want %v", tt.path, tt.check, got, tt.want)
			}
		})
	}
	if Remove(map[string]any{}, nil) {
		t.Error("Remove of the root reported success")
	}
}

func TestFindField(t *testing.T) {
	got := FindField(sample(), "name")
	want := []string{"metadata.name", "spec.containers[0].name", "spec.containers[1].name"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FindField(name) = %q, want %q", got, want)
	}
	if got := FindField(sample(), "example.com/x"); !reflect.DeepEqual(got, []string{`metadata.annotations["example.com/x"]`}) {
		t.Errorf("FindField(example.com/x) = %q", got)
	}
}

func TestTypeName(t *testing.T) {
	tests := []struct {
		v        any
		name, an string
	}{
		{nil, "null", "null"},
		{map[string]any{}, "map", "a map"},
		{[]any{}, "list", "a list"},
		{"s", "string", "a string"},
		{true, "bool", "a bool"},
		{int64(1), "integer", "an integer"},
		{1.5, "float", "a float"},
		{int32(1), "int32", "a int32"},
	}
	for _, tt := range tests {
		if got := TypeName(tt.v); got != tt.name {
			t.Errorf("TypeName(%#v) = %q, want %q", tt.v, got, tt.name)
		}
		if got := ATypeName(tt.v); got != tt.an {
			t.Errorf("ATypeName(%#v) = %q, want %q", tt.v, got, tt.an)
		}
	}
}
