#pragma once

#include <chrono>
#include <cstdint>
#include <map>

#include "vs/chain/device_id.h"

namespace vs::gateway {

// Decides whether a duplicate block is answered with its stored receipt.
// A device whose receipt was lost republishes the block and must get it
// again; a peer replaying one captured block thousands of times must not
// make the gateway sign-and-send (and the device verify-and-store) as
// often. So one height of one device is answered at most once per
// `per_height`, and one device gets at most `burst` answers at once and
// `per_second` a second after that (a token bucket). Pure: the caller
// passes the time; not thread-safe.
class DuplicateAnswerLimiter {
 public:
  DuplicateAnswerLimiter(std::chrono::milliseconds per_height, double per_second, double burst)
      : per_height_(per_height), per_second_(per_second), burst_(burst) {}

  bool allow(const chain::DeviceId& device, std::uint64_t height,
             std::chrono::steady_clock::time_point now);

 private:
  struct DeviceState {
    double tokens = 0;
    std::chrono::steady_clock::time_point refilled{};
    std::map<std::uint64_t, std::chrono::steady_clock::time_point> answered;  // height -> when
  };

  std::chrono::milliseconds per_height_;
  double per_second_;
  double burst_;
  std::map<chain::DeviceId, DeviceState> devices_;
};

}  // namespace vs::gateway
