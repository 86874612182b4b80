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
  std::vector<Bytes> public_keys;  // the device's keys as of the tip, rotations followed
  std::optional<Error> failure;    // the first problem, naming the height or seq
};

// Verifies a device chain as its store holds it, read-only: every block
// (signature, entries root, per-entry signatures, links, seq), the tip
// recorded in metadata, and the committed entries not yet sealed (consecutive
// seq, decodable, signatures). Safe while the agent runs. `progress` gets
// (blocks done, blocks in all) now and then.
//
// `earlier`, a report without failure from an earlier audit of the same
// store, makes the audit incremental: the block at its tip is verified
// again and must keep its hash (each block names the hash of the one
// before, so that pins the blocks below it; their stored bytes are not
// read again), then the walk starts after it. A store pruned since then is
// audited in full.
Result<ChainAuditReport> audit_chain(
    const platform::Store& store, const platform::Sha256& sha,
    const platform::VerifierFactory& keys,
    const std::function<void(std::uint64_t, std::uint64_t)>& progress = {},
    const ChainAuditReport* earlier = nullptr);

}  // namespace vs::agent
