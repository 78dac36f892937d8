package kobj

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

const jobYAML = `
apiVersion: batch/v1
kind: Job
metadata: {name: j, uid: u1, generation: 3}
spec: {parallelism: 2}
status:
  observedGeneration: 3
  phase: Running
  startTime: "2026-01-01T00:00:00Z"
  labels: {a: b}
  conditions:
  - {type: Complete, status: "False"}
  - {type: Failed, status: "True", reason: BackoffLimitExceeded}
`

const crYAML = `
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, uid: u1, generation: 2}
status:
  observedGeneration: 1
  conditions:
  - {type: Synced, status: "True"}
  - {type: Ready, status: "True", observedGeneration: 1}
  - {type: Healthy, status: "True", observedGeneration: 2}
`

func TestConditionsEvaluateOneObservedState(t *testing.T) {
	job := func(t *testing.T) observed { return observed{obj: mustYAML(t, jobYAML), uid: "u1"} }
	cr := func(t *testing.T) observed { return observed{obj: mustYAML(t, crYAML), uid: "u1"} }
	absent := func(*testing.T) observed { return observed{uid: "u1"} }
	replaced := func(t *testing.T) observed {
		o := mustYAML(t, jobYAML)
		o.u.SetUID("u2")
		return observed{obj: o, uid: "u1"}
	}
	terminating := func(t *testing.T) observed {
		o := mustYAML(t, `
apiVersion: v1
kind: ConfigMap
metadata: {name: c, uid: u1, deletionTimestamp: "2026-01-01T00:00:00Z", finalizers: [test/hold]}`)
		return observed{obj: o, uid: "u1"}
	}
	tests := []struct {
		name     string
		cond     Condition
		state    func(*testing.T) observed
		met      bool
		failed   bool   // the error wraps ErrConditionFailed
		errText  string // an error other than a failure, containing this
		seenText string // the description of what was seen contains this
	}{
		{"ConditionTrue met", ConditionTrue("Failed"), job, true, false, "", `Failed is "True" (reason BackoffLimitExceeded)`},
		{"ConditionTrue case-folded", ConditionTrue("failed"), job, true, false, "", ""},
		{"ConditionTrue unmet", ConditionTrue("Complete"), job, false, false, "", `Complete is "False"`},
		{"ConditionTrue missing", ConditionTrue("Suspended"), job, false, false, "", "no condition Suspended"},
		{"ConditionTrue absent", ConditionTrue("Complete"), absent, false, false, "", absentText},
		{"ConditionIs status case-folded", ConditionIs("Complete", "false"), job, true, false, "", ""},
		{"stale by status.observedGeneration", ConditionTrue("Synced"), cr, false, false, "", "observedGeneration 1 is older than generation 2"},
		{"stale by the condition's observedGeneration", ConditionTrue("Ready"), cr, false, false, "", "observedGeneration 1 is older"},
		{"the condition's observedGeneration wins", ConditionTrue("Healthy"), cr, true, false, "", ""},
		{"IgnoreObservedGeneration opts out", IgnoreObservedGeneration(ConditionTrue("Ready")), cr, true, false, "", ""},
		{"IgnoreObservedGeneration reaches inside AllOf", IgnoreObservedGeneration(AllOf(ConditionTrue("Ready"), ConditionTrue("Synced"))), cr, true, false, "", ""},
		{"PathEquals number as JSON", PathEquals("spec.parallelism", 2.0), job, true, false, "", ""},
		{"PathEquals string", PathEquals("status.phase", "Running"), job, true, false, "", `status.phase is "Running"`},
		{"PathEquals map", PathEquals("status.labels", map[string]string{"a": "b"}), job, true, false, "", ""},
		{"PathEquals differs", PathEquals("status.phase", "Done"), job, false, false, "", `status.phase is "Running"`},
		{"PathEquals missing equals nil", PathEquals("status.nothing", nil), job, true, false, "", ""},
		{"PathEquals missing", PathEquals("status.nothing", 1), job, false, false, "", "no value at status.nothing"},
		{"PathEquals bad path", PathEquals("status..x", 1), job, false, false, "path", ""},
		{"PathEquals value without JSON form", PathEquals("status.phase", func() {}), job, false, false, "path", ""},
		{"JSONPath with value", JSONPath("{.status.phase}", "Running"), job, true, false, "", ""},
		{"JSONPath relaxed, value trimmed", JSONPath("status.phase", " Running "), job, true, false, "", ""},
		{"JSONPath filter", JSONPath(`{.status.conditions[?(@.type=="Failed")].status}`, "True"), job, true, false, "", ""},
		{"JSONPath number printed with %v", JSONPath(".spec.parallelism", "2"), job, true, false, "", ""},
		{"JSONPath differs", JSONPath(".status.phase", "Done"), job, false, false, "", `is "Running"`},
		{"JSONPath any value", JSONPath(".status.startTime"), job, true, false, "", ""},
		{"JSONPath missing key", JSONPath(".status.nothing"), job, false, false, "", "no value"},
		{"JSONPath several values", JSONPath(".status.conditions[*].type"), job, false, false, "more than one value", ""},
		{"JSONPath a map", JSONPath(".status.labels", "x"), job, false, false, "map or a list", ""},
		{"JSONPath does not parse", JSONPath("{.status[}", "x"), job, false, false, "JSONPath", ""},
		{"JSONPath two values", JSONPath(".status.phase", "a", "b"), job, false, false, "at most one value", ""},
		{"Exists present", Exists(), job, true, false, "", ""},
		{"Exists absent", Exists(), absent, false, false, "", absentText},
		{"Gone absent", Gone(), absent, true, false, "", ""},
		{"Gone replaced by a new UID", Gone(), replaced, true, false, "", "replaced"},
		{"Gone present", Gone(), job, false, false, "", "the object exists"},
		{"Gone terminating", Gone(), terminating, false, false, "", "terminating, held by finalizers test/hold"},
		{"Ready on a Failed object fails", Ready(), job, false, true, "", "readiness Failed"},
		{"Ready on a Current object", Ready(), currentConfigMap, true, false, "", ""},
		{"Ready absent", Ready(), absent, false, false, "", "NotFound"},
		{"Func true", Func(func(o *Object) (bool, error) { return o.Name() == "j", nil }), job, true, false, "", ""},
		{"Func error", Func(func(*Object) (bool, error) { return false, errors.New("boom") }), job, false, false, "boom", ""},
		{"Func not called when absent", Func(func(*Object) (bool, error) { panic("called") }), absent, false, false, "", absentText},
		{"AnyOf one", AnyOf(ConditionTrue("Complete"), ConditionTrue("Failed")), job, true, false, "", ""},
		{"AnyOf none", AnyOf(ConditionTrue("Complete"), ConditionTrue("Suspended")), job, false, false, "", "no condition Suspended"},
		{"AnyOf holds despite a failing branch", AnyOf(Ready(), ConditionTrue("Failed")), job, true, false, "", ""},
		{"AnyOf empty never holds", AnyOf(), job, false, false, "", ""},
		{"AllOf all", AllOf(Exists(), ConditionTrue("Failed")), job, true, false, "", ""},
		{"AllOf one short", AllOf(Exists(), ConditionTrue("Complete")), job, false, false, "", `Complete is "False"`},
		{"AllOf with a failing branch fails", AllOf(Exists(), Ready()), job, false, true, "", ""},
		{"FailWhen holding fails", FailWhen(ConditionTrue("Failed")), job, false, true, "", ""},
		{"FailWhen not holding is met", FailWhen(ConditionTrue("Complete")), job, true, false, "", ""},
		{"zero Condition", Condition{}, job, false, false, "zero Condition", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.cond.evaluate(tt.state(t), evalMode{})
			if v.Met != tt.met {
				t.Errorf("met = %t, want %t (seen %q, err %v)", v.Met, tt.met, v.Seen, v.Err)
			}
			switch {
			case tt.failed:
				if !errors.Is(v.Err, ErrConditionFailed) {
					t.Errorf("err = %v, want one wrapping ErrConditionFailed", v.Err)
				}
			case tt.errText != "":
				if v.Err == nil || errors.Is(v.Err, ErrConditionFailed) || !strings.Contains(v.Err.Error(), tt.errText) {
					t.Errorf("err = %v, want an error containing %q", v.Err, tt.errText)
				}
			case v.Err != nil:
				t.Errorf("unexpected err %v", v.Err)
			}
			if !strings.Contains(v.Seen, tt.seenText) {
				t.Errorf("seen = %q, want it to contain %q", v.Seen, tt.seenText)
			}
		})
	}
}

