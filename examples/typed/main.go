// Typed: kobj objects through client-go's Go API types. It builds a
// Deployment as an appsv1.Deployment and creates it with kobj.FromTyped,
// reads it back as the Go type with kobj.As, scales it with kobj.EditAs
// (which sends only spec.replicas, so an annotation another writer set in
// between survives), lists the namespace's Deployments as Go values with
// kobj.ItemsAs, shows what kobj.Strict reports, and deletes the
// Deployment, printing each step.
//
// It uses kobj.DefaultClient, so it runs against whatever cluster your
// kubeconfig points at ($KUBECONFIG, else ~/.kube/config), in the current
// context's namespace.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/kobj-dev/kobj"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

const name = "kobj-typed-example"

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "typed:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	c, err := kobj.DefaultClient()
	if err != nil {
		return err
	}
	ns := c.Namespace()
	fmt.Printf("cluster %s, namespace %q\n\n", c.Host(), ns)

	fmt.Println("1. FromTyped + Create: an appsv1.Deployment made an object")
	labels := map[string]string{"app": name}
	o, err := kobj.FromTyped(&appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27"}}},
			},
		},
	})
	if err != nil {
		return err
	}
	if _, err := o.Create(ctx); err != nil {
		return err
	}
	defer func() {
		if _, err := o.Delete(context.WithoutCancel(ctx)); err == nil {
			fmt.Println("\n6. deleted", o)
		}
	}()
	fmt.Printf("   created %s, resourceVersion %s\n", o, o.ResourceVersion())

	fmt.Println("2. As: the server's answer as an *appsv1.Deployment")
	d, err := kobj.As[appsv1.Deployment](o)
	if err != nil {
		return err
	}
	fmt.Printf("   replicas %d, strategy %s (defaulted by the server), uid %s\n",
		*d.Spec.Replicas, d.Spec.Strategy.Type, d.UID)

	fmt.Println("3. EditAs: scale to 2 while another writer annotates the Deployment")
	other := kobj.New("apps/v1", "Deployment").SetName(name).SetNamespace(ns)
	if _, err := other.Read(ctx); err != nil {
		return err
	}
	other.SetAnnotation("example.kobj.dev/other-writer", "was here")
	if _, err := other.Update(ctx); err != nil {
		return err
	}
	runs := 0
	_, err = kobj.EditAs(ctx, o, func(d *appsv1.Deployment) error {
		runs++
		d.Spec.Replicas = ptr.To[int32](2)
		return nil
	}, kobj.RetryOnConflict())
	if err != nil {
		return err
	}
	replicas, _ := o.GetInt64("spec.replicas")
	fmt.Printf("   replicas %d after %d run(s) of the edit; the other writer's annotation: %q\n",
		replicas, runs, o.Annotations()["example.kobj.dev/other-writer"])

	fmt.Println("4. ItemsAs: the namespace's Deployments as []appsv1.Deployment")
	list, err := kobj.New("apps/v1", "DeploymentList").Read(ctx, kobj.InNamespace(ns), kobj.Limit(50))
	if err != nil {
		return err
	}
	ds, err := kobj.ItemsAs[appsv1.Deployment](list)
	if err != nil {
		return err
	}
	for _, d := range ds {
		fmt.Printf("   %s: %d replica(s)\n", d.Name, *d.Spec.Replicas)
	}

	fmt.Println("5. Strict: a field the Go type does not have")
	typo := o.DeepCopy()
	if err := typo.Set("spec.replica", 3); err != nil {
		return err
	}
	_, err = kobj.As[appsv1.Deployment](typo, kobj.Strict())
	var unknown *kobj.UnknownFieldsError
	if !errors.As(err, &unknown) {
		return fmt.Errorf("As with Strict: %v, want unknown fields", err)
	}
	fmt.Printf("   %v\n", unknown.Paths)
	return nil
}
