package operator

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/util/workqueue"
)

func TestCouldBeCustom(t *testing.T) {
	noMatch := &meta.NoKindMatchError{GroupKind: schema.GroupKind{Kind: "X"}}
	tests := []struct {
		ref  kindRef
		err  error
		want bool
	}{
		{kindRef{"example.com/v1", "Website"}, noMatch, true},
		{kindRef{"gateway.networking.k8s.io/v1", "Gateway"}, noMatch, true}, // a CRD group under k8s.io (api-approved)
		{kindRef{"v1", "Nope"}, noMatch, false},                             // the core group: never a CRD
		{kindRef{"apps/v1", "Nope"}, noMatch, false},                        // a group without a dot: never a CRD
		{kindRef{"example.com/v1", "Website"}, errors.New("connection refused"), false},
	}
	for _, tt := range tests {
		if got := awaitable(tt.ref, tt.err); got != tt.want {
			t.Errorf("awaitable(%v, %v) = %v, want %v", tt.ref, tt.err, got, tt.want)
		}
	}
}

func TestParseCRD(t *testing.T) {
	tests := []struct {
		json  string
		kinds []kindRef
		est   bool
	}{
		{`{"spec":{"group":"example.com","names":{"kind":"Website"},"versions":[{"name":"v1","served":true},{"name":"v2","served":false},{"name":"v3","served":true}]},
		  "status":{"conditions":[{"type":"NamesAccepted","status":"True"},{"type":"Established","status":"True"}]}}`,
			[]kindRef{{"example.com/v1", "Website"}, {"example.com/v3", "Website"}}, true},
		{`{"spec":{"group":"example.com","names":{"kind":"Website"},"versions":[{"name":"v1","served":true}]}}`,
			[]kindRef{{"example.com/v1", "Website"}}, false},
		{`{"spec":{"group":"example.com","names":{"kind":"Website"},"versions":[{"name":"v1","served":true}]},
		  "status":{"conditions":[{"type":"Established","status":"False"}]}}`,
			[]kindRef{{"example.com/v1", "Website"}}, false},
	}
	for i, tt := range tests {
		s, err := parseCRD(&entry{raw: []byte(tt.json)})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(s.kinds(), tt.kinds) || s.established != tt.est {
			t.Errorf("%d: kinds %v established %v, want %v %v", i, s.kinds(), s.established, tt.kinds, tt.est)
		}
	}
	if _, err := parseCRD(&entry{raw: []byte("{")}); err == nil {
		t.Error("parseCRD of bad JSON: no error")
	}
}

// TestKindWatchServed: what the CRDs say of a kind: served while a CRD
// serves its version and is Established; gone once seen going, until a
// CRD serves it again; unknown (ask discovery) when no CRD names it.
func TestKindWatchServed(t *testing.T) {
	kw := &kindWatch{crds: map[string]crdServes{}, gone: map[kindRef]bool{}}
	web := kindRef{"example.com/v1", "Website"}
	crd := func(est bool) *entry {
		e := &entry{raw: []byte(`{"spec":{"group":"example.com","names":{"kind":"Website"},"versions":[{"name":"v1","served":true}]},
			"status":{"conditions":[{"type":"Established","status":"` + map[bool]string{true: "True", false: "False"}[est] + `"}]}}`)}
		e.Name = "websites.example.com"
		return e
	}
	q := newRecordingQueue()
	kw.queue = q
	check := func(step string, served, known bool) {
		t.Helper()
		if s, k := kw.served(web); s != served || k != known {
			t.Errorf("%s: served(%v) = %v, %v; want %v, %v", step, web, s, k, served, known)
		}
	}
	check("no CRD", false, false)
	kw.seen(nil, crd(false))
	check("CRD not established", false, true)
	kw.seen(crd(false), crd(true))
	check("CRD established", true, true)
	if s, k := kw.served(kindRef{"example.com/v2", "Website"}); s || !k {
		t.Errorf("a version the CRD does not serve: %v, %v", s, k)
	}
	kw.seen(crd(true), nil)
	check("CRD deleted", false, true)
	kw.seen(nil, crd(true))
	check("CRD back", true, true)
	kw.seen(crd(true), nil)
	if !slices.Contains(q.added, web) {
		t.Errorf("the kind was not queued: %v", q.added)
	}
	other := kindRef{"other.example.com/v1", "Thing"}
	kw.went(other)
	if s, k := kw.served(other); s || !k {
		t.Errorf("a kind whose list answered 404: %v, %v; want gone", s, k)
	}
}

// TestControllerReady: kindsReady names what each controller waits for.
func TestControllerReady(t *testing.T) {
	c := &Cache{kinds: map[kindRef]*kindCache{}}
	m := &Manager{cache: c}
	waiting := &controller{name: "website.example.com", forKind: kindRef{"example.com/v1", "Website"}}
	waiting.kinds.waiting = []kindRef{{"example.com/v1", "Website"}}
	notStarted := &controller{name: "configmap", forKind: kindRef{"v1", "ConfigMap"}}
	m.controllers = []*controller{waiting, notStarted}
	err := m.kindsReady()
	for _, want := range []string{"controller website.example.com: waiting for the CRD of example.com/v1 Website", "controller configmap: not started"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("kindsReady = %v, want %q", err, want)
		}
	}
	notStarted.kinds.active = true
	waiting.kinds.waiting = nil
	waiting.kinds.active = true
	if err := m.kindsReady(); err == nil || !strings.Contains(err.Error(), "waiting for v1 ConfigMap to sync") {
		t.Errorf("kindsReady with no informer = %v, want a sync wait", err)
	}
	m.controllers = nil
	if err := m.kindsReady(); err != nil {
		t.Errorf("kindsReady with no controller = %v", err)
	}
}

// recordingQueue records the kinds queued.
type recordingQueue struct {
	workqueueTyped
	added []kindRef
}

func newRecordingQueue() *recordingQueue { return &recordingQueue{} }

func (q *recordingQueue) Add(r kindRef)            { q.added = append(q.added, r) }
func (q *recordingQueue) AddRateLimited(r kindRef) { q.added = append(q.added, r) }

type workqueueTyped = workqueue.TypedRateLimitingInterface[kindRef]
