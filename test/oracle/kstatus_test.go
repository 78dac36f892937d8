package oracle

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/readiness"
)

// The differential test of kobj's readiness (package readiness, and
// Object.Readiness built on it) against kstatus's own status.Compute
// (sigs.k8s.io/cli-utils v0.37.2) on the same objects: kstatus's test
// fixtures (kstatus_fixtures_test.go) and objects generated kind by kind
// (kstatus_gen_test.go), each also with every generic variation
// (generation, deletionTimestamp, conditions, float64 numbers, malformed
// fields...). The answers must be equal — state, reason and message —
// except where one of the named exceptions below explains the
// difference; any other difference fails the test, and so does an
// exception that no case needs any more.

// answer is one computed readiness in kobj's vocabulary.
type answer struct {
	State   readiness.State
	Reason  string
	Message string
	// Err is kstatus's error, or what its panic said: kstatus's callers
	// report such an object as Unknown, with no reason to compare.
	Err string
}

func (a answer) String() string {
	if a.Err != "" {
		return fmt.Sprintf("%s [%s]", a.State, a.Err)
	}
	return fmt.Sprintf("%s (%s): %s", a.State, a.Reason, a.Message)
}

// agrees compares two answers: the state always, the reason and message
// when neither side failed.
func (a answer) agrees(b answer) bool {
	if a.State != b.State {
		return false
	}
	if a.Err != "" || b.Err != "" {
		return true
	}
	return a.Reason == b.Reason && a.Message == b.Message
}

// kstatusStates maps every kstatus status to kobj's state, explicitly.
var kstatusStates = map[status.Status]readiness.State{
	status.InProgressStatus:  readiness.InProgress,
	status.CurrentStatus:     readiness.Current,
	status.FailedStatus:      readiness.Failed,
	status.TerminatingStatus: readiness.Terminating,
	status.NotFoundStatus:    readiness.NotFound,
	status.UnknownStatus:     readiness.Unknown,
}

// kstatusAnswer runs kstatus's Compute. An error is Unknown, as kstatus's
// own pollers report it (pkg/kstatus/polling: Status UnknownStatus with
// the error); a panic (kstatus asserts the types of containerStatuses) is
// Unknown too, marked as such.
func kstatusAnswer(t *testing.T, obj map[string]any) (a answer) {
	defer func() {
		if p := recover(); p != nil {
			a = answer{State: readiness.Unknown, Err: fmt.Sprintf("panic: %v", p)}
		}
	}()
	res, err := status.Compute(&unstructured.Unstructured{Object: obj})
	if err != nil {
		return answer{State: readiness.Unknown, Err: err.Error()}
	}
	state, ok := kstatusStates[res.Status]
	if !ok {
		t.Fatalf("kstatus status %q has no kobj state", res.Status)
	}
	a = answer{State: state, Message: res.Message}
	// kstatus carries the reason in the condition it adds: Reconciling
	// for InProgress, Stalled for Failed.
	for _, c := range res.Conditions {
		if (state == readiness.InProgress && c.Type == status.ConditionReconciling) ||
			(state == readiness.Failed && c.Type == status.ConditionStalled) {
			a.Reason = c.Reason
		}
	}
	return a
}

func kobjAnswer(obj map[string]any) answer {
	r := readiness.Compute(obj)
	return answer{State: r.State, Reason: r.Reason, Message: r.Message}
}

// oracleCase is one object both sides compute.
type oracleCase struct {
	name string
	obj  map[string]any
}

// result is what both sides said of one case.
type result struct {
	obj           map[string]any
	kobj, kstatus answer
	// kstatusAsKobj is kstatus's answer on the object as kobj reads it
	// (normalize); normalizedDiffers, whether that is another object.
	kstatusAsKobj     answer
	normalizedDiffers bool
}

// exception is one named, documented difference between kobj and
// kstatus. applies says whether the object has the feature the
// exception is about; holds, whether the difference is exactly the one
// documented.
type kstatusException struct {
	name, reason string
	applies      func(obj map[string]any) bool
	holds        func(r result) bool
}

// readAsKobj holds when kobj's answer is kstatus's on the object as kobj
// reads it: malformed fields dropped, whole float64 numbers as int64.
func readAsKobj(r result) bool { return r.kobj.agrees(r.kstatusAsKobj) }

