#!/usr/bin/env bash
# Sets up this machine, then builds and runs every test of vitalsign:
#  1. the layer check (vendor headers only in their platform/ adapter),
#  2. clang-format on every source file,
#  3. GCC build with -Werror, then all tests under ctest,
#  4. the Debian packages: built, lintian, SBOMs validated, installed on this
#     machine, run as the service user, purged (tests/packaging/),
#  5. arm64 and armhf cross builds: unit tests under qemu-user, and for arm64
#     the agent's crash test, an end-to-end run with the arm64 agent and the
#     arm64 packages,
#  6. Clang build with ASan + UBSan and -Werror, then all tests again.
# With --long, the fault suite runs many more trials and every fuzz target
# then runs for $VS_FUZZ_SECONDS (default 300) each (scripts/fuzz.sh).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

long=false
long_option=-DVS_LONG_TESTS=OFF
if [ "${1:-}" = "--long" ]; then
  long=true
  long_option=-DVS_LONG_TESTS=ON
  export VS_CRASH_TRIALS=${VS_CRASH_TRIALS:-500} VS_GATEWAY_KILLS=${VS_GATEWAY_KILLS:-200}
  export VS_BROKER_RESTARTS=${VS_BROKER_RESTARTS:-50} VS_LEDGER_FAULTS=${VS_LEDGER_FAULTS:-25}
  export VS_OUTAGE_ENTRIES=${VS_OUTAGE_ENTRIES:-1000000}
  export VS_CLUSTER_GATEWAY_KILLS=${VS_CLUSTER_GATEWAY_KILLS:-200}
  export VS_CLUSTER_BROKER_RESTARTS=${VS_CLUSTER_BROKER_RESTARTS:-50}
  export VS_CLUSTER_DATABASE_RESTARTS=${VS_CLUSTER_DATABASE_RESTARTS:-20}
elif [ $# -gt 0 ]; then
  echo "usage: scripts/test.sh [--long]" >&2
  exit 2
fi

"$here/scripts/setup.sh"
"$here/scripts/check_layers.sh"
"$here/scripts/check_format.sh"

jobs=$(nproc)
# Line tables only (-g1): backtraces and sanitizer reports keep file:line,
# and the builds take about a third less time than with full -g.
line_tables="-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"
line_tables_c="-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"

echo "== gcc, -Werror"
cmake -S . -B build/gcc -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVS_WERROR=ON "$long_option" \
  "$line_tables" "$line_tables_c" -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ >/dev/null
cmake --build build/gcc -j "$jobs"
ctest --test-dir build/gcc --output-on-failure -j "$jobs"
bash tests/report/print_suite_report.sh build/gcc/suite_report.tsv  # the fault and attack table

# Debian packages: built (lintian, SBOMs), installed, run as the service user, purged.
"$here/scripts/build_packages.sh"
"$here/tests/packaging/install_test.sh" "build/package/$(dpkg --print-architecture)"

# ARM boards: cross builds run under qemu-user (arm64 also against build/gcc,
# and its packages built).
"$here/scripts/cross_test.sh" arm64
"$here/scripts/cross_test.sh" armhf

echo "== clang, -Werror, AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVS_WERROR=ON -DVS_SANITIZE=ON "$long_option" \
  -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DCMAKE_C_FLAGS_DEBUG=-g1 -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build build/asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  LSAN_OPTIONS="suppressions=$here/tests/sanitizer/lsan.supp:print_suppressions=0" \
  ctest --test-dir build/asan --output-on-failure -j "$jobs"
bash tests/report/print_suite_report.sh build/asan/suite_report.tsv

if $long; then
  echo "== fuzzing every decoder of outside bytes"
  "$here/scripts/fuzz.sh" "${VS_FUZZ_SECONDS:-300}"
fi

echo "test: all passed"