// currentConfigMap is a state whose readiness is Current.
func currentConfigMap(t *testing.T) observed {
	return observed{obj: mustYAML(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, uid: u1}\n"), uid: "u1"}
}

func TestConditionStringsNameTheConstructors(t *testing.T) {
	tests := []struct {
		cond Condition
		want string
	}{
		{ConditionTrue("Established"), `ConditionTrue("Established")`},
		{ConditionIs("Ready", "False"), `ConditionIs("Ready", "False")`},
		{PathEquals("status.phase", "Running"), `PathEquals("status.phase", "Running")`},
		{JSONPath(".status.phase", "Running"), `JSONPath(".status.phase", "Running")`},
		{AnyOf(Gone(), Ready()), `AnyOf(Gone(), Ready())`},
		{FailWhen(Exists()), `FailWhen(Exists())`},
		{IgnoreObservedGeneration(ConditionTrue("Ready")), `IgnoreObservedGeneration(ConditionTrue("Ready"))`},
		{Condition{}, `Condition{}`},
	}
	for _, tt := range tests {
		if got := tt.cond.String(); got != tt.want {
			t.Errorf("String() = %s, want %s", got, tt.want)
		}
	}
}

func TestOnlyExistsMakesAMissingObjectWorthWaitingFor(t *testing.T) {
	tests := []struct {
		cond Condition
		want bool
	}{
		{Exists(), true},
		{AnyOf(ConditionTrue("Ready"), Exists()), true},
		{AllOf(Exists(), ConditionTrue("Ready")), true},
		{IgnoreObservedGeneration(AllOf(Exists(), ConditionTrue("Ready"))), true},
		{ConditionTrue("Ready"), false},
		{Gone(), false},
		{FailWhen(Exists()), false},
	}
	for _, tt := range tests {
		if tt.cond.waitsForCreation != tt.want {
			t.Errorf("%s: waitsForCreation = %t, want %t", tt.cond, tt.cond.waitsForCreation, tt.want)
		}
	}
}

// kubectlObject holds what the kubectl wait regressions read: a service
// whose load balancer has an ingress, a phase, a Ready condition listed
// twice (first without a string status), and float64 generations.
func kubectlObject(t *testing.T) *Object {
	t.Helper()
	o, err := FromMap(map[string]any{
		"apiVersion": "example.com/v1", "kind": "Widget",
		"metadata": map[string]any{"name": "w", "uid": "u1", "generation": float64(3)},
		"status": map[string]any{
			"phase":              "Running",
			"observedGeneration": float64(2),
			"loadBalancer":       map[string]any{"ingress": []any{map[string]any{"ip": "10.0.0.1"}}},
			"conditions": []any{
				map[string]any{"type": "Ready", "status": true},
				map[string]any{"type": "Ready", "status": "True", "observedGeneration": float64(3)},
				map[string]any{"type": "Synced", "status": "True"},
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestConditionsAgreeWithKubectlWait holds the defects found against
// kubectl wait v0.37.2 (issue 17, items 11 to 17); each case failed
// before the fix except 17, which pins kobj's chosen rule.
func TestConditionsAgreeWithKubectlWait(t *testing.T) {
	notAList := func(t *testing.T) observed {
		o := kubectlObject(t)
		if err := o.Set("status.conditions", map[string]any{"type": "Ready", "status": "True"}); err != nil {
			t.Fatal(err)
		}
		return observed{obj: o, uid: "u1"}
	}
	obj := func(t *testing.T) observed { return observed{obj: kubectlObject(t), uid: "u1"} }
	tests := []struct {
		item    int
		name    string
		cond    Condition
		state   func(*testing.T) observed
		met     bool
		errText string // the evaluation fails with an error containing this
	}{
		{11, "no value, a list matched", JSONPath("{.status.loadBalancer.ingress}"), obj, true, ""},
		{11, "no value, a map matched", JSONPath(".status.loadBalancer"), obj, true, ""},
		{11, "a value, a map matched", JSONPath(".status.loadBalancer", "x"), obj, false, "map or a list"},
		{12, "value in double quotes", JSONPath(".status.phase", `"Running"`), obj, true, ""},
		{12, "value in single quotes", JSONPath(".status.phase", `'Running'`), obj, true, ""},
		{12, "quotes trimmed from each end as kubectl's strings.Trim", JSONPath(".status.phase", `'"Running`), obj, true, ""},
		{13, "empty value", JSONPath(".status.phase", ""), obj, false, "empty"},
		{13, "value empty once unquoted", JSONPath(".status.phase", `""`), obj, false, "empty"},
		{14, "unbalanced braces", JSONPath("{.status.phase"), obj, false, "not one expression"},
		{14, "empty braces", JSONPath("{}"), obj, false, "not one expression"},
		{14, "two expressions", JSONPath("{.status.phase}{.status.phase}"), obj, false, "not one expression"},
		{14, "empty expression", JSONPath(""), obj, false, "empty expression"},
		{15, "an entry without a string status is skipped", IgnoreObservedGeneration(ConditionTrue("Ready")), obj, true, ""},
		{16, "status.conditions a map", ConditionTrue("Ready"), notAList, false, "status.conditions is a map, not a list"},
		{17, "float64 generations are integers: stale", ConditionTrue("Synced"), obj, false, ""},
		{17, "float64 observedGeneration of the entry", ConditionTrue("Ready"), obj, true, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d %s", tt.item, tt.name), func(t *testing.T) {
			v := tt.cond.evaluate(tt.state(t), evalMode{})
			if v.Met != tt.met {
				t.Errorf("met = %t, want %t (seen %q, err %v)", v.Met, tt.met, v.Seen, v.Err)
			}
			if tt.errText == "" && v.Err != nil {
				t.Errorf("unexpected err %v", v.Err)
			}
			if tt.errText != "" && (v.Err == nil || !strings.Contains(v.Err.Error(), tt.errText)) {
				t.Errorf("err = %v, want one containing %q", v.Err, tt.errText)
			}
		})
	}
}

// TestCheckEvaluatesInMemory pins what Check returns: the verdict Wait
// would reach on that one version, an object present with its own UID, a
// nil object absent.
func TestCheckEvaluatesInMemory(t *testing.T) {
	job := mustYAML(t, jobYAML)
	called := false
	tests := []struct {
		name    string
		cond    Condition
		o       *Object
		met     bool
		failed  bool   // the error wraps ErrConditionFailed
		errText string // another error, containing this
	}{
		{"Exists on an object", Exists(), job, true, false, ""},
		{"Gone on an object", Gone(), job, false, false, ""},
		{"Exists on nil", Exists(), nil, false, false, ""},
		{"Gone on nil", Gone(), nil, true, false, ""},
		{"ConditionTrue on nil", ConditionTrue("Failed"), nil, false, false, ""},
		{"Func on nil is not called", Func(func(*Object) (bool, error) { called = true; return true, nil }), nil, false, false, ""},
		{"ConditionTrue met", ConditionTrue("Failed"), job, true, false, ""},
		{"ConditionTrue unmet", ConditionTrue("Complete"), job, false, false, ""},
		{"FailWhen fires", FailWhen(ConditionTrue("Failed")), job, false, true, ""},
		{"FailWhen quiet", FailWhen(ConditionTrue("Complete")), job, true, false, ""},
		{"Ready on a Failed Job", Ready(), job, false, true, ""},
		{"AnyOf holds past a failing branch", AnyOf(Ready(), ConditionTrue("Failed")), job, true, false, ""},
		{"JSONPath several values", JSONPath(".status.conditions[*].type"), job, false, false, `JSONPath(".status.conditions[*].type"): JSONPath`},
		{"JSONPath malformed", JSONPath("{.a"), job, false, false, "not one expression"},
		{"zero Condition", Condition{}, job, false, false, "Condition{}: zero Condition"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			met, err := tt.cond.Check(tt.o)
			if met != tt.met {
				t.Errorf("met = %t, want %t (err %v)", met, tt.met, err)
			}
			switch {
			case tt.failed:
				if !errors.Is(err, ErrConditionFailed) {
					t.Errorf("err = %v, want one wrapping ErrConditionFailed", err)
				}
			case tt.errText != "":
				if err == nil || errors.Is(err, ErrConditionFailed) || !strings.Contains(err.Error(), tt.errText) {
					t.Errorf("err = %v, want an error containing %q", err, tt.errText)
				}
			case err != nil:
				t.Errorf("unexpected err %v", err)
			}
		})
	}
	if called {
		t.Error("Func was called on a nil object")
	}
}

// TestWaitAndCheckAgree: Wait ends on a version exactly as Check judges
// that version.
func TestWaitAndCheckAgree(t *testing.T) {
	conds := []Condition{ConditionTrue("Failed"), ConditionTrue("Complete"), FailWhen(ConditionTrue("Failed")), JSONPath(".status.phase", "Running")}
	for _, c := range conds {
		t.Run(c.String(), func(t *testing.T) {
			o := mustYAML(t, jobYAML)
			met, checkErr := c.Check(o)
			w := &waiter{conds: []Condition{c}, uid: o.UID(), subject: o}
			w.see(o)
			done, waitErr := w.evaluate()
			if done != met || (checkErr == nil) != (waitErr == nil) || (checkErr != nil && checkErr.Error() != waitErr.Error()) {
				t.Errorf("Check = %t, %v; the waiter = %t, %v", met, checkErr, done, waitErr)
			}
		})
	}
}

// TestCheckConcurrentReads pins that Check only reads its object: every
// constructor checked on one object from several goroutines at once, and
// twice in a row, gives the same answers and leaves the object as it was
// (go test -race reports a write).
func TestCheckConcurrentReads(t *testing.T) {
	job := mustYAML(t, jobYAML)
	before := job.DeepCopy()
	conds := []Condition{
		Exists(), Gone(), Ready(), ConditionTrue("Failed"), PathEquals("metadata.name", job.Name()),
		JSONPath("{.metadata.name}"), Func(func(o *Object) (bool, error) { return o.Name() != "", nil }),
		AnyOf(Ready(), ConditionTrue("Complete")), AllOf(Exists(), FailWhen(ConditionTrue("Complete"))),
		IgnoreObservedGeneration(ConditionTrue("Failed")),
	}
	type answer struct {
		met bool
		err string
	}
	check := func() []answer {
		out := make([]answer, len(conds))
		for i, c := range conds {
			met, err := c.Check(job)
			out[i].met = met
			if err != nil {
				out[i].err = err.Error()
			}
		}
		return out
	}
	want := check()
	const n = 4
	got := make([][]answer, n)
	var wg sync.WaitGroup
	for g := range n {
		wg.Go(func() { got[g] = check() })
	}
	wg.Wait()
	for g := range n {
		if !slices.Equal(got[g], want) {
			t.Errorf("goroutine %d: %v, want %v", g, got[g], want)
		}
	}
	if !job.Equal(before) {
		t.Errorf("Check changed the object: %v", job.Map())
	}
}
