# stsrender build. Every tool is pinned: kustomize comes from hack/tools/go.mod
# and is built with the local Go toolchain, never downloaded as a binary.
SHELL := /bin/bash
export GOTOOLCHAIN := local
export GOFLAGS := -mod=readonly

BIN       := $(CURDIR)/bin
KUSTOMIZE := $(BIN)/kustomize
STSRENDER := $(BIN)/stsrender
STSRENDER_KRM := $(BIN)/stsrender-krm
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X github.com/stsrender/stsrender/internal/cli.version=$(VERSION)
GO_SOURCES := $(shell find . -name '*.go' -not -path './hack/*' 2>/dev/null) go.mod go.sum

.PHONY: all build demo test race lint bench update fuzz image clean tools

all: build

build: $(STSRENDER) $(STSRENDER_KRM)

$(STSRENDER): $(GO_SOURCES)
	@echo "building $@" >&2
	@go build -trimpath -ldflags '$(LDFLAGS)' -o $@ .

# The KRM function alone, without the commands and the AWS SDK: a faster
# start for every warm render (docs/performance.md).
$(STSRENDER_KRM): $(GO_SOURCES)
	@echo "building $@" >&2
	@go build -trimpath -ldflags '-s -w' -o $@ ./cmd/stsrender-krm

# kustomize v5.8.2, pinned in hack/tools/go.mod (v5.8.3 needs Go 1.27).
$(KUSTOMIZE): hack/tools/go.mod hack/tools/go.sum
	@echo "building $@ (kustomize v5.8.2, pinned in hack/tools/go.mod)" >&2
	@cd hack/tools && go build -o $@ sigs.k8s.io/kustomize/kustomize/v5

tools: $(KUSTOMIZE)

# The quickstart: kustomize build of examples/quickstart with stsrender as an
# exec KRM function, against the small release image shipped in the repo as
# an OCI layout. Offline.
demo: $(STSRENDER) $(KUSTOMIZE)
	@PATH="$(BIN):$$PATH" STSRENDER_CACHE_DIR="$${STSRENDER_CACHE_DIR:-$(CURDIR)/bin/cache}" \
		$(KUSTOMIZE) build --enable-alpha-plugins --enable-exec examples/quickstart

# go test hides what a passing package printed, so the missing AWS stand-in
# is reported here, before and after the run, where it shows.
test: $(KUSTOMIZE)
	@hack/check-moto
	KUSTOMIZE="$(KUSTOMIZE)" go test -count=1 -timeout 15m ./...
	@hack/check-moto

# The data race detector needs cgo (a C compiler), which make test does not.
race: $(KUSTOMIZE)
	KUSTOMIZE="$(KUSTOMIZE)" go test -race -count=1 -timeout 30m ./...

lint:
	go vet ./...
	go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

# Benchmarks print figures; they never fail on timing.
bench: $(KUSTOMIZE)
	KUSTOMIZE="$(KUSTOMIZE)" go test -run '^$$' -bench . -benchmem -benchtime 3x ./...

# Rewrite golden files from the current output; review the diff before committing.
update:
	go generate ./api/...
	go test ./render ./fn ./internal/cli -update

fuzz:
	go test ./render -run '^$$' -fuzz FuzzParseCredentialsRequests -fuzztime 60s
	go test ./pipeline -run '^$$' -fuzz FuzzParseConfig -fuzztime 60s
	go test ./release -run '^$$' -fuzz FuzzLayerReader -fuzztime 60s

# The image the examples name. docker when a daemon answers, else podman.
IMAGE  ?= ghcr.io/stsrender/stsrender:v0.1.0
ENGINE ?= $(shell docker info >/dev/null 2>&1 && echo docker || echo podman)

image:
	$(ENGINE) build --build-arg VERSION=$(VERSION) -t $(IMAGE) .

clean:
	rm -rf $(BIN)