var kstatusExceptions = []kstatusException{
	{
		name: "deletionTimestamp not a string",
		reason: "kstatus fails on it, null included (Unknown); kobj reads a malformed field as absent, " +
			"as its documentation says (issue 17, item 9)",
		applies: func(obj map[string]any) bool {
			v, ok := lookup(obj, "metadata", "deletionTimestamp")
			_, isString := v.(string)
			return ok && !isString
		},
		holds: func(r result) bool { return r.kstatus.Err != "" && readAsKobj(r) },
	},
	{
		name: "generation or observedGeneration not an integer",
		reason: "kstatus fails on a generation that is not an int64 (a string, a bool); " +
			"kobj reads it as absent",
		applies: func(obj map[string]any) bool {
			return notInteger(obj, "metadata", "generation") || notInteger(obj, "status", "observedGeneration")
		},
		holds: func(r result) bool { return r.kstatus.Err != "" && readAsKobj(r) },
	},
	{
		name: "status or status.conditions malformed",
		reason: "kstatus decodes the conditions into a struct and fails (Unknown) on a status that is " +
			"not a map, conditions that are not a list, an entry that is not a map or a field that is not " +
			"a string; kobj skips what it cannot read",
		applies: malformedConditions,
		holds:   func(r result) bool { return r.kstatus.Err != "" && readAsKobj(r) },
	},
	{
		name: "status.containerStatuses malformed",
		reason: "kstatus's Pod rule asserts the types of containerStatuses and panics (or fails) on an entry " +
			"that is not a map or a name, state or reason that is not the expected type; kobj skips it",
		applies: malformedContainerStatuses,
		holds:   func(r result) bool { return r.kstatus.Err != "" && readAsKobj(r) },
	},
	{
		name: "numbers held as float64",
		reason: "kstatus ignores float64 counts and fails on float64 generations; kobj reads a float64 " +
			"holding a whole number in int64's range as that integer (jsonvalue.Int64, kobj's one rule; " +
			"issue 17, item 10): objects decoded by encoding/json hold every number so",
		applies: func(obj map[string]any) bool { return hasFloat(obj) },
		holds:   func(r result) bool { return r.normalizedDiffers && readAsKobj(r) },
	},
	{
		name: "suspended Job",
		reason: "kobj: a Job with Suspended=True while spec.suspend is true is Current (its controller did " +
			"what the spec asks); kstatus v0.37.2 has no such rule (InProgress JobNotStarted until it starts), " +
			"its later sources make the condition alone Current (issue 17, item 7)",
		applies: func(obj map[string]any) bool {
			suspend, _ := lookupValue(obj, "spec", "suspend").(bool)
			return kindOf(obj) == "Job" && suspend && hasConditionTrue(obj, "Suspended")
		},
		// kstatus's answer is its Job rule's when no Complete or Failed
		// condition decides: not started, or running.
		holds: func(r result) bool {
			ks := r.kstatusAsKobj
			return r.kobj == answer{State: readiness.Current, Message: "Job is suspended"} &&
				(ks.State == readiness.InProgress && ks.Reason == "JobNotStarted" ||
					ks.State == readiness.Current && strings.HasPrefix(ks.Message, "Job in progress."))
		},
	},
}

func TestReadinessAgainstKstatus(t *testing.T) {
	fixtures := kstatusFixtures(t)
	generated := generatedCases()
	var cases []oracleCase
	for _, base := range append(fixtures, generated...) {
		for _, v := range variations {
			obj := v.apply(deepCopy(base.obj))
			if obj == nil {
				continue
			}
			cases = append(cases, oracleCase{name: base.name + "/" + v.name, obj: obj})
		}
	}
	used := map[string]int{}
	differ, fixturesAgree := 0, 0
	for _, c := range cases {
		r := result{obj: c.obj, kobj: kobjAnswer(c.obj), kstatus: kstatusAnswer(t, c.obj)}
		if o, err := kobj.FromMap(deepCopy(c.obj)); err == nil {
			if got := o.Readiness(); got.State != r.kobj.State || got.Reason != r.kobj.Reason {
				t.Errorf("%s: Object.Readiness %v, readiness.Compute %v", c.name, got, r.kobj)
			}
		}
		if r.kobj.agrees(r.kstatus) {
			if strings.HasPrefix(c.name, "kstatus:") && strings.HasSuffix(c.name, "/as is") {
				fixturesAgree++
			}
			continue
		}
		differ++
		norm := normalize(deepCopy(c.obj))
		r.normalizedDiffers = !reflect.DeepEqual(norm, c.obj)
		r.kstatusAsKobj = kstatusAnswer(t, norm)
		explained := false
		for _, e := range kstatusExceptions {
			if e.applies(c.obj) && e.holds(r) {
				used[e.name]++
				explained = true
				break
			}
		}
		if !explained {
			t.Errorf("%s: kobj %v, kstatus %v (kstatus on the object as kobj reads it: %v)\n%v",
				c.name, r.kobj, r.kstatus, r.kstatusAsKobj, c.obj)
		}
	}
	for _, e := range kstatusExceptions {
		if used[e.name] == 0 {
			t.Errorf("exception %q explains no difference any more: remove it", e.name)
		}
	}
	names := make([]string, 0, len(used))
	for n := range used {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "\n  %4d  %s", used[n], n)
	}
	t.Logf("%d base objects (%d kstatus fixtures, %d generated) x %d variations = %d cases; "+
		"%d agree, %d differ, by exception:%s\nkstatus's fixtures as they are: %d of %d agree",
		len(fixtures)+len(generated), len(fixtures), len(generated), len(variations), len(cases),
		len(cases)-differ, differ, b.String(), fixturesAgree, len(fixtures))
}
