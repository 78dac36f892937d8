// Package fakekubelet plays a kubelet for kobj's end-to-end tests, so that
// the real kube-apiserver of the test control plane has a node to proxy
// logs, exec, attach and port-forward to.
//
// What is real: the kube-apiserver and everything it does on the way — the
// authorization of pods/log, pods/exec, pods/attach and pods/portforward,
// the look-up of the node's address and kubelet port, the proxying over
// TLS, the upgrade of exec/attach/port-forward connections and, on servers
// that have it, the translation of WebSocket clients to SPDY towards the
// kubelet. The exec, attach and port-forward protocol ends on the fake's
// side are the real ones too: k8s.io/cri-streaming, the library the
// container runtimes' streaming servers are built on.
//
// What is played: the kubelet. There are no containers, no processes and
// no log files. A container's log is a list of lines the test feeds; a
// command is interpreted by a tiny built-in executor (see exec.go); a
// forwarded port reaches a TCP echo server on loopback. The fake writes the
// Node (with its status, as a kubelet registers itself) and the Pods' status
// (as a kubelet reports it); nothing else in the control plane runs them.
//
// What is not covered: real log rotation, real process exit and signals,
// CRI streaming-server redirects, the kubelet's own authentication of the
// apiserver, and the kubelet's idle timeouts (streamingConnectionIdleTimeout).
package fakekubelet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Kubelet is a running fake kubelet: a TLS server on 127.0.0.1, a TCP echo
// server for forwarded ports, and the Node it registered. Its methods are
// safe for concurrent use.
type Kubelet struct {
	// NodeName is the name of the Node the fake registered.
	NodeName string
	// Clientset is the client the fake writes Nodes and Pods with.
	Clientset kubernetes.Interface

	server *httptest.Server
	echo   *echoServer

	mu       sync.Mutex
	pods     map[podKey]*pod
	tunnels  map[net.Conn]bool // upgraded connections; true for port-forward
	requests []string
}

// Start starts a fake kubelet and registers it as the Node nodeName with
// the control plane at cfg: the Node is created with its status in the
// create request (address 127.0.0.1, the fake's port as the kubelet
// endpoint, Ready). It fails when a server cannot listen or the Node cannot
// be written; nothing is left running then.
func Start(ctx context.Context, cfg *rest.Config, nodeName string) (*Kubelet, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("client for the fake kubelet: %w", err)
	}
	echo, err := startEcho()
	if err != nil {
		return nil, err
	}
	k := &Kubelet{
		NodeName:  nodeName,
		Clientset: cs,
		echo:      echo,
		pods:      map[podKey]*pod{},
		tunnels:   map[net.Conn]bool{},
	}
	k.server = httptest.NewUnstartedServer(k.routes())
	k.server.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, c)
	}
	k.server.StartTLS()
	if err := k.registerNode(ctx); err != nil {
		k.server.Close()
		echo.close()
		return nil, err
	}
	return k, nil
}

// Port returns the TCP port the fake kubelet listens on.
func (k *Kubelet) Port() int {
	return k.server.Listener.Addr().(*net.TCPAddr).Port
}

// Close deletes the Node, closes every connection and stops both servers.
// It returns the error of the Node's deletion, if any.
func (k *Kubelet) Close(ctx context.Context) error {
	err := k.Clientset.CoreV1().Nodes().Delete(ctx, k.NodeName, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		err = nil
	}
	k.closeConns(false)
	k.mu.Lock()
	for _, p := range k.pods {
		for _, c := range p.containers {
			c.endFollows()
		}
	}
	k.mu.Unlock()
	k.server.CloseClientConnections()
	k.server.Close()
	k.echo.close()
	return err
}

// Requests returns what the fake was asked, in order, as
// "METHOD /path?query", followed by " upgrade=<Upgrade header>" for an
// upgrade request (SPDY/3.1 or websocket) — the apiserver's side of each
// proxied call.
func (k *Kubelet) Requests() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.requests...)
}

