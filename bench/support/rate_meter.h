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

class RateMeter {
 public:
  explicit RateMeter(int runs = 5,
                     std::chrono::milliseconds min_run = std::chrono::milliseconds(200))
      : runs_(runs), min_run_(min_run) {}

  // Runs op() in a loop; returns the median rate in operations per second.
  template <typename Op>
  double median_rate(Op&& op) const {
    std::vector<double> rates;
    for (int run = 0; run < runs_; ++run) {
      auto start = std::chrono::steady_clock::now();
      std::uint64_t count = 0;
      std::chrono::duration<double> elapsed{};
      do {
        for (int i = 0; i < 16; ++i) op();
        count += 16;
        elapsed = std::chrono::steady_clock::now() - start;
      } while (elapsed < min_run_);
      rates.push_back(static_cast<double>(count) / elapsed.count());
    }
    std::sort(rates.begin(), rates.end());
    return rates[rates.size() / 2];
  }

 private:
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
