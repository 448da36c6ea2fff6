#!/usr/bin/env bash
# Builds kube-apiserver and etcd from the Go module proxy into $1 (bin/ by
# default), for the API server end-to-end tests. Nothing is built when
# both are already there. (The tests talk to the API server over HTTP, so
# no kubectl is needed; `go build k8s.io/kubernetes/cmd/kubectl` in the
# same module builds one.)
#
# k8s.io/kubernetes is not meant to be required as a module: its go.mod
# points each k8s.io/* staging module at ./staging. A throw-away module
# requires it and replaces every one of them with its published v0 release
# of the same minor version; etcd's server comes from the version that
# Kubernetes itself requires, run through etcdmain.
set -euo pipefail

KUBE_VERSION=${KUBE_VERSION:-v1.37.2}
BIN=$(cd "${1:-bin}" 2>/dev/null && pwd || (mkdir -p "${1:-bin}" && cd "${1:-bin}" && pwd))
if [[ -x $BIN/kube-apiserver && -x $BIN/etcd ]]; then
	exit 0
fi
staging=v0.${KUBE_VERSION#v1.}
work=$BIN/.kube-build
mkdir -p "$work/etcd"
cd "$work"

gomod=$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
{
	echo "module kubebuild"
	echo
	echo "go 1.26.0"
	echo
	echo "require k8s.io/kubernetes $KUBE_VERSION"
	echo
	echo "replace ("
	sed -n 's|^\t\(k8s.io/[a-z0-9-]*\) => ./staging/.*|\t\1 => \1 '"$staging"'|p' "$gomod"
	echo ")"
} > go.mod
cat > tools.go <<'GO'
//go:build tools

package kubebuild

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
GO
cat > etcd/main.go <<'GO'
// etcd, as the etcd binary runs it.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
export GOFLAGS=-mod=mod GOTOOLCHAIN=local
go get "k8s.io/kubernetes@$KUBE_VERSION" >/dev/null
# The etcd server at the version Kubernetes requires, not the newest.
etcd=$(sed -n 's|^\tgo.etcd.io/etcd/server/v3 \(v[^ ]*\).*|\1|p' "$gomod")
go get "go.etcd.io/etcd/server/v3@$etcd" >/dev/null
go build -o "$BIN/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
go build -o "$BIN/etcd" ./etcd
echo "built kube-apiserver and etcd ($KUBE_VERSION) in $BIN"
