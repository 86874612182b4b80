// Measures operations per second: each run lasts at least min_run, the
// median of `runs` is reported. Benchmarks print tables, never assert on time.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace vs::bench {

// The middle value (of an odd count; the upper middle of an even one).
inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

class RateMeter {
 public:
  explicit RateMeter(int runs = 5,
                     std::chrono::milliseconds min_run = std::chrono::milliseconds(200))
      : runs_(runs), min_run_(min_run) {}

  // Runs op() in a loop; returns the median rate in operations per second.
  template <typename Op>
  double median_rate(Op&& op) const {
    std::vector<double> rates;
    for (int run = 0; run < runs_; ++run) rates.push_back(rate(op));
    return median(rates);
  }

  struct Comparison {
    double ours = 0;  // median operations per second
    double raw = 0;
    double ratio = 0;  // median of the runs' ours / raw
  };
  // Our call next to the library's own, run by run and in turns (which goes
  // first alternates), so that each ratio compares moments apart on a
  // machine whose speed drifts or warms up.
  template <typename Ours, typename Raw>
  Comparison compare(Ours&& ours, Raw&& raw) const {
    std::vector<double> ours_rates, raw_rates, ratios;
    for (int run = 0; run < runs_; ++run) {
      double o = 0;
      double r = 0;
      if (run % 2 == 0) {
        o = rate(ours);
        r = rate(raw);
      } else {
        r = rate(raw);
        o = rate(ours);
      }
      ours_rates.push_back(o);
      raw_rates.push_back(r);
      ratios.push_back(o / r);
    }
    return {median(ours_rates), median(raw_rates), median(ratios)};
  }

 private:
  template <typename Op>
  double rate(Op& op) const {
    auto start = std::chrono::steady_clock::now();
    std::uint64_t count = 0;
    std::chrono::duration<double> elapsed{};
    do {
      for (int i = 0; i < 16; ++i) op();
      count += 16;
      elapsed = std::chrono::steady_clock::now() - start;
    } while (elapsed < min_run_);
    return static_cast<double>(count) / elapsed.count();
  }

  int runs_;
  std::chrono::milliseconds min_run_;
};

inline std::string machine_description() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  std::string model = "unknown CPU";
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  return model + ", " + std::to_string(std::thread::hardware_concurrency()) + " logical cores";
}

inline void print_rule(int width) {
  for (int i = 0; i < width; ++i) std::putchar('-');
  std::putchar('\n');
}

}  // namespace vs::bench
