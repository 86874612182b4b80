#pragma once

#include "vs/platform/clock.h"

namespace vs::testing {

// Time that moves only when the test says so.
class FakeClock final : public platform::Clock {
 public:
  std::uint64_t wall_ms() const override { return wall_ms_; }
  std::chrono::steady_clock::time_point steady() const override { return steady_; }

  void advance(std::chrono::milliseconds by) {
    wall_ms_ += static_cast<std::uint64_t>(by.count());
    steady_ += by;
  }
  // The device's clock is set: wall time jumps, steady time does not.
  void jump_wall(std::int64_t by_ms) {
    wall_ms_ = static_cast<std::uint64_t>(static_cast<std::int64_t>(wall_ms_) + by_ms);
  }

 private:
  std::uint64_t wall_ms_ = 1'767'225'600'000ULL;
  std::chrono::steady_clock::time_point steady_{std::chrono::hours(1)};
};

}  // namespace vs::testing
