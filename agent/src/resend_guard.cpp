#include "vs/agent/resend_guard.h"

#include "vs/proto/limits.h"

namespace vs::agent {

Status ResendGuard::admit(const proto::ResendRequest& request, std::uint64_t now_ms) {
  if (request.nonce.size() != proto::kResendNonceSize) {
    return Error(ErrorCode::kMalformed, "resend request nonce is not 16 bytes");
  }
  std::uint64_t age_ms =
      now_ms > request.time_ms ? now_ms - request.time_ms : request.time_ms - now_ms;
  if (age_ms > max_age_ms_) {
    return Error(ErrorCode::kIntegrity,
                 "resend request time is too far from the device's clock (stale or replayed)");
  }
  // What is older than max_age can no longer pass the check above.
  std::uint64_t horizon_ms = now_ms > max_age_ms_ ? now_ms - max_age_ms_ : 0;
  while (!by_time_.empty() && by_time_.begin()->first < horizon_ms) {
    seen_.erase(by_time_.begin()->second);
    by_time_.erase(by_time_.begin());
  }
  if (seen_.count(request.nonce) > 0) {
    return Error(ErrorCode::kConflict, "resend request nonce was seen before (a replay)");
  }
  if (seen_.size() >= max_remembered_) {
    return Error(ErrorCode::kUnavailable, "too many resend requests in the freshness window");
  }
  seen_.emplace(request.nonce, request.time_ms);
  by_time_.emplace(request.time_ms, request.nonce);
  return {};
}

}  // namespace vs::agent
