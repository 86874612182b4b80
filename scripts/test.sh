#!/usr/bin/env bash
# Sets up this machine, then builds and runs every test of vitalsign:
#  1. the layer check (vendor headers only in their platform/ adapter),
#  2. clang-format on every source file,
#  3. GCC build with -Werror, then all tests under ctest,
#  4. Clang build with ASan + UBSan and -Werror, then all tests again.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

"$here/scripts/setup.sh"
"$here/scripts/check_layers.sh"
"$here/scripts/check_format.sh"

jobs=$(nproc)

echo "== gcc, -Werror"
cmake -S . -B build/gcc -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVS_WERROR=ON \
  -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ >/dev/null
cmake --build build/gcc -j "$jobs"
ctest --test-dir build/gcc --output-on-failure -j "$jobs"
bash tests/report/print_suite_report.sh build/gcc/suite_report.tsv  # the fault and attack table

echo "== clang, -Werror, AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVS_WERROR=ON -DVS_SANITIZE=ON \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build build/asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build/asan --output-on-failure -j "$jobs"
bash tests/report/print_suite_report.sh build/asan/suite_report.tsv

echo "test: all passed"
