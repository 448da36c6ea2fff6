# inject-sidecars: every target is short; the work is in Go and hack/.
GO        ?= go
export GOTOOLCHAIN ?= local
# Relative, so `make bin/kustomize` names the same target as `make
# kustomize`; tools that need an absolute path get $(ABSBIN).
BIN       := bin
ABSBIN    := $(CURDIR)/$(BIN)
KUSTOMIZE_VERSION := v5.8.1
KUSTOMIZE := $(BIN)/kustomize
HELM3_VERSION := v3.22.0
HELM4_VERSION := v4.3.1
HELM3     := $(BIN)/helm3
HELM4     := $(BIN)/helm4
# The API server the output is verified against (and its etcd), built
# from the Go module proxy by hack/kube/build.sh.
KUBE_VERSION := v1.37.2
KUBE_APISERVER := $(BIN)/kube-apiserver
STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(BIN)/staticcheck
# The one version: plugin.yaml's. The binary embeds plugin.yaml and
# prints it with --version; the image is tagged with it.
VERSION   := $(shell sed -n 's/^version: *//p' plugin.yaml)
# Fully qualified: a short name means docker.io to podman and
# gcr.io/kpt-fn/ to kpt.
IMAGE     ?= localhost/inject-sidecars:$(VERSION)
# podman where it exists, else docker.
CONTAINER ?= $(shell command -v podman || command -v docker)
FUZZTIME  ?= 20s

.PHONY: build install kustomize helm3 helm4 apiserver staticcheck test lint e2e fuzz bench bench-peers update-golden image tools clean

build:
	$(GO) build -trimpath -o $(BIN)/inject-sidecars .

# Into $(go env GOBIN), or $(go env GOPATH)/bin: on PATH, as the
# examples expect. The same as go install ...@latest, for a checkout.
install:
	$(GO) install -trimpath .

# The whole suite, end-to-end tests under real kpt and the pinned
# kustomize included. CI runs exactly this.
test: tools
	KUSTOMIZE=$(ABSBIN)/kustomize HELM3=$(ABSBIN)/helm3 HELM4=$(ABSBIN)/helm4 $(GO) test -race -count=1 -timeout 40m ./...

# gofmt, go vet, the pinned staticcheck, and a tidy go.mod.
lint: $(STATICCHECK)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...
	$(STATICCHECK) ./...
	$(GO) mod tidy -diff

e2e: tools
	KUSTOMIZE=$(ABSBIN)/kustomize HELM3=$(ABSBIN)/helm3 HELM4=$(ABSBIN)/helm4 $(GO) test -count=1 -run 'E2E' -v .

fuzz:
	$(GO) test ./fn -run '^$$' -fuzz '^FuzzResourceList$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/cli -run '^$$' -fuzz '^FuzzPlain$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/cli -run '^$$' -fuzz '^FuzzAliases$$' -fuzztime $(FUZZTIME)
	$(GO) test ./fn -run '^$$' -fuzz '^FuzzConfig$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/yamlfile -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/yamlfile -run '^$$' -fuzz '^FuzzEdits$$' -fuzztime $(FUZZTIME)
	$(GO) test ./transform -run '^$$' -fuzz '^FuzzStatus$$' -fuzztime $(FUZZTIME)
	$(GO) test ./transform -run '^$$' -fuzz '^FuzzOverrides$$' -fuzztime $(FUZZTIME)

# Whole-process timings against a kyaml read-and-write round trip of the
# same input, and kustomize with our transformer against built-in patches.
bench: build tools
	$(GO) build -o $(BIN)/roundtrip ./hack/roundtrip
	$(GO) build -o $(BIN)/benchgen ./hack/benchgen
	$(GO) run ./hack/bench -bin $(ABSBIN) -kustomize $(ABSBIN)/kustomize
	$(GO) test -run '^$$' -bench . -benchmem ./transform ./internal/yamlfile

# The same sidecar with istioctl kube-inject and kubectl-kyverno apply,
# pinned and built here (hack/peers/build.sh; minutes, once), against
# plain mode on the same Deployments.
bench-peers: build
	$(GO) build -o $(BIN)/benchgen ./hack/benchgen
	bash hack/peers/build.sh $(ABSBIN)
	$(GO) run ./hack/bench -bin $(ABSBIN) -peers -sizes 1000,5000 -runs 3

update-golden:
	$(GO) test ./internal/cli -run 'TestGolden' -update

# The image packs a static binary built here: no base image, no registry.
image:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w" -o $(BIN)/image/inject-sidecars .
	$(CONTAINER) build -t $(IMAGE) .

# kustomize, both Helm majors and kube-apiserver with etcd, pinned, into
# ./bin: a fresh machine needs no manual step. Each builds once (Helm takes
# minutes on two cores, the API server about five); one at a time:
# make kustomize, make helm3, make helm4, make apiserver (or bin/NAME).
tools: kustomize helm3 helm4 apiserver
kustomize: $(KUSTOMIZE)
helm3: $(HELM3)
helm4: $(HELM4)
apiserver: $(KUBE_APISERVER)
staticcheck: $(STATICCHECK)
$(KUBE_APISERVER):
	KUBE_VERSION=$(KUBE_VERSION) bash hack/kube/build.sh $(ABSBIN)
$(STATICCHECK):
	GOBIN=$(ABSBIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
$(KUSTOMIZE):
	GOBIN=$(ABSBIN) $(GO) install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)
$(HELM3):
	GOBIN=$(ABSBIN)/.helm3 $(GO) install helm.sh/helm/v3/cmd/helm@$(HELM3_VERSION)
	mv $(BIN)/.helm3/helm $@ && rmdir $(BIN)/.helm3
$(HELM4):
	GOBIN=$(ABSBIN)/.helm4 $(GO) install helm.sh/helm/v4/cmd/helm@$(HELM4_VERSION)
	mv $(BIN)/.helm4/helm $@ && rmdir $(BIN)/.helm4

clean:
	rm -rf $(BIN)
