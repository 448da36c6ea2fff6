#!/usr/bin/env bash
# Builds the peers that make bench-peers compares with, pinned, into $1
# (bin/ by default): istioctl (kube-inject) and kubectl-kyverno (apply).
# Each builds once; both take minutes on two cores.
set -euo pipefail

ISTIO_VERSION=${ISTIO_VERSION:-v0.0.0-20260827124520-eed52ebb66ad}
KYVERNO_VERSION=${KYVERNO_VERSION:-v1.19.1}
BIN=$(mkdir -p "${1:-bin}" && cd "${1:-bin}" && pwd)
export GOTOOLCHAIN=local GOFLAGS=-mod=mod

if [[ ! -x $BIN/istioctl ]]; then
	GOBIN=$BIN/.peers go install "istio.io/istio/istioctl/cmd/istioctl@$ISTIO_VERSION"
	mv "$BIN/.peers/istioctl" "$BIN/istioctl"
fi
if [[ ! -x $BIN/kubectl-kyverno ]]; then
	# kyverno's go.mod has a replace directive, which go install refuses:
	# its module source is built in place (a writable copy).
	src=$(go mod download -json "github.com/kyverno/kyverno@$KYVERNO_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
	work=$BIN/.peers/kyverno
	rm -rf "$work" && mkdir -p "$work" && cp -r "$src"/. "$work" && chmod -R u+w "$work"
	(cd "$work" && go build -o "$BIN/kubectl-kyverno" ./cmd/cli/kubectl-kyverno)
	rm -rf "$work"
fi
echo "peers built in $BIN: istioctl, kubectl-kyverno"
