#!/usr/bin/env bash
# Runs every test: lint, then the whole module with the race detector where
# cgo is available. Integration tests that need a real server skip with the
# reason outside CI and fail under CI=true when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
KUBE_ASSETS="${KUBE_ASSETS:-$(hack/kube-apiserver.sh --for-tests)}"; export KUBE_ASSETS # kube-apiserver + etcd for the live-cluster tests
hack/kube-node.sh --for-tests >/dev/null # kubelet, controller manager, scheduler, kube-proxy for the real-node tests (built under CI, outside the test timeout)
test -z "$(gofmt -l $(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $(git ls-files '*.go'); exit 1; }
go vet ./...
race=""
if command -v gcc >/dev/null 2>&1; then race="-race"; export CGO_ENABLED=1; fi
go test $race -count=1 -timeout 30m ./...
