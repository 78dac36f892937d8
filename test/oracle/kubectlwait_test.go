package oracle

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/kobj-dev/kobj"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/cli-runtime/pkg/resource"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	kubectlwait "k8s.io/kubectl/pkg/cmd/wait"
)

// This file runs kubectl wait's own code (k8s.io/kubectl v0.37.2,
// pkg/cmd/wait: its --for parsing, ConditionalWait and JSONPathWait, through
// WaitOptions.RunWaitContext) with --timeout=0 over a fake dynamic client,
// and kobj's Condition.Check on the very object the fake client served, for
// every object × condition below. The outcomes compared:
//
//	rejected  kubectl: --for refused by ToOptions, before any request;
//	          kobj: the condition fails even on a nil object (Wait refuses
//	          it before any request).
//	met       kubectl: RunWaitContext returns nil; kobj: true, nil.
//	unmet     kubectl: "condition not met"; kobj: false, nil.
//	error     any other error of either.
//
// A difference is allowed only where an exception below names it and
// gives its reason; the test fails on any other, and on an exception that
// no case needs any more.

var widgetGVR = schema.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "widgets"}

// outcome is what one side said about one case.
type outcome string

const (
	rejected outcome = "rejected"
	met      outcome = "met"
	unmet    outcome = "unmet"
	failed   outcome = "error"
)

// waitCase is one --for of kubectl and the kobj Condition that claims to
// behave the same.
type waitCase struct {
	name string // how kobj writes it
	for_ string // kubectl's --for
	cond kobj.Condition
}

// object is one object the cases run on, with what makes it special.
type object struct {
	name    string
	content map[string]any
	// floatGenerations: some generation or observedGeneration is a float64
	// holding a whole number.
	floatGenerations bool
	// nullConditions: status.conditions is JSON null.
	nullConditions bool
}

// exception is a difference kept on purpose.
type waitException struct {
	name, reason     string
	applies          func(o object, c waitCase) bool
	kubectl, kobjSay outcome
}

var waitExceptions = []waitException{
	{
		name: "float64 generations are integers",
		reason: "kobj reads every integer by jsonvalue.Int64: a float64 holding a whole number in int64's range " +
			"(objects decoded by encoding/json, FromMap) is that integer, everywhere (GetInt64, readiness, " +
			"conditions). kubectl's unstructured.NestedInt64 ignores such a generation or observedGeneration, " +
			"so a stale condition counts for kubectl and not for kobj (issue 17, items 10 and 17).",
		applies: func(o object, c waitCase) bool { return o.floatGenerations && strings.HasPrefix(c.for_, "condition=") },
		kubectl: met, kobjSay: unmet,
	},
	{
		name: "null status.conditions is absent",
		reason: "kobj reads a JSON null status.conditions as absent, as kubectl itself reads a null status " +
			"and as an API server prunes a null it is sent; kubectl's unstructured.NestedSlice fails on it. " +
			"A Go status struct without omitempty marshals a nil slice as null: an object built in memory " +
			"would otherwise fail Check.",
		applies: func(o object, c waitCase) bool { return o.nullConditions && strings.HasPrefix(c.for_, "condition=") },
		kubectl: failed, kobjSay: unmet,
	},
}

func conditionsObject(name string, conds any) object {
	o := object{name: name, content: widget()}
	o.content["status"].(map[string]any)["conditions"] = conds
	return o
}

