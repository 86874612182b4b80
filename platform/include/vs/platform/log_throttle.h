#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "vs/platform/log.h"

namespace vs::platform {

// Logging for what outsiders can make happen at will (rejected blocks,
// refused receipts and requests): per kind (`key`), the first
// `lines_per_window` messages of each window are logged, the rest only
// counted, and the count is said when that kind is next seen in a later
// window ("... and 4,980 more like it in the last 10 s"). The metrics keep
// the exact numbers; the log stays readable under a flood. Thread-safe.
class LogThrottle {
 public:
  LogThrottle(std::size_t lines_per_window, std::chrono::milliseconds window)
      : lines_per_window_(lines_per_window), window_(window) {}

  void log(LogLevel level, std::string_view key, std::string_view message,
           std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

 private:
  struct Kind {
    std::chrono::steady_clock::time_point window_start{};
    std::uint64_t logged = 0;
    std::uint64_t held_back = 0;
  };

  std::size_t lines_per_window_;
  std::chrono::milliseconds window_;
  std::mutex mutex_;
  std::map<std::string, Kind, std::less<>> kinds_;
};

}  // namespace vs::platform
