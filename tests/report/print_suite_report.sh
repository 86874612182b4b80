#!/usr/bin/env bash
# Prints the fault and attack suite's table from the rows its tests wrote
# (tests/support/suite_report.h), with totals; fails when a row shows a lost
# or duplicated reading, an undetected attack or a stall (a wait that saw no
# progress for 2 minutes), or when no row was written.
set -euo pipefail
report=$1
if [ ! -s "$report" ]; then
  echo "suite report: no rows in $report (did the suite's tests run?)" >&2
  exit 1
fi
echo "machine: $(uname -m), $(nproc) cores, $(uname -r)"
awk -F'\t' '
  function cell(v) { return v < 0 ? "-" : v }
  BEGIN {
    printf "%-52s %7s %10s %10s %9s %5s %5s %8s %9s %7s\n", "scenario", "trials", "committed",
      "delivered", "anchored", "lost", "dup", "attacks", "detected", "stalls"
  }
  {
    printf "%-52s %7s %10s %10s %9s %5s %5s %8s %9s %7s\n", $1, $2, cell($3), cell($4), cell($5),
      $6, $7, $8, $9, $10
    trials += $2; lost += $6; dup += $7; attacks += $8; detected += $9; stalls += $10
    if ($3 > 0) committed += $3
    if ($4 > 0) delivered += $4
    if ($5 > 0) anchored += $5
  }
  END {
    printf "%-52s %7d %10d %10d %9d %5d %5d %8d %9d %7d\n", "all", trials, committed, delivered,
      anchored, lost, dup, attacks, detected, stalls
    if (lost > 0 || dup > 0 || detected < attacks || stalls > 0) { print "suite report: FAILED"; exit 1 }
  }' "$report"
