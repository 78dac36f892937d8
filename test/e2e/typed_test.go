package e2e

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kobj-dev/kobj"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
)

// typedDeployment is a Deployment with every field the server would
// default already set to its default, so that what comes back can be
// compared with it whole.
func typedDeployment(name, ns string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	quarter := intstr.FromString("25%")
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels,
			Annotations: map[string]string{"owner": "typed-test"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: &quarter, MaxSurge: &quarter}},
			RevisionHistoryLimit:    ptr.To[int32](10),
			ProgressDeadlineSeconds: ptr.To[int32](600),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1",
						Ports:                    []corev1.ContainerPort{{ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
						TerminationMessagePath:   corev1.TerminationMessagePathDefault,
						TerminationMessagePolicy: corev1.TerminationMessageReadFile,
						ImagePullPolicy:          corev1.PullIfNotPresent}},
					RestartPolicy:                 corev1.RestartPolicyAlways,
					TerminationGracePeriodSeconds: ptr.To[int64](30),
					DNSPolicy:                     corev1.DNSClusterFirst,
					SecurityContext:               &corev1.PodSecurityContext{},
					SchedulerName:                 corev1.DefaultSchedulerName,
				},
			},
		},
	}
}

// withoutServerFields returns a copy of d without what the server sets:
// identity, versions, timestamps, managed fields, status.
func withoutServerFields(d *appsv1.Deployment) *appsv1.Deployment {
	d = d.DeepCopy()
	d.TypeMeta = metav1.TypeMeta{}
	d.UID, d.ResourceVersion, d.Generation = "", "", 0
	d.CreationTimestamp, d.ManagedFields = metav1.Time{}, nil
	d.Status = appsv1.DeploymentStatus{}
	return d
}

func TestTypedDeploymentCreatedAndReadByClientGo(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	want := typedDeployment("typed", ns)
	o, err := kobj.FromTyped(want)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.SetClient(c).Create(ctx); err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := cs.AppsV1().Deployments(ns).Get(ctx, "typed", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(withoutServerFields(want), withoutServerFields(got)); diff != "" {
		t.Errorf("client-go reads another Deployment than kobj created (-sent +read):\n%s", diff)
	}
	// kobj's typed view of the server's answer is client-go's, server
	// fields included.
	created, err := kobj.As[appsv1.Deployment](o, kobj.Strict())
	if err != nil {
		t.Fatal(err)
	}
	got.TypeMeta = created.TypeMeta // client-go's typed client clears it
	if !equality.Semantic.DeepEqual(created, got) {
		t.Errorf("As of the created object differs from client-go's Get:\n%s", cmp.Diff(created, got))
	}
}

func TestItemsAsOnAPagedList(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c, log := newCountingClient(t)
	ns := newNamespace(t, c)
	var want []string
	for i := range 5 {
		name := fmt.Sprintf("cm-%d", i)
		cm := newConfigMap(name, ns, map[string]any{"i": fmt.Sprint(i)}).SetLabel("set", "typed").SetClient(c)
		if _, err := cm.Create(ctx); err != nil {
			t.Fatal(err)
		}
		want = append(want, name)
	}
	log.Reset()
	list, err := kobj.New("v1", "ConfigMapList").SetClient(c).Read(ctx, kobj.InNamespace(ns), kobj.LabelSelector("set=typed"), kobj.Limit(2))
	if err != nil {
		t.Fatal(err)
	}
	pages := log.Matching(func(method, path, query string) bool {
		return method == "GET" && strings.HasSuffix(path, "/configmaps")
	})
	if len(pages) != 3 {
		t.Errorf("the list took %d pages, want 3 of 2 items: %v", len(pages), pages)
	}
	cms, err := kobj.ItemsAs[corev1.ConfigMap](list, kobj.Strict())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, cm := range cms {
		got = append(got, cm.Name)
		if cm.Data["i"] != strings.TrimPrefix(cm.Name, "cm-") || cm.Namespace != ns || cm.UID == "" {
			t.Errorf("%s: %+v", cm.Name, cm)
		}
	}
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ItemsAs names (-want +got):\n%s", diff)
	}
}

// patchLog records the bodies of the PATCH requests a client sends.
type patchLog struct {
	mu     sync.Mutex
	bodies []string
}

