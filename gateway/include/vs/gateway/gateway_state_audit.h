#pragma once

#include <functional>
#include <optional>

#include "vs/chain/gateway_key_set.h"
#include "vs/gateway/gateway_state.h"
#include "vs/platform/sha256.h"
#include "vs/platform/verifier.h"

namespace vs::gateway {

// What an audit of a gateway's whole state found: what a restored copy must
// pass before a gateway runs on it, and what an operator runs on a live one.
struct GatewayStateAudit {
  std::uint64_t devices = 0;
  std::uint64_t blocks = 0;          // every device's chain from height 0 to its tip
  std::uint64_t receipts = 0;        // each checked against its block and the gateway's key
  std::uint64_t ledger_entries = 0;  // the local ledger's log, linked entry to entry
  std::uint64_t queued = 0;
  std::uint64_t next_batch_id = 0;
  std::uint64_t highest_batch_id = 0;  // in any receipt or log entry (0: none)
  std::optional<Error> failure;        // the first problem, naming the device and height or entry

  // Reads one snapshot of `state`; `progress` gets (blocks done, blocks in
  // all) now and then. An error is a store that could not be read; what the
  // store holds that does not verify is `failure`.
  static Result<GatewayStateAudit> run(
      const GatewayState& state, const platform::Sha256& sha, const platform::VerifierFactory& keys,
      const chain::GatewayKeySet& gateway_keys,
      const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});
};

}  // namespace vs::gateway
