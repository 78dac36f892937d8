# kobj's two entry points: `make demo` runs the quickstart against a local
# control plane; `make test` runs every test. Both build etcd and
# kube-apiserver from the Go module proxy on first use (hack/controlplane.sh).

SHELL := /bin/bash
GO ?= go

.PHONY: test unit e2e bench bench-smoke demo controlplane fuzz vet

test: vet unit e2e bench-smoke

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { gofmt -l .; echo "gofmt needed"; exit 1; }
	$(GO) vet ./...
	cd test && $(GO) vet ./...

controlplane:
	@./hack/controlplane.sh >/dev/null

unit:
	$(GO) test -race -count=1 ./...

ASSETS = KUBEBUILDER_ASSETS=$$(../hack/controlplane.sh | tail -1)

e2e: controlplane
	cd test && $(ASSETS) $(GO) test -race -count=1 -timeout 30m ./e2e/... ./reliability/...

# Every benchmark once, as a test that they still run; figures from this are
# not measurements.
bench-smoke: controlplane
	$(GO) test -run '^$$' -bench . -benchtime=1x .
	cd test && $(ASSETS) $(GO) test -run '^$$' -bench . -benchtime=1x -timeout 20m ./bench/

# The measurements of doc/performance.md: kobj and its peers side by side in
# each run; results in bench.txt, readable by benchstat.
bench: controlplane
	$(GO) test -run '^$$' -bench . -benchmem -count=5 . | tee bench.txt
	cd test && $(ASSETS) $(GO) test -run '^$$' -bench SequentialCRUD -benchmem -benchtime=300x -count=3 ./bench/ | tee -a ../bench.txt
	cd test && $(ASSETS) $(GO) test -run '^$$' -bench 'ConcurrentCreates|FirstRead|FirstCall|MemoryPerObject' -benchmem -benchtime=3x -count=1 ./bench/ | tee -a ../bench.txt

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzLoad -fuzztime 5m .

demo: controlplane
	cd test && KUBEBUILDER_ASSETS=$$(../hack/controlplane.sh | tail -1) $(GO) run ./cmd/demo
