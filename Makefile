# kobj's two entry points: `make demo` runs the quickstart against a local
# control plane; `make test` runs every test. Both build etcd and
# kube-apiserver from the Go module proxy on first use (hack/controlplane.sh).

SHELL := /bin/bash
GO ?= go

.PHONY: test unit e2e bench bench-smoke demo controlplane fuzz vet

test: vet unit e2e

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { gofmt -l .; echo "gofmt needed"; exit 1; }
	$(GO) vet ./...
	cd test && $(GO) vet ./...

controlplane:
	@./hack/controlplane.sh >/dev/null

unit:
	$(GO) test -race -count=1 ./...

e2e: controlplane
	cd test && KUBEBUILDER_ASSETS=$$(../hack/controlplane.sh | tail -1) $(GO) test -race -count=1 -timeout 30m ./...

bench-smoke:
	$(GO) test -run '^$$' -bench . -benchtime=1x ./...

bench: controlplane
	$(GO) test -run '^$$' -bench . -benchmem -count=5 ./... | tee bench.txt

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzLoad -fuzztime 5m .

demo: controlplane
	cd test && KUBEBUILDER_ASSETS=$$(../hack/controlplane.sh | tail -1) $(GO) run ./cmd/demo
