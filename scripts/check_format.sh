#!/usr/bin/env bash
# Fails when a C++ source file differs from what .clang-format makes of it.
# With --fix, rewrites them instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.h' '*.cpp' '*.hpp' '*.cc')
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
if ! clang-format --dry-run -Werror "${files[@]}"; then
  echo "format: run scripts/check_format.sh --fix"
  exit 1
fi
echo "format: ok (${#files[@]} files)"
