#include "vs/gateway/cluster_lease.h"

namespace vs::gateway {

Result<bool> ClusterLease::beat() {
  std::uint64_t now = clock_.wall_ms();
  auto length_ms = static_cast<std::uint64_t>(length_.count());
  auto taken = retry_on_conflict([&]() -> Result<bool> {
    VS_TRY_ASSIGN(auto changes, state_.begin());
    VS_TRY_ASSIGN(auto lease, changes->anchor_lease());
    changes->put_member({name_, now});
    bool free = !lease || lease->holder == name_ || lease->expires_ms <= now;
    if (free) changes->put_anchor_lease({name_, now + length_ms});
    VS_TRY(changes->commit(false));
    return free;
  });
  if (!taken) {
    held_until_ms_ = 0;  // unsure: not the anchorer until a beat says so
    return std::move(taken).error();
  }
  held_until_ms_ = *taken ? now + length_ms : 0;
  return holds();
}

Status ClusterLease::release() {
  if (held_until_ms_ == 0) return {};
  held_until_ms_ = 0;
  return retry_on_conflict([&]() -> Status {
    VS_TRY_ASSIGN(auto changes, state_.begin());
    VS_TRY_ASSIGN(auto lease, changes->anchor_lease());
    if (!lease || lease->holder != name_) return {};
    changes->put_anchor_lease({name_, 0});
    return changes->commit(true);
  });
}

bool ClusterLease::holds() const {
  auto margin = static_cast<std::uint64_t>(length_.count()) / 4;
  return held_until_ms_ != 0 && clock_.wall_ms() + margin < held_until_ms_;
}

}  // namespace vs::gateway
