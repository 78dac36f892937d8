package operator

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/internal/jsonvalue"
)

func mustJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

const (
	mgr      = "kobj-operator-website"
	ltt2020  = "2020-01-01T00:00:00Z"
	nowStamp = "2026-12-06T10:00:00Z"
)

// A live object whose conditions list is keyed by type: Ready is this
// manager's, External another's.
const keyedLive = `{"apiVersion":"x/v1","kind":"Website","metadata":{"name":"w","generation":3,"managedFields":[
 {"manager":"kobj-operator-website","operation":"Apply","apiVersion":"x/v1","subresource":"status","fieldsType":"FieldsV1",
  "fieldsV1":{"f:status":{"f:phase":{},"f:conditions":{"k:{\"type\":\"Ready\"}":{".":{},"f:type":{},"f:status":{},"f:reason":{},"f:message":{},"f:observedGeneration":{},"f:lastTransitionTime":{}}}}}},
 {"manager":"other","operation":"Apply","apiVersion":"x/v1","subresource":"status","fieldsType":"FieldsV1",
  "fieldsV1":{"f:status":{"f:conditions":{"k:{\"type\":\"External\"}":{".":{},"f:type":{},"f:status":{}}}}}}]},
 "status":{"phase":"Up","conditions":[
  {"type":"External","status":"True","reason":"X","message":"","lastTransitionTime":"2021-01-01T00:00:00Z"},
  {"type":"Ready","status":"False","reason":"Waiting","message":"m","observedGeneration":3,"lastTransitionTime":"2020-01-01T00:00:00Z"}]}}`

// The same with an atomic list, owned whole by another manager.
const atomicLive = `{"apiVersion":"x/v1","kind":"Website","metadata":{"name":"w","generation":3,"managedFields":[
 {"manager":"other","operation":"Apply","apiVersion":"x/v1","subresource":"status","fieldsType":"FieldsV1",
  "fieldsV1":{"f:status":{"f:conditions":{}}}}]},
 "status":{"conditions":[
  {"type":"External","status":"True","reason":"X","message":"","lastTransitionTime":"2021-01-01T00:00:00Z"}]}}`

func TestConditionsStatus(t *testing.T) {
	now, _ := time.Parse(time.RFC3339, nowStamp)
	ready := func(status, reason, msg string, gen int64) condition {
		return condition{Type: "Ready", Status: status, Reason: reason, Message: msg, ObservedGeneration: gen}
	}
	cases := []struct {
		name        string
		live        string
		pending     []condition
		wantChanged bool
		wantTypes   string // types sent, in order
		wantLTT     string // Ready's lastTransitionTime sent
		wantPhase   bool   // status.phase (owned) sent again
	}{
		{"unchanged", keyedLive, []condition{ready("False", "Waiting", "m", 3)}, false, "Ready", ltt2020, true},
		{"new message keeps the time", keyedLive, []condition{ready("False", "Waiting", "other", 3)}, true, "Ready", ltt2020, true},
		{"new generation", keyedLive, []condition{ready("False", "Waiting", "m", 4)}, true, "Ready", ltt2020, true},
		{"new status moves the time", keyedLive, []condition{ready("True", "Up", "m", 3)}, true, "Ready", nowStamp, true},
		{"a new type keeps owned ones", keyedLive, []condition{{Type: "Progressing", Status: "True", Reason: "R", ObservedGeneration: 3}}, true, "Ready,Progressing", ltt2020, true},
		{"atomic: whole list sent", atomicLive, []condition{ready("True", "Up", "m", 3)}, true, "External,Ready", nowStamp, false},
		{"no conditions yet", `{"apiVersion":"x/v1","kind":"Website","metadata":{"name":"w"}}`, []condition{ready("True", "Up", "", 1)}, true, "Ready", nowStamp, false},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			live := mustJSON(t, tt.live)
			before := jsonvalue.Copy(live)
			status, changed, err := conditionsStatus(live, mgr, tt.pending, now)
			if err != nil {
				t.Fatal(err)
			}
			if changed != tt.wantChanged {
				t.Errorf("changed = %v; want %v", changed, tt.wantChanged)
			}
			var types []string
			var ltt string
			for _, c := range status["conditions"].([]any) {
				m := c.(map[string]any)
				types = append(types, m["type"].(string))
				if m["type"] == "Ready" {
					ltt, _ = m["lastTransitionTime"].(string)
				}
			}
			if got := strings.Join(types, ","); got != tt.wantTypes {
				t.Errorf("types sent %s; want %s", got, tt.wantTypes)
			}
			if ltt != tt.wantLTT {
				t.Errorf("Ready lastTransitionTime %q; want %q", ltt, tt.wantLTT)
			}
			if _, ok := status["phase"]; ok != tt.wantPhase {
				t.Errorf("phase sent: %v; want %v", ok, tt.wantPhase)
			}
			if !jsonvalue.Equal(before, live) {
				t.Error("live was modified")
			}
		})
	}
}

func TestAtomicConditions(t *testing.T) {
	cases := []struct {
		name, live string
		want       bool
	}{
		{"keyed", keyedLive, false},
		{"atomic", atomicLive, true},
		{"no managedFields", `{"metadata":{},"status":{"conditions":[{"type":"A"}]}}`, false},
		{"keyed wins over a leaf", `{"metadata":{"managedFields":[
			{"fieldsV1":{"f:status":{"f:conditions":{}}}},
			{"fieldsV1":{"f:status":{"f:conditions":{"k:{\"type\":\"A\"}":{}}}}}]}}`, false},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			if got := atomicConditions(mustJSON(t, tt.live)); got != tt.want {
				t.Errorf("atomicConditions = %v; want %v", got, tt.want)
			}
		})
	}
}

func TestConditionCheck(t *testing.T) {
	cases := []struct {
		c    condition
		want string // "" = valid
	}{
		{condition{Type: "Ready", Status: "True", Reason: "R"}, ""},
		{condition{Type: "Ready", Status: "Unknown", Reason: "R"}, ""},
		{condition{Status: "True", Reason: "R"}, "empty type"},
		{condition{Type: "Ready", Status: "true", Reason: "R"}, `status "true"`},
		{condition{Type: "Ready", Status: "False"}, "empty reason"},
	}
	for _, tt := range cases {
		err := tt.c.check()
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("check(%+v) = %v; want %q", tt.c, err, tt.want)
		}
	}
}

func TestSetConditionReplacesSameType(t *testing.T) {
	obj, err := kobj.FromMap(map[string]any{"apiVersion": "x/v1", "kind": "W", "metadata": map[string]any{"name": "w", "generation": int64(7)}})
	if err != nil {
		t.Fatal(err)
	}
	r := &Reconcile{Object: obj}
	r.SetCondition("Ready", "False", "A", "")
	r.SetCondition("Progressing", "True", "B", "")
	r.SetCondition("Ready", "True", "C", "done")
	want := []condition{{"Ready", "True", "C", "done", 7}, {"Progressing", "True", "B", "", 7}}
	if len(r.conditions) != 2 || r.conditions[0] != want[0] || r.conditions[1] != want[1] {
		t.Errorf("conditions %+v; want %+v", r.conditions, want)
	}
}
