#include "vs/agent/seal_policy.h"

#include <algorithm>

#include "vs/proto/entry.h"

namespace vs::agent {

std::chrono::milliseconds SealPolicy::wait(std::chrono::milliseconds max_wait,
                                           TimePoint now) const {
  if (!first_pending_at_) return max_wait;
  auto due =
      std::chrono::duration_cast<std::chrono::milliseconds>(*first_pending_at_ + max_age_ - now);
  return std::max(std::chrono::milliseconds(0), std::min(max_wait, due));
}

bool SealPolicy::alarm_in(std::span<const SensorSample> samples) const {
  if (!seal_on_alarm_) return false;
  return std::any_of(samples.begin(), samples.end(), [](const SensorSample& sample) {
    const auto* reading = std::get_if<proto::Reading>(&sample);
    return reading != nullptr && (reading->quality & proto::kQualityAlarm) != 0;
  });
}

std::optional<proto::SealReason> SealPolicy::due_on_count(std::uint64_t pending, bool alarm) const {
  if (pending == 0) return std::nullopt;
  if (alarm) return proto::SealReason::kAlarm;
  if (pending >= max_entries_) return proto::SealReason::kCount;
  return std::nullopt;
}

}  // namespace vs::agent
