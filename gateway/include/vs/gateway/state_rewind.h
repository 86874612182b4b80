#pragma once

#include "vs/gateway/gateway_state.h"
#include "vs/platform/sha256.h"

namespace vs::gateway {

// What a restored copy needs before a gateway runs on it, so that nothing
// is anchored twice. The copy is older than what the devices hold: blocks
// queued in it (and the anchor intent's) may have been anchored after the
// copy was taken, in batches whose records went with the old store. Their
// devices hold those receipts. So each device's chain is rewound to below
// its first block not yet in an anchored batch, and the queue and intent
// are emptied: the device's next block shows the gap, the gateway asks for
// the missing heights, and the device sends each one again with the
// receipt it holds (kept as it is, not anchored again) or without one
// (queued and anchored now). Batch ids move past every id the ledger may
// have seen, so no id is anchored twice either.
//
// Access records (the gateway's own log of exports) stay queued: no one
// else holds their receipts, so they are anchored again.
struct StateRewind {
  std::uint64_t devices = 0;           // whose chains were rewound
  std::uint64_t blocks_forgotten = 0;  // asked for again from their devices
  std::uint64_t queue_emptied = 0;     // device blocks taken off the queue
  std::uint64_t next_batch_id_before = 0;
  std::uint64_t next_batch_id = 0;

  // `batch_id_floor`: the lowest id the ledger cannot have seen yet.
  static Result<StateRewind> run(GatewayState& state, const platform::Sha256& sha,
                                 const chain::DeviceId& access_log_device,
                                 std::uint64_t batch_id_floor);
};

}  // namespace vs::gateway
