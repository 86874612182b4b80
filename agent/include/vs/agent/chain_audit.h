#pragma once

#include <functional>
#include <optional>

#include "vs/agent/device_chain.h"
#include "vs/platform/verifier.h"

namespace vs::agent {

struct ChainAuditReport {
  chain::DeviceId device;
  std::uint64_t first_height = 0;  // blocks below were pruned after anchoring
  std::uint64_t blocks = 0;
  std::uint64_t entries_in_blocks = 0;
  std::uint64_t pending_entries = 0;
  std::uint64_t next_seq = 0;
  std::optional<chain::ChainTip> tip;
  std::optional<Error> failure;  // the first problem, naming the height or seq
};

// Verifies a device chain as its store holds it, read-only: every block
// (signature, entries root, per-entry signatures, links, seq), the tip
// recorded in metadata, and the committed entries not yet sealed (consecutive
// seq, decodable, signatures). Safe while the agent runs. `progress` gets
// (blocks done, blocks in all) now and then.
Result<ChainAuditReport> audit_chain(
    const platform::Store& store, const platform::Sha256& sha,
    const platform::VerifierFactory& keys,
    const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});

}  // namespace vs::agent
