# glomers: Gossip Glomers solutions and a JVM-free Maelstrom runner.

GO ?= go
# Every top-level folder with a main.go is a solution binary.
SOLUTIONS := $(patsubst %/main.go,%,$(wildcard */main.go))
# The challenge presets, as `glomers run` knows them.
PRESETS := 1 2 3a 3b 3c 3d 3e 4 5a 5b 5c 6a 6b 6c

.PHONY: build run test bench vet fmt clean $(PRESETS)

## build: compile glomers and every solution into bin/
build:
	$(GO) build -o bin/ ./cmd/glomers $(addprefix ./,$(SOLUTIONS))

## run: run every challenge at its official flags and print the summary table
run: build
	bin/glomers run all

## test: unit, conformance and end-to-end tests; says first which tests
## skip (under CI=true: fail) when ../shared/conformance is missing
test:
	$(GO) vet ./...
	@scripts/conformance-missing.sh
	$(GO) test -count=1 -timeout 40m ./...

## bench: broadcast at the 3d/3e flags, five runs, then the checkers' Go benchmarks (time and memory per check)
bench: build
	bin/glomers bench broadcast --runs 5
	$(GO) test -run '^$$' -bench . -benchtime 3x -benchmem ./internal/checker/...

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin

## 1, 2, 3a ... 6c: run one challenge, e.g. `make 3e`
$(PRESETS): build
	bin/glomers run $@
