// A controller-runtime reconciler that uses kobj for what
// controller-runtime lacks: applying a set of manifests as a
// kubectl-compatible ApplySet with pruning, and waiting for each object
// to be ready by kstatus rules. It lives in a module of its own so that
// kobj itself never imports controller-runtime.
//
// The reconciler watches "bundle" ConfigMaps (label
// bundle.kobj.dev/manifests=true): every value of such a ConfigMap's data
// is YAML holding one or more manifests. On each reconcile it applies
// those manifests, in the bundle's namespace, as the ApplySet whose parent
// is the ConfigMap <bundle>-set (kobj creates it), so that a manifest
// removed from the bundle is deleted from the cluster; it waits until each applied object is Ready
// and records the count in the bundle's annotation
// bundle.kobj.dev/applied.
//
// kobj shares the manager's connection:
//
//	kobj.NewClient(mgr.GetConfig(), kobj.WithHTTPClient(mgr.GetHTTPClient()))
//
// Run it against the cluster of your kubeconfig with `go run .`.
package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/kobj-dev/kobj"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
)

const (
	// BundleLabel marks a ConfigMap as a bundle of manifests.
	BundleLabel = "bundle.kobj.dev/manifests"
	// AppliedAnnotation is set on a bundle to the number of objects it
	// holds once they have all been applied and are Ready.
	AppliedAnnotation = "bundle.kobj.dev/applied"
	// SetSuffix names the ApplySet's parent ConfigMap after its bundle.
	SetSuffix    = "-set"
	fieldManager = "bundle-controller"
)

func main() {
	ctrl.SetLogger(zap.New())
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), manager.Options{})
	if err == nil {
		err = Setup(mgr)
	}
	if err == nil {
		err = mgr.Start(ctrl.SetupSignalHandler())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bundle-controller:", err)
		os.Exit(1)
	}
}

// Setup registers the bundle reconciler with mgr, with a kobj client on
// the manager's own configuration and HTTP client (one connection pool,
// one set of credentials). It returns the error of either.
func Setup(mgr manager.Manager) error {
	kc, err := kobj.NewClient(mgr.GetConfig(), kobj.WithHTTPClient(mgr.GetHTTPClient()))
	if err != nil {
		return fmt.Errorf("kobj client: %w", err)
	}
	isBundle, err := predicate.LabelSelectorPredicate(metav1LabelSelector())
	if err != nil {
		return err
	}
	return builder.ControllerManagedBy(mgr).
		For(&corev1.ConfigMap{}, builder.WithPredicates(isBundle)).
		Named("bundle").
		Complete(&BundleReconciler{Client: mgr.GetClient(), Kobj: kc})
}

// BundleReconciler applies the manifests of a bundle ConfigMap as an
// ApplySet. Client is controller-runtime's (cached reads); Kobj does the
// applying and the waiting.
type BundleReconciler struct {
	Client client.Client
	Kobj   *kobj.Client
}

// Reconcile applies the bundle's manifests, prunes what left it, waits
// for every object to be Ready (bounded by a minute) and annotates the
// bundle. A bundle that is gone needs nothing: its objects stay, as with
// kubectl. It returns the first error of loading, applying or waiting.
func (r *BundleReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var cm corev1.ConfigMap
	if err := r.Client.Get(ctx, req.NamespacedName, &cm); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	var objs []*kobj.Object
	keys := make([]string, 0, len(cm.Data))
	for k := range cm.Data {
		keys = append(keys, k)
	}
	slices.Sort(keys) // a stable order: the same bundle, the same applies
	for _, k := range keys {
		loaded, err := kobj.LoadString(cm.Data[k])
		if err != nil {
			return ctrl.Result{}, fmt.Errorf("bundle %s, key %q: %w", req, k, err)
		}
		for _, o := range loaded {
			objs = append(objs, o.SetNamespace(cm.Namespace).SetClient(r.Kobj))
		}
	}
	if len(objs) == 0 {
		return ctrl.Result{}, nil // ApplyAll with Prune refuses an empty set, as kubectl
	}
	// The ApplySet's parent is a ConfigMap of its own: kobj creates it,
	// labels it with the set's id and records the kinds the set holds, so
	// the next apply knows what to prune. (The bundle cannot be the
	// parent: ApplyAll refuses an existing parent it did not make, which
	// another tool may manage.)
	parent := kobj.New("v1", "ConfigMap").SetName(cm.Name + SetSuffix).SetNamespace(cm.Namespace)
	if _, err := r.Kobj.ApplyAll(ctx, objs, kobj.FieldManager(fieldManager), kobj.Prune(parent)); err != nil {
		return ctrl.Result{}, fmt.Errorf("apply bundle %s: %w", req, err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for _, o := range objs {
		if _, err := o.Wait(waitCtx, kobj.Ready()); err != nil {
			return ctrl.Result{}, fmt.Errorf("wait for %s/%s of bundle %s: %w", o.Kind(), o.Name(), req, err)
		}
	}
	applied := strconv.Itoa(len(objs))
	if cm.Annotations[AppliedAnnotation] == applied {
		return ctrl.Result{}, nil
	}
	// The cached cm may be older than the parent ApplyAll just wrote:
	// patch the annotation alone, without a resourceVersion.
	patch := client.RawPatch(client.Merge.Type(), fmt.Appendf(nil, `{"metadata":{"annotations":{%q:%q}}}`, AppliedAnnotation, applied))
	if err := r.Client.Patch(ctx, &cm, patch); err != nil && !apierrors.IsNotFound(err) {
		return ctrl.Result{}, fmt.Errorf("annotate bundle %s: %w", req, err)
	}
	return ctrl.Result{}, nil
}

func metav1LabelSelector() metav1.LabelSelector {
	return metav1.LabelSelector{MatchLabels: map[string]string{BundleLabel: "true"}}
}
