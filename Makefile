# Thin wrapper over CMake + Ninja. Every target first makes sure the Debian
# packages are there (scripts/bootstrap), so these work on a fresh Debian 12.
#
#   make          build everything (the command is build/bin/hypermesh)
#   make run      build and start the main job
#   make test     build and run every test (ctest)
#   make asan     build with ASan+UBSan (clang) and run the tests
#   make fuzz     build the libFuzzer targets and run each for FUZZ_SECONDS
#   make bench    build optimised and run the benchmarks
#   make release  only build optimised (-O3)
#   make clean    remove every build directory

FUZZ_SECONDS ?= 30
JOBS ?= $(shell nproc)
CMAKE_GEN = -G Ninja -Wno-dev
CTEST = ctest --output-on-failure -j$(JOBS)

.PHONY: all build run test asan fuzz bench release clean bootstrap format

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	@cmake -S . -B build $(CMAKE_GEN) >/dev/null
	@cmake --build build -j$(JOBS)

run: build
	@scripts/run

test: build
	cd build && $(CTEST)

asan: bootstrap
	@CC=clang cmake -S . -B build-asan $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DHM_SANITIZE=ON >/dev/null
	@cmake --build build-asan -j$(JOBS)
	cd build-asan && $(CTEST)

fuzz: bootstrap
	@CC=clang cmake -S . -B build-fuzz $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHM_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j$(JOBS)
	@scripts/fuzz build-fuzz $(FUZZ_SECONDS)

# The optimised build alone: -O3 finds warnings -O2 does not; CI builds it.
release: bootstrap
	@cmake -S . -B build-bench $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build build-bench -j$(JOBS)

bench: release
	@scripts/bench build-bench

format:
	@find src include tests fuzz bench -name '*.[ch]' | xargs clang-format -i

clean:
	rm -rf build build-asan build-fuzz build-bench
