#include "vs/gateway/duplicate_answer_limiter.h"

#include <algorithm>

namespace vs::gateway {

bool DuplicateAnswerLimiter::allow(const chain::DeviceId& device, std::uint64_t height,
                                   std::chrono::steady_clock::time_point now) {
  auto [found, first_time] = devices_.try_emplace(device);
  DeviceState& state = found->second;
  if (first_time) {
    state.tokens = burst_;
    state.refilled = now;
  }
  std::chrono::duration<double> elapsed = now - state.refilled;
  state.tokens = std::min(burst_, state.tokens + elapsed.count() * per_second_);
  state.refilled = now;

  // Forget answers older than the window, so the map stays as small as
  // what was answered within it.
  for (auto it = state.answered.begin(); it != state.answered.end();) {
    it = now - it->second >= per_height_ ? state.answered.erase(it) : std::next(it);
  }
  if (state.answered.count(height) > 0 || state.tokens < 1) return false;
  state.tokens -= 1;
  state.answered[height] = now;
  return true;
}

}  // namespace vs::gateway
