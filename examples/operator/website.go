package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/kobj-dev/kobj"
	"github.com/kobj-dev/kobj/operator"
)

// The Website operator: a Website custom resource (example.com/v1) is
// rendered into a ConfigMap holding its page, a Deployment serving it and
// a Service in front; its Ready condition rolls up the children's
// readiness (kstatus's rules, through kobj's Readiness); a finalizer runs
// a clean-up before the Website goes, and the garbage collector removes
// the children through the ownerReferences r.Apply writes.

const (
	finalizerName = "example.com/cleanup"
	// image is what the Deployment runs. No kubelet runs in the local
	// control plane, so its Pods stay Pending; the Deployment still gets
	// a real status from kube-controller-manager.
	image = "nginx:1.27"
)

// controller is the Website controller: For Websites, Owns what it
// renders, reconciled when a Website's spec (its generation) or a child
// changes.
func controller(cleanup func(ctx context.Context, r *operator.Reconcile) error) *operator.Builder {
	return operator.For("example.com/v1", "Website").
		Owns("v1", "ConfigMap").
		Owns("apps/v1", "Deployment").
		Owns("v1", "Service").
		When(operator.GenerationChanged()).
		Finalizer(finalizerName, cleanup).
		Workers(2).
		Reconcile(reconcile)
}

// reconcile renders a Website's children, applies them (no write for a
// converged child; children no longer rendered are pruned), and sets
// Ready from their readiness.
func reconcile(ctx context.Context, r *operator.Reconcile) (operator.Result, error) {
	site := r.Object
	if site == nil { // gone: the garbage collector removes the children
		return operator.Result{}, nil
	}
	children, err := render(site)
	if err != nil {
		// A spec that cannot be rendered will not render on a retry.
		r.SetCondition("Ready", "False", "InvalidSpec", err.Error())
		return operator.Result{}, operator.Terminal(err)
	}
	if _, err := r.Apply(ctx, children...); err != nil {
		return operator.Result{}, err
	}
	var waiting []string
	for _, child := range children {
		if rd := child.Readiness(); rd.State != kobj.Current {
			waiting = append(waiting, fmt.Sprintf("%s %s: %s", child.Kind(), child.Name(), rd.Message))
		}
	}
	if len(waiting) > 0 {
		r.SetCondition("Ready", "False", "ChildrenNotReady", strings.Join(waiting, "; "))
		return operator.Result{}, nil
	}
	r.SetCondition("Ready", "True", "ChildrenReady", "the ConfigMap, Deployment and Service are ready")
	r.Event("Normal", "Ready", "website %s is ready", site.Name())
	return operator.Result{}, nil
}

// render returns the objects a Website stands for: its page in a
// ConfigMap, a Deployment that serves it, and a Service.
func render(site *kobj.Object) ([]*kobj.Object, error) {
	name, ns := site.Name(), site.Namespace()
	page, _ := site.GetString("spec.page")
	if page == "" {
		return nil, fmt.Errorf("spec.page is empty")
	}
	replicas, err := site.GetInt64("spec.replicas")
	if err != nil {
		replicas = 1
	}
	labels := map[string]string{"app.kubernetes.io/name": "website", "app.kubernetes.io/instance": name}

	page0 := kobj.New("v1", "ConfigMap").SetName(name + "-page").SetNamespace(ns).SetLabels(labels)
	if err := page0.Set("data", map[string]any{"index.html": page}); err != nil {
		return nil, err
	}

	deploy := kobj.New("apps/v1", "Deployment").SetName(name).SetNamespace(ns).SetLabels(labels)
	for path, v := range map[string]any{
		"spec.replicas":                      replicas,
		"spec.selector.matchLabels":          labels,
		"spec.template.metadata.labels":      labels,
		"spec.template.spec.containers":      []any{map[string]any{"name": "web", "image": image, "ports": []any{map[string]any{"containerPort": int64(80)}}, "volumeMounts": []any{map[string]any{"name": "page", "mountPath": "/usr/share/nginx/html"}}}},
		"spec.template.spec.volumes":         []any{map[string]any{"name": "page", "configMap": map[string]any{"name": name + "-page"}}},
		"spec.template.metadata.annotations": map[string]any{"example.com/page-hash": fmt.Sprintf("%x", hash(page))},
	} {
		if err := deploy.Set(path, v); err != nil {
			return nil, err
		}
	}

	svc := kobj.New("v1", "Service").SetName(name).SetNamespace(ns).SetLabels(labels)
	if err := svc.Set("spec", map[string]any{"selector": labels, "ports": []any{map[string]any{"port": int64(80), "targetPort": int64(80)}}}); err != nil {
		return nil, err
	}
	return []*kobj.Object{page0, deploy, svc}, nil
}

// hash is FNV-1a of s: a page change rolls the Deployment's Pods.
func hash(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}
