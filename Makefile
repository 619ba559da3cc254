# glomers: Gossip Glomers solutions and a JVM-free Maelstrom runner.

GO ?= go
# Every top-level folder with a main.go is a solution binary.
SOLUTIONS := $(patsubst %/main.go,%,$(wildcard */main.go))
# The challenge presets, as `glomers run` knows them.
PRESETS := 1 2 3a 3b 3c 3d 3e 4 5a 5b 5c 6a 6b 6c

.PHONY: build run test fuzz bench vet fmt clean $(PRESETS)

## build: compile glomers and every solution into bin/
build:
	$(GO) build -o bin/ ./cmd/glomers $(addprefix ./,$(SOLUTIONS))

## run: run every challenge at its official flags and print the summary table
run: build
	bin/glomers run all

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
## windows, virtual time: no machine noise); then the checkers' Go benchmarks
bench: build
	bin/glomers bench broadcast --runs 5
	$(GO) test -run '^$$' -bench . -benchtime 1x ./broadcast
	$(GO) test -run '^$$' -bench . -benchtime 3x ./internal/checker/...

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin

## 1, 2, 3a ... 6c: run one challenge, e.g. `make 3e`
$(PRESETS): build
	bin/glomers run $@
