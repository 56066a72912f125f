# SPDX-License-Identifier: Apache-2.0
# Front door. Every target that needs packages installs them first
# (tools/install-deps.sh is idempotent and returns at once when all is there).
BUILD ?= build
TYPE ?= Release
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
CTEST_FLAGS ?=

.PHONY: all build deps image test test-unit demo bench bench-xdp bench-forward bench-sim bench-daemon bench-transport fuzz clean format install

all: build

deps:
	@bash tools/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(TYPE) $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# All default tests: unit, bpf, integration and the short fuzz pass.
test: build
	@bash tools/mount-fs.sh
	cd $(BUILD) && ctest --output-on-failure --timeout 900 $(CTEST_FLAGS)

# No privileges needed.
test-unit: build
	cd $(BUILD) && ctest --output-on-failure -L unit $(CTEST_FLAGS)

demo: build
	bash tools/demo.sh

# The container image of babed and babectl (tools/image.sh): from scratch,
# no registry; buildah, podman and runc come with it (install-deps.sh image).
image: build
	@bash tools/install-deps.sh image
	bash tools/image.sh

# Every benchmark prints one JSON object with ratios against a baseline
# measured in the same run (tools/bench/<name>.sh).
bench: build
	@for b in tools/bench/*.sh; do [ -e "$$b" ] || continue; echo "== $$b"; bash "$$b" || exit 1; done

bench-xdp bench-forward bench-sim bench-daemon bench-transport: build
	@bash tools/mount-fs.sh
	bash tools/bench/$(@:bench-%=%).sh

# libFuzzer targets need clang; they build in their own tree. Each runs until
# FUZZ_RUNS inputs or FUZZ_SECONDS (docs/performance.md, "Fuzzing": 3,000,000
# take about 1 min for the decoder, 15 for the control and transport targets
# and 38 for the config loader on one CPU).
fuzz: deps
	cmake -S . -B $(BUILD)-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBABE_FUZZ=ON \
		-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DBABE_BPF=ON
	cmake --build $(BUILD)-fuzz -j $(JOBS) --target fuzz_targets
	bash tools/fuzz.sh $(BUILD)-fuzz $${FUZZ_SECONDS:-3600} $${FUZZ_RUNS:-3000000}

format:
	clang-format -i $$(git ls-files '*.c' '*.h' '*.cc' '*.hh')

clean:
	rm -rf $(BUILD) $(BUILD)-fuzz

# Installs babed, babectl (and babe-dpctl when built), the systemd unit, the
# default config (never over an existing one) and the man pages. Honours
# DESTDIR and PREFIX; SKIP_BUILD=1 installs what $(BUILD) already holds.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
UNITDIR ?= $(PREFIX)/lib/systemd/system
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
install: $(if $(SKIP_BUILD),,build)
	install -Dm755 $(BUILD)/userspace/daemon/babed $(DESTDIR)$(SBINDIR)/babed
	install -Dm755 $(BUILD)/userspace/cli/babectl $(DESTDIR)$(SBINDIR)/babectl
	if [ -x $(BUILD)/userspace/dataplane/babe-dpctl ]; then \
		install -Dm755 $(BUILD)/userspace/dataplane/babe-dpctl $(DESTDIR)$(SBINDIR)/babe-dpctl; fi
	install -d $(DESTDIR)$(UNITDIR)
	sed -e 's|/usr/sbin/|$(SBINDIR)/|g' -e 's|/etc/babe/|$(SYSCONFDIR)/babe/|g' \
		packaging/babe.service > $(DESTDIR)$(UNITDIR)/babe.service
	chmod 644 $(DESTDIR)$(UNITDIR)/babe.service
	install -d $(DESTDIR)$(SYSCONFDIR)/babe
	[ -e $(DESTDIR)$(SYSCONFDIR)/babe/babe.yaml ] || \
		install -m644 packaging/babe.yaml $(DESTDIR)$(SYSCONFDIR)/babe/babe.yaml
	install -Dm644 docs/man/babed.8 $(DESTDIR)$(MANDIR)/man8/babed.8
	install -Dm644 docs/man/babectl.8 $(DESTDIR)$(MANDIR)/man8/babectl.8
	install -Dm644 docs/man/babe.yaml.5 $(DESTDIR)$(MANDIR)/man5/babe.yaml.5
