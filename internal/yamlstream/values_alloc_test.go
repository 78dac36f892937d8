package yamlstream

import (
	"testing"
)

// TestUnstructuredValueAllocatesOnlyWhatItConverts holds the conversion to
// the allocations of what it must make anew: the maps (go-yaml's have
// interface keys; int64s boxed from go-yaml's ints too). A valid string or
// a slice that go-yaml already boxed in an interface is returned in that
// interface: boxing it again cost 16 or 24 bytes per value, kept for as
// long as the loaded object lives (about 5% of a loaded Deployment). Each
// case is measured against a value of the same shape holding only maps
// and bools, which box without allocating.
func TestUnstructuredValueAllocatesOnlyWhatItConverts(t *testing.T) {
	tests := []struct {
		name     string
		in, same func() any // fresh go-yaml values each run
	}{
		{name: "strings",
			in:   func() any { return map[any]any{"a": "x", "b": "y", "c": "z"} },
			same: func() any { return map[any]any{"a": true, "b": true, "c": true} }},
		{name: "a slice of strings",
			in:   func() any { return map[any]any{"args": []any{"--port=8080", "--log-level=info"}} },
			same: func() any { return map[any]any{"args": true} }},
		{name: "nested maps",
			in: func() any {
				return map[any]any{"metadata": map[any]any{"name": "web", "labels": map[any]any{"app": "web"}}}
			},
			same: func() any {
				return map[any]any{"metadata": map[any]any{"name": true, "labels": map[any]any{"app": true}}}
			}},
	}
	allocs := func(t *testing.T, in func() any) float64 {
		ins := make([]any, 0, 200)
		for range 200 {
			ins = append(ins, in())
		}
		i := 0
		return testing.AllocsPerRun(100, func() {
			v, err := unstructuredValue(ins[i], 0)
			if err != nil {
				t.Fatal(err)
			}
			sink = v
			i++
		})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := allocs(t, tt.in), allocs(t, tt.same); got != want {
				t.Errorf("%v allocations per conversion, want %v (those of its maps)", got, want)
			}
		})
	}
}

// sink keeps what a measured function made from being optimized away.
var sink any
