# Wrenn: `make run` sets up a fresh machine and starts the server; `make test` runs every test.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
# Independent steps run at once (a first run: apt, mmdebstrap and the .NET builds overlap; see
# "First run" in docs/performance.md). `make -j1` runs them one after another.
MAKEFLAGS += --jobs=4

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

# The guest root filesystems (mmdebstrap, one after another) are the longest chain of a first run,
# and on 2 cores the compilers beside them would halve their speed: compilers get what they leave.
BESIDE      := nice -n 10
# .NET builds share projects (and their artifacts/obj) with each other: under -j they take turns.
DOTNET      := mkdir -p artifacts && flock artifacts/.dotnet.lock $(BESIDE) dotnet
DOTNET_QUIET := -nologo -v quiet -clp:ErrorsOnly

.PHONY: setup image-packages run-packages packages build solution server cli agent rootfs images run test bench clean

## setup: everything `run`, `test` and `bench` need; idempotent and cached.
setup: packages build images

# apt in steps: what images/build.sh needs first (seconds), so that the root filesystems (minutes
# of mmdebstrap) build while apt installs the rest; `run` needs only the second step (QEMU,
# nftables, clang), tests and benchmarks the third too (PostgreSQL, Swift, Chromium...).
image-packages:
	scripts/setup-packages.sh --images

run-packages: image-packages
	scripts/setup-packages.sh --run

packages: run-packages
	scripts/setup-packages.sh

# Everything compiled: the whole solution (JIT: tests, benchmarks), the guest agent and the
# installable directory $(BIN_DIR): the server and, beside it, the NativeAOT `wrenn` command line,
# which hands `serve`, `agent` and `user` over to `wrenn-server`. `run` needs no solution build.
build: solution server cli agent

# After the agent (| agent): the guest images wait for it, nothing waits for these.
solution: $(DASHBOARD) | agent
	$(DOTNET) build Wrenn.slnx -c $(CONFIG) $(DOTNET_QUIET)

server: $(DASHBOARD)
	$(DOTNET) publish src/Wrenn.Server -c $(CONFIG) -o $(BIN_DIR) $(DOTNET_QUIET)

# NativeAOT links with clang (apt).
cli: run-packages | agent
	$(DOTNET) publish src/Wrenn.Cli -c $(CONFIG) -r linux-x64 -o $(BIN_DIR) $(DOTNET_QUIET)

# The web dashboard wrenn-server serves at / (its project copies the build beside the server).
$(DASHBOARD): $(DASHBOARD_SOURCES)
	$(BESIDE) scripts/build-dashboard.sh

# NativeAOT guest agent (it lives in every guest image).
agent: run-packages
	$(DOTNET) publish src/Wrenn.GuestAgent -c Release -r linux-x64 -o $(AGENT_DIR) $(DOTNET_QUIET)
	@ls -l $(AGENT) | awk '{printf "guest agent: %.1f MiB\n", $$5/1048576}'

# Guest images in two steps: everything but the agent (kernel, initramfs, root filesystems: nearly
# all the time) starts as soon as its tools are installed; the ext4 images wait for the agent.
rootfs: image-packages
	images/build.sh --rootfs-only --out $(IMAGES_DIR) --cache $(IMAGES_CACHE)

images: rootfs agent
	images/build.sh --agent $(AGENT) --out $(IMAGES_DIR) --cache $(IMAGES_CACHE)

# E2B's SDK as its users install it (tests/e2b/package-lock.json pins it), for the conformance test.
E2B_SDK     := tests/e2b/node_modules/.package-lock.json
$(E2B_SDK): tests/e2b/package-lock.json
	cd tests/e2b && npm ci --no-audit --no-fund --loglevel=error

## run: set up what serving needs, then serve the API on 127.0.0.1:8080 with state in $(DATA_DIR).
run: run-packages server cli images
	./wrenn serve --data-dir $(DATA_DIR) --images-dir $(IMAGES_DIR)

## test: set up, then run every test suite (unit and real-VM end-to-end).
test: setup $(E2B_SDK)
	scripts/run-tests.sh $(CONFIG)

## bench: set up, then print the benchmark tables and their RESULT lines.
bench: setup $(E2B_SDK)
	dotnet run --project bench/Wrenn.Bench -c $(CONFIG) --no-build -- --images-dir $(IMAGES_DIR)

clean:
	rm -rf artifacts
