package kobj

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kobj-dev/kobj/internal/fieldpath"
)

// mtObj builds an object from JSON, adding apiVersion and kind when absent.
func mtObj(t *testing.T, js string) *Object {
	t.Helper()
	o, err := FromJSON([]byte(js))
	if err != nil {
		t.Fatalf("FromJSON(%s): %v", js, err)
	}
	return o
}

const mtHead = `"apiVersion":"v1","kind":"ConfigMap"`

func mtCM(t *testing.T, body string) *Object {
	t.Helper()
	if body == "" {
		return mtObj(t, "{"+mtHead+"}")
	}
	return mtObj(t, "{"+mtHead+","+body+"}")
}

func TestDeepCopyIndependent(t *testing.T) {
	o := mtCM(t, `"metadata":{"name":"a","labels":{"x":"1"}},"data":{"k":"v"},"list":[{"a":1},[2,3]]`)
	o.client = &Client{}
	o.served = []byte(`{"served":true}`)
	o.Items()
	before := o.DeepCopy()
	c := o.DeepCopy()
	if c.client != o.client {
		t.Errorf("client not copied")
	}
	if &c.served[0] != &o.served[0] {
		t.Errorf("served should be shared")
	}
	if c.items != nil {
		t.Errorf("items cache was copied")
	}
	if !c.Equal(o) || !reflect.DeepEqual(c.Map(), o.Map()) {
		t.Fatalf("copy differs: %v vs %v", c.Map(), o.Map())
	}
	mutations := []struct {
		name string
		do   func(m map[string]any)
	}{
		{"map value", func(m map[string]any) { m["data"].(map[string]any)["k"] = "changed" }},
		{"nested map", func(m map[string]any) { m["metadata"].(map[string]any)["labels"].(map[string]any)["y"] = "2" }},
		{"list element map", func(m map[string]any) { m["list"].([]any)[0].(map[string]any)["a"] = int64(9) }},
		{"nested list", func(m map[string]any) { m["list"].([]any)[1].([]any)[0] = "x" }},
		{"top-level key", func(m map[string]any) { delete(m, "data") }},
	}
	for _, tc := range mutations {
		t.Run(tc.name, func(t *testing.T) {
			tc.do(c.Map())
			if !o.Equal(before) {
				t.Errorf("mutating the copy changed the original: %v", o.Map())
			}
		})
	}
	if (*Object)(nil).DeepCopy() != nil {
		t.Errorf("nil DeepCopy should be nil")
	}
}

func TestEqual(t *testing.T) {
	cases := []struct {
		name string
		a, b map[string]any
		want bool
	}{
		{"int vs float", map[string]any{"n": int64(3)}, map[string]any{"n": float64(3)}, true},
		{"float vs int", map[string]any{"n": float64(3)}, map[string]any{"n": int64(3)}, true},
		{"non-integral float", map[string]any{"n": int64(3)}, map[string]any{"n": 3.5}, false},
		{"big int vs rounded float", map[string]any{"n": int64(1<<53 + 1)}, map[string]any{"n": float64(1 << 53)}, false},
		{"float out of int64 range", map[string]any{"n": int64(-1 << 63)}, map[string]any{"n": float64(1 << 63)}, false},
		{"nested list numbers", map[string]any{"l": []any{int64(1), map[string]any{"x": 2.0}}}, map[string]any{"l": []any{1.0, map[string]any{"x": int64(2)}}}, true},
		{"list length", map[string]any{"l": []any{int64(1)}}, map[string]any{"l": []any{int64(1), int64(2)}}, false},
		{"missing key", map[string]any{"a": "x"}, map[string]any{"b": "x"}, false},
		{"null vs absent", map[string]any{"a": nil}, map[string]any{}, false},
		{"string vs number", map[string]any{"a": "3"}, map[string]any{"a": int64(3)}, false},
		{"null vs typed nil map", map[string]any{"a": nil}, map[string]any{"a": map[string]any(nil)}, true},
		{"empty map vs null", map[string]any{"a": map[string]any{}}, map[string]any{"a": nil}, false},
		{"bools", map[string]any{"a": true}, map[string]any{"a": false}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, b := wrap(tc.a), wrap(tc.b)
			if got := a.Equal(b); got != tc.want {
				t.Errorf("Equal = %v, want %v", got, tc.want)
			}
			if got := b.Equal(a); got != tc.want {
				t.Errorf("reverse Equal = %v, want %v", got, tc.want)
			}
			if got := len(a.Diff(b)) == 0; got != tc.want {
				t.Errorf("Diff empty = %v, want %v (Diff %v)", got, tc.want, a.Diff(b))
			}
		})
	}
	o := mtCM(t, "")
	if !(*Object)(nil).Equal(nil) || o.Equal(nil) || (*Object)(nil).Equal(o) {
		t.Errorf("nil handling wrong")
	}
	o2 := o.DeepCopy()
	o2.client, o2.served = &Client{}, []byte("x")
	if !o.Equal(o2) {
		t.Errorf("client and served must not count")
	}
}

