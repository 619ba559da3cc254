# glomers: Gossip Glomers solutions and a JVM-free Maelstrom runner.

GO ?= go
# staticcheck, pinned; `go run` fetches it through the module proxy once and
# keeps it out of go.mod (it is a tool, not a dependency of glomers).
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
# Every top-level folder with a main.go is a solution binary.
SOLUTIONS := $(patsubst %/main.go,%,$(wildcard */main.go))
# The challenge presets, as `glomers run` knows them.
PRESETS := 1 2 3a 3b 3c 3d 3e 4 5a 5b 5c 6a 6b 6c 7a 7b
# Our presets with kills and pauses beside partitions.
FAULT_PRESETS := 3e-faults 4-faults 5c-faults 6c-faults

.PHONY: build run faults test fuzz bench vet fmt clean $(PRESETS) $(FAULT_PRESETS)

## build: compile glomers and every solution into bin/
build:
	$(GO) build -o bin/ ./cmd/glomers $(addprefix ./,$(SOLUTIONS))

## run: run every challenge at its official flags, then the fault presets, and print the summary table
run: build
	bin/glomers run all

## faults: run only our fault presets (partitions, kills and pauses)
faults: build
	status=0; for p in $(FAULT_PRESETS); do bin/glomers run $$p || status=1; done; exit $$status

## test: unit, conformance and end-to-end tests, then a short fuzz run;
## says first which tests skip (under CI=true: fail) when
## ../shared/conformance is missing
test:
	$(GO) vet ./...
	@scripts/conformance-missing.sh
	$(GO) test -count=1 -timeout 40m ./...
	$(MAKE) fuzz

# How long each fuzz target runs in `make fuzz`.
FUZZTIME ?= 5s

## fuzz: run every Go fuzz target (func FuzzXxx) for FUZZTIME each
fuzz:
	@set -e; grep -H '^func Fuzz' $$(git ls-files '*_test.go') | sed -E 's#^(.*)/[^/]*:func (Fuzz[A-Za-z0-9_]*).*#\1 \2#' | \
	while read -r dir target; do \
		echo "fuzz $$target in ./$$dir for $(FUZZTIME)"; \
		out=$$($(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) "./$$dir" 2>&1) || \
			{ echo "$$out" | tail -40; \
			  echo "fuzz $$target in ./$$dir failed; a failing input is kept in ./$$dir/testdata/fuzz/$$target/"; exit 1; }; \
	done

## bench: broadcast at the 3d/3e flags, five runs, and in the simulator (hub
## windows, virtual time: no machine noise); raft-kv at the 7b flags on
## seeds 1, 2, 3; glomers' own memory and CPU against hostile nodes
## (testdata/hostile); then the checkers' Go benchmarks (time and memory per check)
bench: build
	$(GO) build -o bin/ ./testdata/hostile/...
	bin/glomers bench broadcast --runs 5
	$(GO) test -run '^$$' -bench . -benchtime 1x ./broadcast
	bin/glomers bench 7b --seeds 1,2,3
	bin/glomers bench hostile
	$(GO) test -run '^$$' -bench . -benchtime 3x -benchmem ./internal/checker/...

## vet: go vet and staticcheck (must be clean)
vet:
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin

## 1, 2, 3a ... 7b, 3e-faults ... 6c-faults: run one challenge, e.g. `make 3e`
$(PRESETS) $(FAULT_PRESETS): build
	bin/glomers run $@
