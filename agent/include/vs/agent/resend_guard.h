#pragma once

#include <chrono>
#include <cstdint>
#include <map>

#include "vs/platform/bytes.h"
#include "vs/platform/result.h"
#include "vs/proto/control.h"

namespace vs::agent {

// Judges a resend request whose gateway signature has already verified:
// it must be fresh (its time within max_age of the device's clock, either
// way, since the two clocks differ) and its nonce never seen before within
// that time. A replayed request, even a genuinely signed one, is refused:
// the nonces of the last max_age are remembered, at most max_remembered of
// them (past that a request is refused as too many, and the gateway asks
// again next interval). Pure: the caller passes the time.
class ResendGuard {
 public:
  ResendGuard(std::chrono::milliseconds max_age, std::size_t max_remembered)
      : max_age_ms_(static_cast<std::uint64_t>(max_age.count())), max_remembered_(max_remembered) {}

  Status admit(const proto::ResendRequest& request, std::uint64_t now_ms);

  std::size_t remembered() const { return seen_.size(); }

 private:
  std::uint64_t max_age_ms_;
  std::size_t max_remembered_;
  std::multimap<std::uint64_t, Bytes> by_time_;  // request time -> nonce, to forget the old
  std::map<Bytes, std::uint64_t> seen_;          // nonce -> request time
};

}  // namespace vs::agent
