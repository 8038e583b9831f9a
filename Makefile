# Wrenn: `make run` sets up a fresh machine and starts the server; `make test` runs every test.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

CONFIG      ?= Release
IMAGES_DIR  ?= /var/lib/wrenn/images
IMAGES_CACHE ?= /var/cache/wrenn/images
DATA_DIR    ?= /var/lib/wrenn
AGENT_DIR   := artifacts/agent
BIN_DIR     := artifacts/wrenn
AGENT       := $(AGENT_DIR)/wrenn-agent
export WRENN_IMAGES_DIR := $(IMAGES_DIR)

DASHBOARD   := artifacts/dashboard/index.html
DASHBOARD_SOURCES := $(shell find src/Wrenn.Dashboard -path '*/node_modules' -prune -o -type f -print)

.PHONY: setup packages build agent images run test bench clean

## setup: everything `run`, `test` and `bench` need; idempotent and cached.
setup: packages build images

packages:
	scripts/setup-packages.sh

# Everything (JIT), then the installable directory $(BIN_DIR): the server and, beside it, the
# NativeAOT `wrenn` command line, which hands `serve`, `agent` and `user` over to `wrenn-server`.
build: $(DASHBOARD)
	dotnet build Wrenn.slnx -c $(CONFIG) -nologo -v quiet -clp:ErrorsOnly
	dotnet publish src/Wrenn.Server -c $(CONFIG) --no-build -o $(BIN_DIR) -nologo -v quiet -clp:ErrorsOnly
	dotnet publish src/Wrenn.Cli -c $(CONFIG) -r linux-x64 -o $(BIN_DIR) -nologo -v quiet -clp:ErrorsOnly

# The web dashboard wrenn-server serves at / (its project copies the build beside the server).
$(DASHBOARD): $(DASHBOARD_SOURCES)
	scripts/build-dashboard.sh

# NativeAOT guest agent (it lives in every guest image).
agent:
	dotnet publish src/Wrenn.GuestAgent -c Release -r linux-x64 -o $(AGENT_DIR) -nologo -v quiet -clp:ErrorsOnly
	@ls -l $(AGENT) | awk '{printf "guest agent: %.1f MiB\n", $$5/1048576}'

images: agent
	images/build.sh --agent $(AGENT) --out $(IMAGES_DIR) --cache $(IMAGES_CACHE)

## run: set up, then serve the API on 127.0.0.1:8080 with state in $(DATA_DIR).
run: setup
	./wrenn serve --data-dir $(DATA_DIR) --images-dir $(IMAGES_DIR)

## test: set up, then run every test suite (unit and real-VM end-to-end).
test: setup
	scripts/run-tests.sh $(CONFIG)

## bench: set up, then print the benchmark tables and their RESULT lines.
bench: setup
	dotnet run --project bench/Wrenn.Bench -c $(CONFIG) --no-build -- --images-dir $(IMAGES_DIR)

clean:
	rm -rf artifacts
