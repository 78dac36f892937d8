//go:build tools

// Package controlplane pins the kube-apiserver v1.29 sources that the e2e
// tests build, in a module of its own: kube-apiserver v1.29 does not build
// in one module graph with etcd v3.7.0 (which raises cel-go and otelgrpc
// past what it compiles with). It is never imported; `go build` names its
// package. etcd comes from ../controlplane: the same etcd serves both.
package controlplane

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
