#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>

namespace vs::platform {

// Two clocks, kept apart on purpose: wall time stamps readings (it can jump
// when the device's clock is set), steady time drives timers (it cannot).
class Clock {
 public:
  virtual ~Clock() = default;
  // UTC, milliseconds since the Unix epoch.
  virtual std::uint64_t wall_ms() const = 0;
  virtual std::chrono::steady_clock::time_point steady() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::uint64_t wall_ms() const override {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  }
  std::chrono::steady_clock::time_point steady() const override {
    return std::chrono::steady_clock::now();
  }
};

// A wall time for people and files: RFC 3339 in UTC, to the second
// ("2026-11-22T10:00:00Z").
inline std::string utc_text(std::uint64_t time_ms) {
  std::time_t seconds = static_cast<std::time_t>(time_ms / 1000);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

}  // namespace vs::platform
