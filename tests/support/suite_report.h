// One row of the fault and attack suite's report: what a scenario did, and
// what reached the far end. Every suite test appends its rows to one file
// (VS_SUITE_REPORT, set by CMake); the `suite_report` test prints the table
// after all of them (tests/report/print_suite_report.sh).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace vs::testing {

struct SuiteRow {
  std::string scenario;
  std::int64_t trials = 0;
  std::int64_t committed = -1;  // readings committed on the device; -1: not measured
  std::int64_t delivered = -1;  // of those, at the gateway
  std::int64_t anchored = -1;   // of those, anchored with a receipt
  std::int64_t lost = 0;
  std::int64_t duplicated = 0;
  std::int64_t attacks = 0;
  std::int64_t detected = 0;
  // Waits that gave up: a device or gateway that made no progress for 2 minutes.
  std::int64_t stalls = 0;
};

inline void report_row(const SuiteRow& row) {
#ifdef VS_SUITE_REPORT
  std::FILE* file = std::fopen(VS_SUITE_REPORT, "a");
  if (file == nullptr) return;
  // A run with another agent (scripts/cross_test.sh) says which in each row.
  std::string scenario = row.scenario;
  if (const char* label = std::getenv("VS_TEST_AGENT_LABEL"); label != nullptr && *label != '\0')
    scenario += std::string(" (") + label + ")";
  std::fprintf(file, "%s\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld\n", scenario.c_str(),
               static_cast<long long>(row.trials), static_cast<long long>(row.committed),
               static_cast<long long>(row.delivered), static_cast<long long>(row.anchored),
               static_cast<long long>(row.lost), static_cast<long long>(row.duplicated),
               static_cast<long long>(row.attacks), static_cast<long long>(row.detected),
               static_cast<long long>(row.stalls));
  std::fclose(file);
#else
  (void)row;
#endif
}

}  // namespace vs::testing
