#!/usr/bin/env bash
# Builds etcd and kube-apiserver from the Go module proxy into a cache outside
# the source tree, once; later runs reuse them. Prints the folder that holds
# both binaries on its last line (envtest's BinaryAssetsDirectory).
set -euo pipefail

k8s_version=v1.37.2
etcd_version=v3.7.0
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${KOBJ_CONTROLPLANE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kobj/controlplane/$k8s_version-etcd-$etcd_version}
mkdir -p "$cache"

cd "$here/test/controlplane"

if [ ! -x "$cache/etcd" ]; then
  echo "building etcd $etcd_version, first run only, about 1 minute" >&2
  go build -trimpath -o "$cache/etcd.tmp" go.etcd.io/etcd/server/v3
  mv "$cache/etcd.tmp" "$cache/etcd"
fi

if [ ! -x "$cache/kube-apiserver" ]; then
  echo "building kube-apiserver $k8s_version, first run only, about 10 minutes" >&2
  minor=${k8s_version#v1.}; minor=${minor%%.*}
  pkg=k8s.io/component-base/version
  start=$(date +%s)
  go build -trimpath -o "$cache/kube-apiserver.tmp" \
    -ldflags "-s -w -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor" \
    k8s.io/kubernetes/cmd/kube-apiserver
  mv "$cache/kube-apiserver.tmp" "$cache/kube-apiserver"
  echo "built kube-apiserver in $(( $(date +%s) - start ))s" >&2
fi

echo "$cache"
