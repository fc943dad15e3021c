# sc8scan: each target is a line or two; scripts live in hack/.
GO      ?= go
BIN     ?= bin
GOFLAGS ?= -trimpath
export CGO_ENABLED ?= 0

.PHONY: help build image krew node test unit demo e2e lint bench bench-scale golden fuzz clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## build sc8scan, sc8probe and sc8sensor into bin/
	$(GO) build $(GOFLAGS) -o $(BIN)/ ./cmd/...

image: ## build the sc8scan image without a daemon: out/image/oci (OCI layout) and out/image/sc8scan.tar (docker archive)
	$(GO) run ./hack/image -out out/image

krew: ## krew release archives and plugin manifest (kubectl sc8scan) in out/krew
	hack/krew.sh

node: ## start a real single-node Kubernetes cluster as root and print its directory (hack/kube-node.sh down removes it)
	hack/kube-node.sh build >/dev/null && hack/kube-node.sh up

test: ## install test dependencies (as root), then run every test
	hack/deps.sh
	hack/test.sh

unit: ## hermetic unit tests only (race detector on)
	CGO_ENABLED=1 $(GO) test -race -short ./...

demo: build ## scan the embedded demo cluster against a real local lab
	hack/demo.sh

e2e: build ## end to end: the demo checked cell by cell, a real traffic recording, a live scan of a real kube-apiserver, an in-cluster scan on a real node (root)
	hack/deps.sh
	SC8_BUILD_KUBE=1 hack/kube-node.sh --for-tests >/dev/null
	KUBE_ASSETS="$${KUBE_ASSETS:-$$(hack/kube-apiserver.sh --for-tests)}" $(GO) test -count=1 -timeout 30m -run 'TestDemo|TestRecordDemoCapture|TestLiveCluster|TestInCluster|TestKrew|TestHTMLInBrowser' ./pkg/scan ./pkg/internal/lab ./pkg/discover ./pkg/report ./pkg/internal/e2e

lint: ## gofmt and go vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

bench: build ## benchmarks against peer tools and targets, printing ratios (includes bench-scale)
	hack/bench.sh

bench-scale: build ## scan generated clusters of 1,000, 3,000 and 6,000 workloads: time, peak memory, bundle size
	hack/bench-scale.sh

golden: ## regenerate golden files
	$(GO) test ./... -run Golden -update

fuzz: ## run each fuzz target for a short while
	hack/fuzz.sh

clean: ## remove build output
	rm -rf $(BIN)
