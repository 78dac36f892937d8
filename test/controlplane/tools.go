//go:build tools

// Package controlplane pins the kube-apiserver and etcd sources that the
// e2e tests build. It is never imported; `go build` names its packages.
package controlplane

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
