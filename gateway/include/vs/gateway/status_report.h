#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "vs/gateway/gateway_state.h"
#include "vs/platform/sha256.h"

namespace vs::gateway {

// A gateway operator's view of the state, read from one snapshot (safe
// while the gateway runs): each device's tip, its blocks waiting for an
// anchor and held past a gap, when its last block was sealed; then the
// queue and the latest anchors; for a cluster, its gateways and which one
// anchors.
struct StatusReport {
  struct Device {
    chain::DeviceId device;
    DeviceRecord record;
    std::optional<std::uint64_t> tip_height;
    std::uint64_t queued = 0;
    std::uint64_t held = 0;
    std::uint64_t last_sealed_ms = 0;  // 0: no block yet
    bool has_certificate = false;
  };
  std::vector<Device> devices;
  std::uint64_t queued = 0;
  std::uint64_t batches_awaiting_finality = 0;
  std::vector<std::uint64_t> open_batch_ids;  // awaiting finality, up to 64
  std::uint64_t next_batch_id = 0;
  std::vector<AnchorRecord> recent_anchors;  // newest first
  // A cluster (a shared state): every gateway that beat, and the lease.
  std::vector<ClusterMember> gateways;
  std::optional<AnchorLease> anchor_lease;

  static Result<StatusReport> gather(const GatewayState& state, const platform::Sha256& sha,
                                     std::size_t anchors = 5);
  // One device's row from a snapshot; `queued` is counted by the caller,
  // who reads the queue once for all devices.
  static Result<Device> gather_device(const GatewayStateReader& view, const platform::Sha256& sha,
                                      const chain::DeviceId& device, DeviceRecord record,
                                      std::uint64_t queued);
};

}  // namespace vs::gateway