func entry(typ, status any, kv ...any) map[string]any {
	m := map[string]any{}
	if typ != nil {
		m["type"] = typ
	}
	if status != nil {
		m["status"] = status
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// widget is the base object: values of every JSON type for JSONPath.
func widget() map[string]any {
	return map[string]any{
		"apiVersion": "example.com/v1", "kind": "Widget",
		"metadata": map[string]any{"name": "w", "namespace": "ns", "uid": "u1",
			"annotations": map[string]any{"quoted": `"x"`, "spaced": " x ", "empty": ""}},
		"spec": map[string]any{
			"replicas": int64(3), "whole": float64(3), "ratio": 0.5, "paused": false,
			"labels": map[string]any{"a": "b"}, "none": nil, "list": []any{"a", "b"}, "one": []any{"a"},
		},
		"status": map[string]any{
			"phase":        "Running",
			"loadBalancer": map[string]any{"ingress": []any{map[string]any{"ip": "10.0.0.1"}}},
			"empty":        []any{},
			"emptyMap":     map[string]any{},
		},
	}
}

func objects() []object {
	withGen := func(o object, gen, statusGen any) object {
		if gen != nil {
			o.content["metadata"].(map[string]any)["generation"] = gen
		}
		if statusGen != nil {
			o.content["status"].(map[string]any)["observedGeneration"] = statusGen
		}
		return o
	}
	readyTrue := []any{entry("Ready", "True", "reason", "Done")}
	objs := []object{
		{name: "no conditions", content: widget()},
		conditionsObject("Ready=True", readyTrue),
		conditionsObject("Ready=False", []any{entry("Ready", "False")}),
		conditionsObject("Ready=Unknown", []any{entry("Ready", "Unknown")}),
		conditionsObject("ready=TRUE", []any{entry("ready", "TRUE")}),
		conditionsObject("Ready without status, then True", []any{entry("Ready", nil), entry("Ready", "True")}),
		conditionsObject("Ready with a bool status, then False", []any{entry("Ready", true), entry("Ready", "False")}),
		conditionsObject("Ready with a number status only", []any{entry("Ready", int64(1))}),
		conditionsObject("Ready empty status, then True", []any{entry("Ready", ""), entry("Ready", "True")}),
		conditionsObject("Ready=False then Ready=True", []any{entry("Ready", "False"), entry("Ready", "True")}),
		conditionsObject("a string entry, then Ready=True", []any{"Ready", entry("Ready", "True")}),
		conditionsObject("a numeric type, then Synced", []any{entry(int64(5), "True"), entry("Synced", "True")}),
		conditionsObject("no type", []any{entry(nil, "True")}),
		conditionsObject("several types", []any{entry("Synced", "True"), entry("Ready", "False"), entry("Healthy", "True")}),
		conditionsObject("conditions a map", map[string]any{"type": "Ready", "status": "True"}),
		conditionsObject("conditions a string", "Ready"),
		conditionsObject("conditions empty", []any{}),
		withGen(conditionsObject("stale by status.observedGeneration", readyTrue), int64(2), int64(1)),
		withGen(conditionsObject("current by status.observedGeneration", readyTrue), int64(2), int64(2)),
		withGen(conditionsObject("ahead of generation", readyTrue), int64(2), int64(3)),
		withGen(conditionsObject("the entry's own observedGeneration wins", []any{entry("Ready", "True", "observedGeneration", int64(2))}), int64(2), int64(1)),
		withGen(conditionsObject("the entry's own stale", []any{entry("Ready", "True", "observedGeneration", int64(1))}), int64(2), int64(2)),
		withGen(conditionsObject("the entry's own a string", []any{entry("Ready", "True", "observedGeneration", "1")}), int64(2), int64(2)),
		withGen(conditionsObject("the entry's own a fraction", []any{entry("Ready", "True", "observedGeneration", 1.5)}), int64(2), nil),
		withGen(conditionsObject("observedGeneration without generation", readyTrue), nil, int64(1)),
		withGen(conditionsObject("stale, status False", []any{entry("Ready", "False")}), int64(2), int64(1)),
		withGen(conditionsObject("stale first entry, current second", []any{entry("Ready", "True", "observedGeneration", int64(1)), entry("Ready", "True", "observedGeneration", int64(2))}), int64(2), nil),
		withGen(conditionsObject("fractional generation", readyTrue), 2.5, int64(1)),
	}
	floats := []object{
		withGen(conditionsObject("float64 generations, stale", readyTrue), float64(2), float64(1)),
		withGen(conditionsObject("float64 generation, int64 observedGeneration, stale", readyTrue), float64(2), int64(1)),
		withGen(conditionsObject("int64 generation, float64 entry observedGeneration, stale", []any{entry("Ready", "True", "observedGeneration", float64(1))}), int64(2), nil),
		withGen(conditionsObject("float64 generations, current", readyTrue), float64(2), float64(2)),
	}
	for _, o := range floats {
		o.floatGenerations = true
		objs = append(objs, o)
	}
	nullStatus := object{name: "status null", content: widget()}
	nullStatus.content["status"] = nil
	nullConds := conditionsObject("status.conditions null", nil)
	nullConds.nullConditions = true
	statusString := object{name: "status a string", content: widget()}
	statusString.content["status"] = "Running"
	return append(objs, nullStatus, nullConds, statusString)
}

func conditionCases() []waitCase {
	var cases []waitCase
	for _, typ := range []string{"Ready", "ready", "READY", "Synced", "Missing", ""} {
		cases = append(cases, waitCase{fmt.Sprintf("ConditionTrue(%q)", typ), "condition=" + typ, kobj.ConditionTrue(typ)})
		for _, status := range []string{"True", "true", "False", "Unknown", ""} {
			cases = append(cases, waitCase{fmt.Sprintf("ConditionIs(%q, %q)", typ, status), "condition=" + typ + "=" + status, kobj.ConditionIs(typ, status)})
		}
	}
	return cases
}

func jsonPathCases() []waitCase {
	exprs := []string{
		".status.phase", "{.status.phase}", "status.phase", "{status.phase}", "{..phase}",
		".spec.replicas", ".spec.whole", ".spec.ratio", ".spec.paused", ".spec.none",
		".spec.labels", ".spec.list", ".spec.one", ".spec.one[0]", ".spec.list[*]",
		".status.loadBalancer.ingress", "{.status.loadBalancer.ingress[0].ip}", ".status.empty", ".status.emptyMap",
		".status.nothing", ".status.nothing.deeper", ".spec.replicas.deeper", ".metadata.name",
		".metadata.annotations.quoted", ".metadata.annotations.spaced", ".metadata.annotations.empty",
		`{.status.conditions[?(@.type=="Ready")].status}`, `{.status.conditions[?(@.type=="Missing")].status}`,
		".status.conditions", ".status.conditions[0].type", ".status.conditions[*].type",
		".status", "{.}", " .status.phase", "{ .status.phase }",
		// kubectl rejects these.
		"", "{.status.phase", ".status.phase}", "{}", "{.a}{.b}", "{range .spec.list[*]}{@}{end}", "{.spec[}", "{.spec.list[a]}",
	}
	values := []string{"", "Running", `"Running"`, `'Running'`, `'"Running"'`, `"Running`, " Running ", "running",
		`""`, `''`, "3", "0.5", "false", "<nil>", "True", "w", "b", `"x"`, "x", " ", "10.0.0.1", "map[a:b]", "[a b]"}
	var cases []waitCase
	for _, e := range exprs {
		cases = append(cases, waitCase{fmt.Sprintf("JSONPath(%q)", e), "jsonpath=" + e, kobj.JSONPath(e)})
		for _, v := range values {
			cases = append(cases, waitCase{fmt.Sprintf("JSONPath(%q, %q)", e, v), "jsonpath=" + e + "=" + v, kobj.JSONPath(e, v)})
		}
	}
	return cases
}

// kubectlParses runs kubectl's own --for parsing (WaitFlags.ToOptions,
// --timeout=0): an error there is a rejection before any request.
func kubectlParses(c waitCase) (*kubectlwait.WaitOptions, error) {
	flags := kubectlwait.NewWaitFlags(restClientGetter(), genericiooptions.NewTestIOStreamsDiscard())
	flags.ForCondition = []string{c.for_}
	flags.Timeout = 0
	return flags.ToOptions(nil)
}

// kubectlSays runs kubectl wait with opts (from kubectlParses) on the
// object info names, served by a fake dynamic client.
func kubectlSays(ctx context.Context, opts *kubectlwait.WaitOptions, client *dynamicfake.FakeDynamicClient, info *resource.Info) (outcome, error) {
	opts.DynamicClient = client
	opts.ResourceFinder = genericclioptions.NewSimpleFakeResourceFinder(info)
	err := opts.RunWaitContext(ctx)
	switch {
	case err == nil:
		return met, nil
	case strings.Contains(err.Error(), "condition not met for"):
		return unmet, nil
	}
	return failed, err
}

// restClientGetter is just enough for WaitFlags.ToOptions, which builds a
// dynamic client from it without a request; the fake replaces it.
func restClientGetter() genericclioptions.RESTClientGetter {
	cfg := clientcmd.NewDefaultClientConfig(*clientcmdapi.NewConfig(), &clientcmd.ConfigOverrides{
		ClusterInfo: clientcmdapi.Cluster{Server: "https://127.0.0.1:1"},
	})
	return genericclioptions.NewTestConfigFlags().WithClientConfig(cfg)
}

// kobjSays evaluates c on o with Check.
func kobjSays(o *kobj.Object, c waitCase) (outcome, error) {
	if _, err := c.cond.Check(nil); err != nil {
		return rejected, err
	}
	ok, err := c.cond.Check(o)
	switch {
	case err != nil:
		return failed, err
	case ok:
		return met, nil
	}
	return unmet, nil
}

// served is one object as the fake client serves it, to both sides.
type served struct {
	object
	client *dynamicfake.FakeDynamicClient
	info   *resource.Info
	kobj   *kobj.Object
}

func serve(t *testing.T, ctx context.Context, ob object) served {
	u := &unstructured.Unstructured{Object: ob.content}
	client := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{widgetGVR: "WidgetList"}, u.DeepCopy())
	// kobj reads the very object kubectl reads: the fake client's copy.
	got, err := client.Resource(widgetGVR).Namespace("ns").Get(ctx, "w", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("%s: the fake client: %v", ob.name, err)
	}
	o, err := kobj.FromMap(got.Object)
	if err != nil {
		t.Fatalf("%s: FromMap: %v", ob.name, err)
	}
	info := &resource.Info{
		Mapping:   &meta.RESTMapping{Resource: widgetGVR, GroupVersionKind: widgetGVR.GroupVersion().WithKind("Widget"), Scope: meta.RESTScopeNamespace},
		Namespace: "ns", Name: "w", Object: got,
	}
	return served{object: ob, client: client, info: info, kobj: o}
}

// TestKubectlWaitAgrees compares every condition on every object. A
// condition kubectl rejects is compared once, not once per object: neither
// side reads an object for it.
func TestKubectlWaitAgrees(t *testing.T) {
	ctx := context.Background()
	conds := append(conditionCases(), jsonPathCases()...)
	var objs []served
	for _, ob := range objects() {
		objs = append(objs, serve(t, ctx, ob))
	}
	cases, same, rejectedConds := 0, 0, 0
	byException := map[string]int{}
	kubectlSaid := map[outcome]int{}
	differ := func(ob object, c waitCase, k outcome, kErr error, j outcome, jErr error) {
		if ex := findException(ob, c, k, j); ex != nil {
			byException[ex.name]++
			return
		}
		t.Errorf("object %q, %s (--for=%s): kubectl %s (%v), kobj %s (%v)", ob.name, c.name, c.for_, k, kErr, j, jErr)
	}
	for _, c := range conds {
		opts, parseErr := kubectlParses(c)
		if parseErr != nil {
			rejectedConds++
			cases++
			kubectlSaid[rejected]++
			if j, jErr := kobjSays(nil, c); j == rejected {
				same++
			} else {
				differ(object{name: "(none read)"}, c, rejected, parseErr, j, jErr)
			}
			continue
		}
		for _, ob := range objs {
			cases++
			k, kErr := kubectlSays(ctx, opts, ob.client, ob.info)
			j, jErr := kobjSays(ob.kobj, c)
			kubectlSaid[k]++
			if k == j {
				same++
				continue
			}
			differ(ob.object, c, k, kErr, j, jErr)
		}
	}
	for _, ex := range waitExceptions {
		if byException[ex.name] == 0 {
			t.Errorf("exception %q no longer needed: remove it", ex.name)
		}
	}
	// Every outcome occurs, so that the comparison is not vacuous.
	for _, want := range []outcome{rejected, met, unmet, failed} {
		if kubectlSaid[want] == 0 {
			t.Errorf("no case where kubectl says %s", want)
		}
	}
	names := make([]string, 0, len(byException))
	for n := range byException {
		names = append(names, n)
	}
	sort.Strings(names)
	var excepted []string
	for _, n := range names {
		excepted = append(excepted, fmt.Sprintf("%q %d", n, byException[n]))
	}
	t.Logf("kubectl wait vs kobj Check: %d conditions (%d rejected by kubectl, compared once) on %d objects = %d cases; "+
		"%d agree, %d differ, each by a named exception (%s); kubectl said %v",
		len(conds), rejectedConds, len(objs), cases, same, cases-same, strings.Join(excepted, ", "), kubectlSaid)
}

func findException(o object, c waitCase, kubectl, kobjSay outcome) *waitException {
	for i, ex := range waitExceptions {
		if ex.applies(o, c) && ex.kubectl == kubectl && ex.kobjSay == kobjSay {
			return &waitExceptions[i]
		}
	}
	return nil
}

// The oracle itself must be kubectl's, not a stand-in: a quick check that
// the harness tells kubectl's three answers apart on a plain object.
func TestKubectlHarness(t *testing.T) {
	ob := conditionsObject("Ready=True", []any{entry("Ready", "True")})
	u := &unstructured.Unstructured{Object: ob.content}
	client := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{widgetGVR: "WidgetList"}, u)
	info := &resource.Info{Mapping: &meta.RESTMapping{Resource: widgetGVR}, Namespace: "ns", Name: "w", Object: u}
	for for_, want := range map[string]outcome{
		"condition=Ready":                 met,
		"condition=Ready=False":           unmet,
		"jsonpath={.status.conditions}=x": failed,
		"jsonpath={}":                     rejected,
	} {
		k, err := outcome(rejected), error(nil)
		if opts, perr := kubectlParses(waitCase{for_: for_}); perr != nil {
			err = perr
		} else {
			k, err = kubectlSays(context.Background(), opts, client, info)
		}
		if k != want {
			t.Errorf("--for=%s: kubectl %s (%v), want %s", for_, k, err, want)
		}
	}
}