func (l *patchLog) config(base *rest.Config) *rest.Config {
	cc := rest.CopyConfig(base)
	cc.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method == http.MethodPatch && r.Body != nil {
				body, err := io.ReadAll(r.Body)
				if err != nil {
					return nil, err
				}
				l.mu.Lock()
				l.bodies = append(l.bodies, string(body))
				l.mu.Unlock()
				r.Body = io.NopCloser(strings.NewReader(string(body)))
			}
			return rt.RoundTrip(r)
		})
	}
	return cc
}

func (l *patchLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.bodies
	l.bodies = nil
	return out
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

var resourceVersionInPatch = regexp.MustCompile(`"resourceVersion":"[0-9]+"`)

func TestEditAsDeploymentSendsOnlyReplicas(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	patches := &patchLog{}
	c, err := kobj.NewClient(patches.config(cfg), kobj.CacheDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	ns := newNamespace(t, c)
	o, err := kobj.FromTyped(typedDeployment("edited", ns))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.SetClient(c).Create(ctx); err != nil {
		t.Fatal(err)
	}
	// Another writer annotates the Deployment after o was read: the first
	// patch meets a Conflict, EditAs reads again and runs fn again.
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	other, err := cs.AppsV1().Deployments(ns).Get(ctx, "edited", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	other.Annotations["other-writer"] = "was here"
	if _, err := cs.AppsV1().Deployments(ns).Update(ctx, other, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	runs := 0
	_, err = kobj.EditAs(ctx, o, func(d *appsv1.Deployment) error {
		runs++
		d.Spec.Replicas = ptr.To[int32](3)
		return nil
	}, kobj.RetryOnConflict())
	if err != nil {
		t.Fatal(err)
	}
	if runs != 2 {
		t.Errorf("fn ran %d times, want 2 (once more after the Conflict)", runs)
	}
	sent := patches.take()
	if len(sent) != 2 {
		t.Errorf("EditAs sent %d patches, want 2 (the first meets the Conflict): %v", len(sent), sent)
	}
	for _, body := range sent {
		if got := resourceVersionInPatch.ReplaceAllString(body, `"resourceVersion":"N"`); got != `{"metadata":{"resourceVersion":"N"},"spec":{"replicas":3}}` {
			t.Errorf("EditAs sent %s, want only spec.replicas and the resourceVersion", body)
		}
	}
	back, err := cs.AppsV1().Deployments(ns).Get(ctx, "edited", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *back.Spec.Replicas != 3 || back.Annotations["other-writer"] != "was here" || back.Annotations["owner"] != "typed-test" {
		t.Errorf("on the server: replicas %d, annotations %v", *back.Spec.Replicas, back.Annotations)
	}
}

// sizedWidget models the Widget custom resource's spec.size only; its
// spec.color is outside the Go type.
type sizedWidget struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              struct {
		Size int `json:"size"`
	} `json:"spec"`
}

func TestEditAsCustomResourceKeepsFieldsOutsideTheGoType(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	patches := &patchLog{}
	c, err := kobj.NewClient(patches.config(cfg), kobj.CacheDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	ns := newNamespace(t, c)
	group := "typed-" + suffix() + ".kobj.example.com"
	createCRD(t, c, group, "Namespaced")
	w := load(t, "apiVersion: "+group+"/v1\nkind: Widget\nmetadata: {name: w, namespace: "+ns+"}\nspec: {size: 1, color: blue}\n").SetClient(c)
	if _, err := w.Create(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := kobj.As[sizedWidget](w, kobj.Strict()); err == nil {
		t.Error("As(Strict) of a Widget with spec.color: no error, want an unknown field")
	}
	patches.take()
	if _, err := kobj.EditAs(ctx, w, func(s *sizedWidget) error { s.Spec.Size = 5; return nil }); err != nil {
		t.Fatal(err)
	}
	sent := patches.take()
	if len(sent) != 1 || resourceVersionInPatch.ReplaceAllString(sent[0], `"resourceVersion":"N"`) != `{"metadata":{"resourceVersion":"N"},"spec":{"size":5}}` {
		t.Errorf("EditAs sent %v, want one patch of spec.size and the resourceVersion", sent)
	}
	back, err := readFresh(ctx, c, group+"/v1", "Widget", ns, "w")
	if err != nil {
		t.Fatal(err)
	}
	if size, _ := back.GetInt64("spec.size"); size != 5 || mustString(t, back, "spec.color") != "blue" {
		t.Errorf("on the server: spec %v, want size 5 and color blue", back.Map()["spec"])
	}
}
