#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>

#include "vs/agent/sensor.h"
#include "vs/proto/block.h"

namespace vs::agent {

// When pending entries become a block: at once on an alarm-flagged reading
// (when configured), whenever a block's worth is pending, and when the
// oldest pending entry has waited the maximum age. Pure: the agent tells
// it what happened and when (steady time), it says what is due.
class SealPolicy {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  SealPolicy(std::uint64_t max_entries, std::chrono::milliseconds max_age, bool seal_on_alarm)
      : max_entries_(max_entries), max_age_(max_age), seal_on_alarm_(seal_on_alarm) {}

  // Entries were committed; `pending_before` were waiting before them.
  void recorded(std::uint64_t pending_before, TimePoint now) {
    if (pending_before == 0 || !first_pending_at_) first_pending_at_ = now;
  }
  // A block was sealed; `pending_after` entries still wait.
  void sealed(std::uint64_t pending_after, TimePoint now) {
    first_pending_at_.reset();
    if (pending_after > 0) first_pending_at_ = now;
  }
  // The store refused the seal: try again a seal age later, not every turn.
  void refused(TimePoint now) { first_pending_at_ = now; }

  // How long the agent may wait for the sensor: no later than the age seal.
  std::chrono::milliseconds wait(std::chrono::milliseconds max_wait, TimePoint now) const;
  // Whether these samples hold a reading that seals at once.
  bool alarm_in(std::span<const SensorSample> samples) const;
  // The seal due now for `pending` entries after a commit (alarm: all of
  // them; else only a full block), or none.
  std::optional<proto::SealReason> due_on_count(std::uint64_t pending, bool alarm) const;
  bool age_due(TimePoint now) const {
    return first_pending_at_ && now - *first_pending_at_ >= max_age_;
  }

 private:
  std::uint64_t max_entries_;
  std::chrono::milliseconds max_age_;
  bool seal_on_alarm_;
  std::optional<TimePoint> first_pending_at_;
};

}  // namespace vs::agent
