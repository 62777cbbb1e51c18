# avwatch — `make` lists the targets. `make demo` and `make test` work on a
# fresh Debian 12 machine as root: they install what they need first.

GO        ?= go
PREFIX    ?= /usr/local
DESTDIR   ?=
BIN       := bin/avwatch
GOFLAGS_BUILD ?= -trimpath
# Clips with injected defects, generated once and cached (see testvideos/README.md).
TESTVIDEOS ?= $(CURDIR)/testvideos/out
export AVWATCH_TESTVIDEOS := $(TESTVIDEOS)
# go test's own limit; make test must finish well under 15 min on 2 cores.
TEST_TIMEOUT ?= 14m

.DEFAULT_GOAL := help
.PHONY: help deps build plugin test lint demo bench accuracy testvideos install uninstall deb clean

help: ## Show this list
	@awk 'BEGIN{FS=":.*## "} /^[a-z][a-zA-Z0-9_-]*:.*## /{printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

deps: ## Install the Debian packages avwatch needs (only missing ones; sudo when not root)
	@scripts/deps.sh

build: deps ## Build bin/avwatch
	$(GO) build $(GOFLAGS_BUILD) -o $(BIN) ./cmd/avwatch

testvideos: deps ## Generate the test clips and truth.json (cached in testvideos/out)
	$(GO) run ./testvideos/gen -out $(TESTVIDEOS)

lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt: not formatted:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

test: deps build testvideos lint ## Install deps, then run every test against a private Mosquitto
	scripts/with-mosquitto.sh $(GO) test -timeout $(TEST_TIMEOUT) ./...

demo: deps build testvideos ## Run the agent on a live stream with defects and watch the alerts arrive
	scripts/demo.sh

bench: deps build testvideos ## Benchmarks: detectors, and analysis cost vs decode-only and ffmpeg in the same run
	scripts/bench.sh

accuracy: deps build testvideos ## Precision, recall and timing error per defect type on the test clips
	$(GO) run ./testvideos/accuracy -dir $(TESTVIDEOS)

include mk/*.mk

clean: ## Remove build outputs and generated clips
	rm -rf bin build dist $(TESTVIDEOS)
