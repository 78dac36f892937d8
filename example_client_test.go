package kobj_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/kobj-dev/kobj"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
)

// These examples need a cluster; they compile with the tests and run
// against yours with go test -run Example... if you add an Output line.

func ExampleNewClient() {
	cfg, err := clientcmd.BuildConfigFromFlags("", clientcmd.RecommendedHomeFile)
	if err != nil {
		log.Fatal(err)
	}
	c, err := kobj.NewClient(cfg, kobj.DefaultNamespace("shop"), kobj.MaxInFlight(16))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	// Every call on cm uses c; a namespaced kind with no namespace goes to "shop".
	cm := kobj.New("v1", "ConfigMap").SetName("settings").SetClient(c)
	if _, err := cm.Read(context.Background()); err != nil {
		log.Fatal(err)
	}
	fmt.Println(cm.Namespace())
}

func ExampleNewClientFromKubeconfig() {
	// "" and "": the usual kubeconfig, its current context. Name a file
	// and a context to pick another cluster.
	c, err := kobj.NewClientFromKubeconfig("", "staging")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Host(), c.Namespace())
}

func ExampleObject_Read_list() {
	ctx := context.Background()
	// A list kind lists: every page (Limit is the page size), selectors
	// applied by the server.
	pods, err := kobj.New("v1", "PodList").Read(ctx, kobj.InNamespace("default"),
		kobj.LabelSelector("app=web"), kobj.Limit(100))
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range pods.Items() {
		phase, _ := p.GetString("status.phase")
		fmt.Println(p.Name(), phase)
	}
}

func ExampleObject_Each() {
	ctx := context.Background()
	// Every Pod of the cluster, 500 at a time: one page is held, whatever
	// the size of the list. Break to stop; no further page is asked for.
	n := 0
	for pod, err := range kobj.New("v1", "PodList").Each(ctx, kobj.AllNamespaces(), kobj.Limit(500)) {
		if err != nil {
			// The last thing yielded. apierrors.IsResourceExpired(err): the
			// list expired between two pages (the server compacted its
			// history); range again to walk it from the start.
			log.Fatal(err)
		}
		if phase, _ := pod.GetString("status.phase"); phase == "Failed" {
			n++
			fmt.Println(pod.Namespace(), pod.Name())
		}
	}
	fmt.Println(n, "failed pods")
}

func ExampleObject_Update() {
	ctx := context.Background()
	d, err := kobj.New("apps/v1", "Deployment").Read(ctx, kobj.Named("web"), kobj.InNamespace("default"))
	if err != nil {
		log.Fatal(err)
	}
	// Removing a field and updating clears it on the server: the merge
	// patch sends it as null, with the resourceVersion read above.
	d.Remove("spec.template.spec.nodeSelector")
	if _, err := d.Update(ctx, kobj.FieldManager("ops-script")); err != nil {
		log.Fatal(err) // apierrors.IsConflict(err) if someone changed it since
	}
}

func ExampleClient_Operations() {
	c, err := kobj.DefaultClient()
	if err != nil {
		log.Fatal(err)
	}
	ops, err := c.Operations(context.Background(), "Deployment")
	if err != nil {
		log.Fatal(err)
	}
	for _, op := range ops {
		fmt.Println(op.Method, op.Path, op.ShortID)
	}
}

// Options are small values; each verb takes only those that make sense for
// it, checked by the compiler.
func Example_options() {
	ctx := context.Background()
	cm := kobj.New("v1", "ConfigMap").SetName("settings")
	_, _ = cm.Create(ctx, kobj.InNamespace("shop"), kobj.DryRun(), kobj.FieldValidation("Strict"))
	_, _ = cm.Delete(ctx, kobj.InNamespace("shop"),
		kobj.PropagationPolicy(metav1.DeletePropagationForeground),
		kobj.GracePeriod(30*time.Second),
		kobj.Preconditions{UID: cm.UID()})
	// Options for several calls go in a slice of the verb's option type.
	read := []kobj.ReadOption{kobj.InNamespace("shop"), kobj.AtResourceVersion("0")}
	_, _ = kobj.New("v1", "ConfigMapList").Read(ctx, read...)
}
