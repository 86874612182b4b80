// Which gateway of a cluster anchors: the one holding the lease kept in
// the shared state. Every gateway calls beat() a few times per lease
// length: it records its heartbeat (`vitalsign status` lists them) and
// takes the lease when it is free, expired or already its own (renewing
// it). A gateway anchors only while its lease has a quarter of its length
// left by its own clock, and another takes it only once it has expired by
// that one's clock: clocks that differ by less than a quarter of the lease
// never let two anchor at once. Were it to happen anyway (a gateway frozen
// past its lease), the anchorer's batch-id fence refuses the second commit.
// When the anchorer dies, another takes over within one lease length plus
// one beat.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "vs/gateway/gateway_state.h"
#include "vs/platform/clock.h"

namespace vs::gateway {

class ClusterLease {
 public:
  ClusterLease(GatewayState& state, std::string name, std::chrono::milliseconds length,
               const platform::Clock& clock)
      : state_(state), name_(std::move(name)), length_(length), clock_(clock) {}

  // One heartbeat, and the lease taken or renewed if it can be. Returns
  // whether this gateway anchors now.
  Result<bool> beat();
  // Gives the lease up (a clean shutdown): another takes it at its next beat.
  Status release();
  bool holds() const;

  const std::string& name() const { return name_; }
  std::chrono::milliseconds length() const { return length_; }
  // How often to beat: four times per lease.
  std::chrono::milliseconds beat_interval() const { return length_ / 4; }

 private:
  GatewayState& state_;
  std::string name_;
  std::chrono::milliseconds length_;
  const platform::Clock& clock_;
  std::uint64_t held_until_ms_ = 0;  // 0: not held
};

}  // namespace vs::gateway
