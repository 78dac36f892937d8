// Package operatortest runs an operator's controllers against a real
// control plane from a Go test: etcd and kube-apiserver (and, on request,
// kube-controller-manager for garbage collection and the Deployment
// controllers) started on loopback by controller-runtime's envtest, a
// kobj Client for them, CRDs installed and Established, a
// kobj/operator Manager run for the length of the test, and waits on
// kobj conditions that fail the test with a message naming the object and
// what was last seen of it.
//
//	func TestWebsite(t *testing.T) {
//		env := operatortest.Start(t, operatortest.ControllerManager())
//		env.InstallCRDs(t, "crd.yaml")
//		ns := env.Namespace(t, "website")
//		m, err := operator.NewManager(env.Client())
//		...
//		ctx := env.RunManager(t, m)
//		site := kobj.New("example.com/v1", "Website").SetName("hello").SetNamespace(ns).SetClient(env.Client())
//		...
//		operatortest.Eventually(t, ctx, site, kobj.ConditionTrue("Ready"))
//	}
//
// The binaries are found, in order: the Assets option; KUBEBUILDER_ASSETS
// (what setup-envtest prints); kobj's cache, the folders
// hack/controlplane.sh builds ($KOBJ_CONTROLPLANE_DIR, else
// ${XDG_CACHE_HOME:-~/.cache}/kobj/controlplane/<version>-etcd-<version>, the
// version KOBJ_K8S_VERSION names or else the newest there); the script
// itself, when this package is built from a kobj checkout (it builds them,
// about 10 minutes the first time); envtest's default folder
// /usr/local/kubebuilder/bin. With none, Start fails the test (or skips it,
// with SkipWithoutBinaries) saying where it looked.
//
// It is a module of its own so that the kobj library never requires
// envtest or controller-runtime. Linking envtest links controller-runtime's
// metrics package, whose init registers client-go's request metrics: a
// Manager run in such a test binary serves no rest_client_* series.
package operatortest
