#!/usr/bin/env bash
# Builds etcd, a kube-apiserver and kubectl from the Go module proxy into a
# cache outside the source tree, once; later runs reuse them. Prints the
# folder that holds the binaries on its last line (envtest's
# BinaryAssetsDirectory).
#
#   hack/controlplane.sh [VERSION]
#
# With KOBJ_CONTROLLER_MANAGER=1 it also builds kube-controller-manager (the
# garbage collector and the namespace, Deployment and ReplicaSet
# controllers) for the newest version, which the operator suite starts.
#
# VERSION (else $KOBJ_K8S_VERSION, else the newest) is one of the
# kube-apiserver versions the tests run against; each is pinned by a module
# of its own (kube-apiserver v1.29 does not build in one module graph with
# etcd v3.7.0): v1.37.2 by test/controlplane, which also pins etcd, and
# v1.29.15 by test/controlplane-1.29. KOBJ_CONTROLPLANE_DIR, when set, is
# the folder for the binaries instead of the cache.
set -euo pipefail

newest=v1.37.2
k8s_version=${1:-${KOBJ_K8S_VERSION:-$newest}}
etcd_version=v3.7.0
here=$(cd "$(dirname "$0")/.." && pwd)

case $k8s_version in
  v1.37.2) module=$here/test/controlplane minutes=10 ;;
  v1.29.15) module=$here/test/controlplane-1.29 minutes=9 ;;
  *)
    echo "controlplane.sh: no module pins kube-apiserver $k8s_version; supported: v1.37.2, v1.29.15" >&2
    exit 2
    ;;
esac

root=${XDG_CACHE_HOME:-$HOME/.cache}/kobj/controlplane
cache=${KOBJ_CONTROLPLANE_DIR:-$root/$k8s_version-etcd-$etcd_version}
mkdir -p "$cache"

if [ ! -x "$cache/etcd" ]; then
  # The same etcd serves every kube-apiserver version: take one another
  # version's folder already holds, else build it (test/controlplane pins it).
  for other in "$root"/*-etcd-"$etcd_version"/etcd; do
    if [ -x "$other" ] && [ "$other" != "$cache/etcd" ]; then
      cp "$other" "$cache/etcd.tmp"
      mv "$cache/etcd.tmp" "$cache/etcd"
      break
    fi
  done
fi
if [ ! -x "$cache/etcd" ]; then
  echo "building etcd $etcd_version, first run only, about 1 minute" >&2
  (cd "$here/test/controlplane" && go build -trimpath -o "$cache/etcd.tmp" go.etcd.io/etcd/server/v3)
  mv "$cache/etcd.tmp" "$cache/etcd"
fi

if [ ! -x "$cache/kube-apiserver" ]; then
  echo "building kube-apiserver $k8s_version, first run only, about $minutes minutes" >&2
  minor=${k8s_version#v1.}; minor=${minor%%.*}
  pkg=k8s.io/component-base/version
  start=$(date +%s)
  (cd "$module" && go build -trimpath -o "$cache/kube-apiserver.tmp" \
    -ldflags "-s -w -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor" \
    k8s.io/kubernetes/cmd/kube-apiserver)
  mv "$cache/kube-apiserver.tmp" "$cache/kube-apiserver"
  echo "built kube-apiserver in $(( $(date +%s) - start ))s" >&2
fi

# kubectl is the newest version's (v1.37.2, pinned by test/controlplane) in
# every folder: the tests and benchmarks that compare kobj with kubectl run
# it against each kube-apiserver.
kubectl_version=$newest
if [ ! -x "$cache/kubectl" ]; then
  for other in "$root"/*-etcd-"$etcd_version"/kubectl; do
    if [ -x "$other" ] && [ "$other" != "$cache/kubectl" ]; then
      cp "$other" "$cache/kubectl.tmp"
      mv "$cache/kubectl.tmp" "$cache/kubectl"
      break
    fi
  done
fi
if [ ! -x "$cache/kubectl" ]; then
  echo "building kubectl $kubectl_version, first run only, about 4 minutes" >&2
  minor=${kubectl_version#v1.}; minor=${minor%%.*}
  pkg=k8s.io/component-base/version
  (cd "$here/test/controlplane" && go build -trimpath -o "$cache/kubectl.tmp" \
    -ldflags "-s -w -X $pkg.gitVersion=$kubectl_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor" \
    k8s.io/kubernetes/cmd/kubectl)
  mv "$cache/kubectl.tmp" "$cache/kubectl"
fi

if [ "${KOBJ_CONTROLLER_MANAGER:-}" = 1 ] && [ ! -x "$cache/kube-controller-manager" ]; then
  if [ "$k8s_version" != "$newest" ]; then
    echo "controlplane.sh: kube-controller-manager is built for $newest only" >&2
    exit 2
  fi
  echo "building kube-controller-manager $k8s_version, first run only, about $minutes minutes" >&2
  minor=${k8s_version#v1.}; minor=${minor%%.*}
  pkg=k8s.io/component-base/version
  start=$(date +%s)
  (cd "$module" && go build -trimpath -o "$cache/kube-controller-manager.tmp" \
    -ldflags "-s -w -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor" \
    k8s.io/kubernetes/cmd/kube-controller-manager)
  mv "$cache/kube-controller-manager.tmp" "$cache/kube-controller-manager"
  echo "built kube-controller-manager in $(( $(date +%s) - start ))s" >&2
fi

echo "$cache"
