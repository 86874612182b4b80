#!/usr/bin/env bash
# Fuzzes every decoder of outside bytes with libFuzzer (clang, ASan + UBSan)
# for a set time each, starting from the committed corpus. New inputs go to
# a scratch corpus (build/fuzz-corpus/); a crash is written to
# tests/fuzz/crashes/<target>/ and fails the run: commit it into the
# target's corpus as a regression file once fixed.
# usage: scripts/fuzz.sh [SECONDS_PER_TARGET (default 60)]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
seconds=${1:-60}
jobs=$(nproc)

cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVS_FUZZ=ON -DVS_SANITIZE=ON \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
targets=()
for dir in tests/fuzz/corpus/*/; do targets+=("$(basename "$dir")"); done
cmake --build build/fuzz -j "$jobs" --target "${targets[@]/%/_fuzz}"

failed=0
for target in "${targets[@]}"; do
  scratch="build/fuzz-corpus/$target"
  crashes="tests/fuzz/crashes/$target"
  mkdir -p "$scratch" "$crashes"
  echo "== fuzz $target for ${seconds}s"
  if ! ASAN_OPTIONS=detect_leaks=1 "build/fuzz/tests/fuzz/${target}_fuzz" "$scratch" \
    "tests/fuzz/corpus/$target" -max_total_time="$seconds" -artifact_prefix="$crashes/" \
    -print_final_stats=1 2>"build/fuzz-corpus/$target.log"; then
    echo "fuzz: $target FAILED; input in $crashes/, log in build/fuzz-corpus/$target.log"
    failed=1
  else
    grep -E "stat::number_of_executed_units|cov:" "build/fuzz-corpus/$target.log" | tail -1 || true
  fi
  rmdir "$crashes" 2>/dev/null || true
done
exit $failed
