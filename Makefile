# kobj's two entry points: `make demo` runs the quickstart against a local
# control plane; `make test` runs every test. Both build etcd and
# kube-apiserver from the Go module proxy on first use (hack/controlplane.sh).
# The e2e and reliability suites run against two kube-apiserver versions:
# the newest, then the oldest kobj supports (`make e2e-older` runs only the
# latter; the first build of each takes about 10 minutes on 2 cores).

SHELL := /bin/bash
GO ?= go

.PHONY: test unit oracle e2e e2e-newest e2e-older bench bench-smoke bench-scale demo demo-apply demo-operator controlplane controlplane-older fuzz vet

K8S_NEWEST = v1.37.2
K8S_OLDER = v1.29.15

test: vet unit oracle e2e bench-smoke

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { gofmt -l .; echo "gofmt needed"; exit 1; }
	$(GO) vet ./...
	cd test && $(GO) vet ./...
	cd operatortest && $(GO) vet ./...
	cd examples/operator && $(GO) vet ./...
	cd examples/controller-runtime && $(GO) vet ./...

controlplane:
	@KOBJ_CONTROLLER_MANAGER=1 ./hack/controlplane.sh $(K8S_NEWEST) >/dev/null

controlplane-older:
	@./hack/controlplane.sh $(K8S_OLDER) >/dev/null

unit:
	$(GO) test -race -count=1 ./...

# kobj side by side with the real code of the tools it claims to follow
# (kstatus, kubectl wait), on the same inputs; no control plane.
oracle:
	cd test && $(GO) test -race -count=1 ./oracle/...

# The environment of a test run against version $(1): its binaries, and the
# version, which the tests check the server reports.
assets = KUBEBUILDER_ASSETS=$$(../hack/controlplane.sh $(1) | tail -1) KOBJ_K8S_VERSION=$(1)
ASSETS = $(call assets,$(K8S_NEWEST))
# The same from any folder: for the modules not directly under the root.
ASSETS_ANYWHERE = KUBEBUILDER_ASSETS=$$($(CURDIR)/hack/controlplane.sh $(K8S_NEWEST) | tail -1) KOBJ_K8S_VERSION=$(K8S_NEWEST)

e2e: e2e-newest e2e-older

E2E = ./e2e/... ./reliability/...

# The operator suite runs on the newest version only, with a
# kube-controller-manager beside the kube-apiserver; so do the tests of
# operatortest (a module of its own, the harness for operator authors) and
# of examples/operator (a module of its own, which uses it), and of
# examples/controller-runtime (kobj inside a controller-runtime reconciler).
e2e-newest: controlplane
	cd test && $(ASSETS) $(GO) test -race -count=1 -timeout 30m $(E2E) ./operator/...
	cd operatortest && $(ASSETS_ANYWHERE) $(GO) test -race -count=1 -timeout 10m ./...
	cd examples/operator && $(ASSETS_ANYWHERE) $(GO) test -race -count=1 -timeout 10m ./...
	cd examples/controller-runtime && $(ASSETS_ANYWHERE) $(GO) test -race -count=1 -timeout 10m ./...

e2e-older: controlplane-older
	cd test && $(call assets,$(K8S_OLDER)) $(GO) test -race -count=1 -timeout 30m $(E2E)

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
	cd test && $(ASSETS) $(GO) test -run '^$$' -bench 'ConcurrentCreates|FirstRead|FirstCall|MemoryPerObject|Watch|Wait' -benchmem -benchtime=3x -count=1 ./bench/ | tee -a ../bench.txt
	cd test && $(ASSETS) $(GO) test -run '^$$' -bench ApplyAllVsKubectl -benchtime=3x -count=1 ./bench/ | tee -a ../bench.txt
	cd test && $(ASSETS) $(GO) test -run '^$$' -bench LogFollowThroughput -benchtime=10x -count=1 ./bench/ | tee -a ../bench.txt
	cd test && $(ASSETS) $(GO) test -run '^$$' -bench 'OperatorCache|OperatorReconcile|CRUDCallCost' -benchtime=1x -count=1 ./bench/ | tee -a ../bench.txt
	cd test && KOBJ_BENCH_FAILOVER_ROUNDS=5 $(ASSETS) $(GO) test -run '^$$' -bench 'OperatorPickup|OperatorReadYourWritesVsCR|OperatorFailover' -benchtime=1x -count=1 ./bench/ | tee -a ../bench.txt
	cd test && KOBJ_BENCH_OPERATOR_CACHE_N=50000 KOBJ_BENCH_OPERATOR_CACHE_ROUNDS=3 $(ASSETS) $(GO) test -run '^$$' -bench 'OperatorCache$$' -benchtime=1x -count=1 -timeout 60m ./bench/ | tee -a ../bench.txt

# The measurements at scale (issue 21; doc/performance.md): walk, read and
# watch 100,000 ConfigMaps (created once per run, 64 writers), ApplyAll of
# 5,000 objects against kubectl, 300 CRDs, a 50 MB YAML file; kobj and
# client-go side by side. Not part of `make test`: about 10 minutes on 2
# cores. KOBJ_BENCH_SCALE_N, _APPLY, _CRDS and _LOAD_MB make it smaller.
bench-scale: controlplane
	set -o pipefail; cd test && KOBJ_BENCH_SCALE=1 $(ASSETS) $(GO) test -run '^$$' -bench Scale -benchtime=1x -count=1 -timeout 120m ./bench/ | tee ../bench-scale.txt

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzLoad -fuzztime 5m .

demo: controlplane
	cd test && $(ASSETS) $(GO) run ./cmd/demo

demo-apply: controlplane
	cd test && $(ASSETS) $(GO) run ./cmd/demo applyall

demo-operator: controlplane
	cd test && $(ASSETS) $(GO) run ./cmd/demo operator