type connKey struct{}

func (k *Kubelet) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /containerLogs/{ns}/{pod}/{container}", k.serveLogs)
	mux.HandleFunc("/exec/{ns}/{pod}/{container}", k.serveExec)
	mux.HandleFunc("/attach/{ns}/{pod}/{container}", k.serveAttach)
	mux.HandleFunc("/portForward/{ns}/{pod}", k.servePortForward)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := r.Method + " " + r.URL.Path
		if r.URL.RawQuery != "" {
			s += "?" + r.URL.RawQuery
		}
		if up := r.Header.Get("Upgrade"); up != "" {
			s += " upgrade=" + up
		}
		k.mu.Lock()
		k.requests = append(k.requests, s)
		k.mu.Unlock()
		mux.ServeHTTP(w, r)
	})
}

// registerNode creates the Node with its status, as a kubelet registers
// itself; a server that dropped the status on create gets it by the status
// subresource.
func (k *Kubelet) registerNode(ctx context.Context) error {
	status := corev1.NodeStatus{
		Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{
			KubeletEndpoint: corev1.DaemonEndpoint{Port: int32(k.Port())},
		},
		Conditions: []corev1.NodeCondition{{
			Type:               corev1.NodeReady,
			Status:             corev1.ConditionTrue,
			Reason:             "KubeletReady",
			Message:            "fake kubelet is posting ready status",
			LastHeartbeatTime:  metav1.Now(),
			LastTransitionTime: metav1.Now(),
		}},
		NodeInfo: corev1.NodeSystemInfo{KubeletVersion: "fake", OperatingSystem: "linux", Architecture: "amd64"},
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: k.NodeName, Labels: map[string]string{"kobj.dev/fake-kubelet": "true"}},
		Status:     status,
	}
	nodes := k.Clientset.CoreV1().Nodes()
	created, err := nodes.Create(ctx, node, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("registering node %s: %w", k.NodeName, err)
	}
	if created.Status.DaemonEndpoints.KubeletEndpoint.Port == int32(k.Port()) {
		return nil
	}
	created.Status = status
	if _, err := nodes.UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("writing the status of node %s: %w", k.NodeName, err)
	}
	return nil
}

// podKey names a pod the fake runs.
type podKey struct{ namespace, name string }

// lookup returns the container the request's path names, or writes the
// kubelet's 404 and returns nil.
func (k *Kubelet) lookup(w http.ResponseWriter, r *http.Request) (*pod, *container) {
	k.mu.Lock()
	p := k.pods[podKey{r.PathValue("ns"), r.PathValue("pod")}]
	k.mu.Unlock()
	if p == nil {
		http.Error(w, fmt.Sprintf("pod %q does not exist", r.PathValue("pod")), http.StatusNotFound)
		return nil, nil
	}
	name := r.PathValue("container")
	if name == "" {
		return p, nil
	}
	c := p.containers[name]
	if c == nil {
		http.Error(w, fmt.Sprintf("container %q not found in pod %q", name, r.PathValue("pod")), http.StatusNotFound)
		return nil, nil
	}
	return p, c
}

// errNoPod is returned by the hooks for a pod or container the fake does not run.
var errNoPod = errors.New("not run by the fake kubelet")

func (k *Kubelet) container(ref Ref) (*pod, *container, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	p := k.pods[podKey{ref.Namespace, ref.Pod}]
	if p == nil {
		return nil, nil, fmt.Errorf("pod %s/%s: %w", ref.Namespace, ref.Pod, errNoPod)
	}
	c := p.containers[ref.Container]
	if c == nil {
		return nil, nil, fmt.Errorf("container %s of pod %s/%s: %w", ref.Container, ref.Namespace, ref.Pod, errNoPod)
	}
	return p, c, nil
}

// Ref names one container of a pod the fake runs.
type Ref struct {
	Namespace, Pod, Container string
}

func (r Ref) String() string { return r.Namespace + "/" + r.Pod + "/" + r.Container }

func atoi(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }
