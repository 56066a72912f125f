# SPDX-License-Identifier: Apache-2.0
# Front door. Every target that needs packages installs them first
# (tools/install-deps.sh is idempotent and returns at once when all is there).
BUILD ?= build
TYPE ?= Release
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
CTEST_FLAGS ?=

.PHONY: all build deps test test-unit demo bench bench-xdp bench-forward bench-sim bench-daemon fuzz clean format install

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

# Every benchmark prints one JSON object with ratios against a baseline
# measured in the same run (tools/bench/<name>.sh).
bench: build
	@for b in tools/bench/*.sh; do [ -e "$$b" ] || continue; echo "== $$b"; bash "$$b" || exit 1; done

bench-xdp bench-forward bench-sim bench-daemon: build
	@bash tools/mount-fs.sh
	bash tools/bench/$(@:bench-%=%).sh

# libFuzzer targets need clang; they build in their own tree.
fuzz: deps
	cmake -S . -B $(BUILD)-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBABE_FUZZ=ON \
		-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DBABE_BPF=ON
	cmake --build $(BUILD)-fuzz -j $(JOBS) --target fuzz_targets
	bash tools/fuzz.sh $(BUILD)-fuzz $${FUZZ_SECONDS:-60}

format:
	clang-format -i $$(git ls-files '*.c' '*.h' '*.cc' '*.hh')

clean:
	rm -rf $(BUILD) $(BUILD)-fuzz