func TestMerge(t *testing.T) {
	cases := []struct {
		name      string
		o, p      string
		overwrite bool
		want      string
	}{
		{"scalars replace, others kept",
			`"data":{"a":"1","b":"2"}`, `"data":{"b":"3","c":"4"}`, false,
			`"data":{"a":"1","b":"3","c":"4"}`},
		{"null skipped by default",
			`"data":{"a":"1","b":"2"}`, `"data":{"a":null}`, false,
			`"data":{"a":"1","b":"2"}`},
		{"null deletes with Overwrite",
			`"data":{"a":"1","b":"2"}`, `"data":{"a":null,"z":null}`, true,
			`"data":{"b":"2"}`},
		{"absent keys skipped with Overwrite too",
			`"data":{"a":"1"},"x":{"y":1}`, `"data":{"b":"2"}`, true,
			`"data":{"a":"1","b":"2"},"x":{"y":1}`},
		{"new subtree copied",
			`"data":{"a":"1"}`, `"spec":{"x":{"y":[1,2]}}`, false,
			`"data":{"a":"1"},"spec":{"x":{"y":[1,2]}}`},
		{"map into null",
			`"spec":null`, `"spec":{"a":1}`, false,
			`"spec":{"a":1}`},
		{"scalar replaces map",
			`"spec":{"a":1}`, `"spec":"flat"`, false,
			`"spec":"flat"`},
		{"lists element-wise, maps merge",
			`"l":[{"name":"a","image":"x"},{"name":"b","image":"y"}]`, `"l":[{"image":"x2"}]`, false,
			`"l":[{"name":"a","image":"x2"},{"name":"b","image":"y"}]`},
		{"longer list appends",
			`"l":[1,2]`, `"l":[9,null,3,null,5]`, false,
			`"l":[9,2,3,null,5]`},
		{"list null element clears with Overwrite",
			`"l":[1,2]`, `"l":[null,7]`, true,
			`"l":[null,7]`},
		{"non-map element replaced",
			`"l":["s",{"a":1},[1]]`, `"l":[{"a":2},"t",[2,3]]`, false,
			`"l":[{"a":2},"t",[2,3]]`},
		{"nested merge in list",
			`"spec":{"containers":[{"name":"c","env":[{"name":"A","value":"1"}]}]}`,
			`"spec":{"containers":[{"env":[{"value":"2"},{"name":"B"}]}]}`, false,
			`"spec":{"containers":[{"name":"c","env":[{"name":"A","value":"2"},{"name":"B"}]}]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, p, want := mtCM(t, tc.o), mtCM(t, tc.p), mtCM(t, tc.want)
			pBefore := p.DeepCopy()
			var opts []MergeOption
			if tc.overwrite {
				opts = append(opts, Overwrite())
			}
			if err := o.Merge(p, opts...); err != nil {
				t.Fatalf("Merge: %v", err)
			}
			if !o.Equal(want) {
				t.Errorf("got  %v\nwant %v", o.Map(), want.Map())
			}
			if !p.Equal(pBefore) {
				t.Errorf("p modified: %v", p.Map())
			}
			// p must not be aliased into o.
			mtMutateAll(p.Map())
			if !o.Equal(want) {
				t.Errorf("mutating p after Merge changed o: %v", o.Map())
			}
		})
	}
}

// mtMutateAll changes every map and list below v in place.
func mtMutateAll(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if _, ok := e.(map[string]any); ok {
				mtMutateAll(e)
			} else if _, ok := e.([]any); ok {
				mtMutateAll(e)
			} else if k != "apiVersion" && k != "kind" {
				x[k] = "MUTATED"
			}
		}
		x["mutated-key"] = true
	case []any:
		for i, e := range x {
			switch e.(type) {
			case map[string]any, []any:
				mtMutateAll(e)
			default:
				x[i] = "MUTATED"
			}
		}
	}
}

func TestMergeErrors(t *testing.T) {
	cases := []struct {
		name, o, p, wantPath, wantMsg string
	}{
		{"list into string",
			`"spec":{"template":{"spec":{"containers":[{"name":"c","env":"oops"}]}}}`,
			`"spec":{"template":{"spec":{"containers":[{"env":[{"name":"A"}]}]}},"aaa":"first"}`,
			"spec.template.spec.containers[0].env",
			`kobj: Merge: path "spec.template.spec.containers[0].env": cannot merge a list into a string`},
		{"map into list",
			`"metadata":{"annotations":{"example.com/x":[1,2]}}`,
			`"metadata":{"annotations":{"example.com/x":{"a":"b"}},"labels":{"new":"v"}}`,
			`metadata.annotations["example.com/x"]`,
			`kobj: Merge: path "metadata.annotations[\"example.com/x\"]": cannot merge a map into a list`},
		{"map into integer at numeric key",
			`"data":{"0":5}`, `"data":{"0":{"a":1}},"zzz":"late"`,
			`data["0"]`,
			`kobj: Merge: path "data[\"0\"]": cannot merge a map into an integer`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, p := mtCM(t, tc.o), mtCM(t, tc.p)
			before := o.DeepCopy()
			for _, opts := range [][]MergeOption{nil, {Overwrite()}} {
				err := o.Merge(p, opts...)
				if err == nil {
					t.Fatalf("Merge succeeded: %v", o.Map())
				}
				if err.Error() != tc.wantMsg {
					t.Errorf("error %q, want %q", err, tc.wantMsg)
				}
				var pe *PathError
				if !errors.As(err, &pe) || pe.Path != tc.wantPath {
					t.Errorf("PathError = %v, want path %q", pe, tc.wantPath)
				} else if _, ok := o.Get(pe.Path); !ok {
					t.Errorf("error path %q does not work with Get", pe.Path)
				}
				if !reflect.DeepEqual(o.Map(), before.Map()) {
					t.Errorf("o changed by failed merge:\n%v\nwant %v", o.Map(), before.Map())
				}
			}
		})
	}
	var nilObj *Object
	if err := nilObj.Merge(mtCM(t, "")); err == nil {
		t.Errorf("Merge into nil object should fail")
	}
	o := mtCM(t, `"a":1`)
	if err := o.Merge(nil); err != nil || !o.Equal(mtCM(t, `"a":1`)) {
		t.Errorf("Merge(nil) = %v, %v", err, o.Map())
	}
	if err := o.Merge(o); err != nil || !o.Equal(mtCM(t, `"a":1`)) {
		t.Errorf("Merge(self) = %v, %v", err, o.Map())
	}
}

func TestMergeKeepsMapIdentity(t *testing.T) {
	o := mtCM(t, `"data":{"a":"1"}`)
	m := o.Map()
	if err := o.Merge(mtCM(t, `"data":{"b":"2"}`)); err != nil {
		t.Fatal(err)
	}
	if !sameMap(m, o.Map()) || m["data"].(map[string]any)["b"] != "2" {
		t.Errorf("Merge should update the object's map in place")
	}
}

func TestDiff(t *testing.T) {
	cases := []struct {
		name string
		o, p string
		want []string // Difference.String() in order
	}{
		{"equal", `"a":{"b":[1,2]}`, `"a":{"b":[1.0,2]}`, nil},
		{"changed scalar", `"spec":{"replicas":2}`, `"spec":{"replicas":3}`,
			[]string{"changed spec.replicas: 2 -> 3"}},
		{"added and removed",
			`"data":{"a":"1","b":"2"}`, `"data":{"b":"2","c":"3"}`,
			[]string{`removed data.a: "1"`, `added data.c: "3"`}},
		{"added subtree", `"x":1`, `"x":1,"spec":{"a":[1]}`,
			[]string{`added spec: {"a":[1]}`}},
		{"type change is one difference", `"spec":{"a":{"b":1}}`, `"spec":{"a":"s"}`,
			[]string{`changed spec.a: {"b":1} -> "s"`}},
		{"null to value", `"spec":{"a":null}`, `"spec":{"a":1}`,
			[]string{`changed spec.a: null -> 1`}},
		{"nested lists",
			`"spec":{"containers":[{"name":"a","ports":[80,443]},{"name":"b"}]}`,
			`"spec":{"containers":[{"name":"a","ports":[80,8443,9000]}]}`,
			[]string{
				"changed spec.containers[0].ports[1]: 443 -> 8443",
				"added spec.containers[0].ports[2]: 9000",
				`removed spec.containers[1]: {"name":"b"}`,
			}},
		{"indexes sort numerically",
			`"l":[0,1,2,3,4,5,6,7,8,9,10,11]`, `"l":[0,1,"x",3,4,5,6,7,8,9,10,"y"]`,
			[]string{`changed l[2]: 2 -> "x"`, `changed l[11]: 11 -> "y"`}},
		{"quoted keys",
			`"metadata":{"annotations":{"example.com/x":"old","plain":"p"}}`,
			`"metadata":{"annotations":{"example.com/x":"new","a[0]":"q","7":"n"}}`,
			[]string{
				`added metadata.annotations["7"]: "n"`,
				`added metadata.annotations["a[0]"]: "q"`,
				`changed metadata.annotations["example.com/x"]: "old" -> "new"`,
				`removed metadata.annotations.plain: "p"`,
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, p := mtCM(t, tc.o), mtCM(t, tc.p)
			ds := o.Diff(p)
			var got []string
			for _, d := range ds {
				got = append(got, d.String())
				mtCheckDiffPath(t, o, p, d)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Diff:\n got %q\nwant %q", got, tc.want)
			}
			for range 5 {
				if again := o.Diff(p); !reflect.DeepEqual(again, ds) {
					t.Fatalf("Diff not deterministic: %v vs %v", again, ds)
				}
			}
			// The reverse diff swaps added and removed.
			rev := p.Diff(o)
			if len(rev) != len(ds) {
				t.Fatalf("reverse diff has %d entries, want %d", len(rev), len(ds))
			}
			for _, d := range rev {
				mtCheckDiffPath(t, p, o, d)
			}
		})
	}
}

// mtCheckDiffPath checks that d.Path reads Old from o and New from p.
func mtCheckDiffPath(t *testing.T, o, p *Object, d Difference) {
	t.Helper()
	gotOld, inO := o.Get(d.Path)
	gotNew, inP := p.Get(d.Path)
	switch d.Type {
	case DiffAdded:
		if inO || !inP || !reflect.DeepEqual(gotNew, d.New) || d.Old != nil {
			t.Errorf("%v: o.Get=%v,%v p.Get=%v,%v", d, gotOld, inO, gotNew, inP)
		}
	case DiffRemoved:
		if !inO || inP || !reflect.DeepEqual(gotOld, d.Old) || d.New != nil {
			t.Errorf("%v: o.Get=%v,%v p.Get=%v,%v", d, gotOld, inO, gotNew, inP)
		}
	case DiffChanged:
		if !inO || !inP || !reflect.DeepEqual(gotOld, d.Old) || !reflect.DeepEqual(gotNew, d.New) {
			t.Errorf("%v: o.Get=%v,%v p.Get=%v,%v", d, gotOld, inO, gotNew, inP)
		}
	default:
		t.Errorf("bad type %q", d.Type)
	}
}

func TestDiffDeterministicAcrossBuildOrder(t *testing.T) {
	keys := []string{"zeta", "alpha", "m.n", "10", "9", "beta/x", "gamma"}
	build := func(order []string, val func(string) any) *Object {
		o := New("v1", "ConfigMap")
		for _, k := range order {
			o.SetAnnotation(k, "x")
			o.Map()["data"] = mtMapSet(o.Map()["data"], k, val(k))
		}
		return o
	}
	fwd := slices.Clone(keys)
	rev := slices.Clone(keys)
	slices.Reverse(rev)
	o1 := build(fwd, func(k string) any { return k })
	o2 := build(rev, func(k string) any { return k })
	p1 := build(rev, func(k string) any { return strings.ToUpper(k) + "!" })
	p2 := build(fwd, func(k string) any { return strings.ToUpper(k) + "!" })
	d1, d2 := o1.Diff(p1), o2.Diff(p2)
	if !reflect.DeepEqual(d1, d2) {
		t.Fatalf("build order changed Diff:\n%v\n%v", d1, d2)
	}
	var paths []string
	for _, d := range d1 {
		paths = append(paths, d.Path)
	}
	want := []string{`data["10"]`, `data["9"]`, `data.alpha`, `data["beta/x"]`, `data.gamma`, `data["m.n"]`, `data.zeta`}
	// Normalize the expected paths to fieldpath.Format's spelling (beta/x needs no quotes).
	for i, w := range want {
		want[i] = fieldpath.Format(mtMustParse(t, w))
	}
	if !slices.Equal(paths, want) {
		t.Errorf("paths %q, want %q", paths, want)
	}
	for _, d := range d1 {
		mtCheckDiffPath(t, o1, p1, d)
	}
}

func mtMapSet(m any, k string, v any) map[string]any {
	mm, _ := m.(map[string]any)
	if mm == nil {
		mm = map[string]any{}
	}
	mm[k] = v
	return mm
}

func mtMustParse(t *testing.T, path string) []fieldpath.Segment {
	t.Helper()
	segs, err := parsePath(path)
	if err != nil {
		t.Fatal(err)
	}
	return segs
}

func TestDifferenceString(t *testing.T) {
	cases := []struct {
		d    Difference
		want string
	}{
		{Difference{"spec.replicas", DiffChanged, int64(2), int64(3)}, "changed spec.replicas: 2 -> 3"},
		{Difference{"a", DiffAdded, nil, map[string]any{"b": "c"}}, `added a: {"b":"c"}`},
		{Difference{"a[0]", DiffRemoved, []any{true}, nil}, "removed a[0]: [true]"},
	}
	for _, tc := range cases {
		if got := tc.d.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

func TestDiffValuesAreCopies(t *testing.T) {
	o := mtCM(t, `"spec":{"a":{"b":1}}`)
	p := mtCM(t, `"spec":{"a":[1]}`)
	ds := o.Diff(p)
	if len(ds) != 1 {
		t.Fatalf("want 1 difference, got %v", ds)
	}
	ds[0].Old.(map[string]any)["b"] = "x"
	ds[0].New.([]any)[0] = "x"
	if !o.Equal(mtCM(t, `"spec":{"a":{"b":1}}`)) || !p.Equal(mtCM(t, `"spec":{"a":[1]}`)) {
		t.Errorf("Difference values share memory with the objects")
	}
}
