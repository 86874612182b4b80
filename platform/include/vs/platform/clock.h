#pragma once

#include <chrono>
#include <cstdint>

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

}  // namespace vs::platform
