#include "vs/gateway/state_rewind.h"

#include <map>

#include "vs/chain/chain_verifier.h"
#include "vs/chain/opened_block.h"

namespace vs::gateway {

Result<StateRewind> StateRewind::run(GatewayState& state, const platform::Sha256& sha,
                                     const chain::DeviceId& access_log_device,
                                     std::uint64_t batch_id_floor) {
  VS_TRY_ASSIGN(auto changes, state.begin());
  StateRewind rewind;
  VS_TRY_ASSIGN(rewind.next_batch_id_before, changes->next_batch_id());
  VS_TRY_ASSIGN(std::uint64_t queued, changes->queue_size());
  VS_TRY_ASSIGN(auto queue, changes->queue(static_cast<std::size_t>(queued)));
  VS_TRY_ASSIGN(auto intent, changes->anchor_intent());
  // Each device's lowest height not in an anchored batch.
  std::map<chain::DeviceId, std::uint64_t> first_unanchored;
  auto note = [&](const BatchItem& item) {
    if (item.device == access_log_device) return;
    auto [at, added] = first_unanchored.emplace(item.device, item.height);
    if (!added) at->second = std::min(at->second, item.height);
  };
  for (const QueuedBlock& block : queue) note(block.item);
  if (intent)
    for (const QueuedBlock& block : intent->blocks) note(block.item);

  for (const auto& [device, from] : first_unanchored) {
    VS_TRY_ASSIGN(auto tip, changes->tip(device));
    if (!tip || tip->height < from) continue;
    for (std::uint64_t height = from; height <= tip->height; ++height) {
      changes->forget_block(device, height);
      ++rewind.blocks_forgotten;
    }
    ++rewind.devices;
    if (from == 0) {
      changes->forget_tip(device);
      continue;
    }
    VS_TRY_ASSIGN(auto below, changes->block(device, from - 1));
    if (!below)
      return Error(ErrorCode::kIntegrity, "the block below the rewound tip is missing")
          .about("device " + device.hex() + " height " + std::to_string(from - 1));
    VS_TRY_ASSIGN(auto opened, chain::OpenedBlock::open(sha, *below));
    changes->put_tip(device, chain::ChainTip{from - 1, opened.hash, opened.header.last_seq});
  }
  for (const QueuedBlock& block : queue) {
    if (block.item.device == access_log_device) continue;
    changes->dequeue(block);
    ++rewind.queue_emptied;
  }
  rewind.next_batch_id = std::max(rewind.next_batch_id_before, batch_id_floor);
  if (intent) {
    // Its transaction may still land: its id is taken.
    rewind.next_batch_id = std::max(rewind.next_batch_id, intent->batch_id + 1);
    changes->clear_anchor_intent();
  }
  changes->set_next_batch_id(rewind.next_batch_id);
  VS_TRY(changes->commit(true));
  return rewind;
}

}  // namespace vs::gateway
