#include "vs/agent/chain_audit.h"

#include <string>

#include "vs/chain/chain_verifier.h"
#include "vs/proto/wire_codec.h"

namespace vs::agent {

Result<ChainAuditReport> audit_chain(
    const platform::Store& live_store, const platform::Sha256& sha,
    const platform::VerifierFactory& keys,
    const std::function<void(std::uint64_t, std::uint64_t)>& progress,
    const ChainAuditReport* earlier) {
  // One consistent view: the agent may be committing while we read.
  VS_TRY_ASSIGN(auto view, live_store.snapshot());
  const platform::StoreReader& store = *view;
  VS_TRY_ASSIGN(ChainSnapshot snapshot, DeviceChain::inspect(store));
  if (snapshot.first_public_key.empty()) {
    return Error(ErrorCode::kNotFound,
                 "the store holds no device chain (never opened by an agent)");
  }
  ChainAuditReport report;
  report.device = chain::DeviceId::from_public_key(sha, snapshot.first_public_key);
  report.first_height = snapshot.pruned_below;
  report.next_seq = snapshot.next_seq;
  report.tip = snapshot.tip;
  auto fail = [&](Error error) -> Result<ChainAuditReport> {
    report.failure = std::move(error);
    return report;
  };

  std::uint64_t next_unsealed = 0;
  if (snapshot.tip) {
    std::uint64_t total = snapshot.tip->height + 1 - snapshot.pruned_below;
    std::optional<chain::ChainVerifier> follower;
    std::uint64_t height = snapshot.pruned_below;
    // The walk starts at its first block from the link that block claims,
    // with the keys the device had before it: blocks below are pruned, or
    // were verified by `earlier`, whose tip block is walked again in full
    // and must keep its hash (it pins every block below it).
    std::vector<Bytes> start_keys{snapshot.first_public_key};
    std::optional<chain::ChainTip> pinned;
    if (earlier != nullptr && !earlier->failure && earlier->tip && !earlier->public_keys.empty() &&
        earlier->device == report.device && earlier->first_height == snapshot.pruned_below &&
        earlier->tip->height <= snapshot.tip->height) {
      pinned = earlier->tip;
      start_keys = earlier->public_keys;
      report.blocks = earlier->blocks;
      report.entries_in_blocks = earlier->entries_in_blocks;
      height = pinned->height;
    }
    while (height <= snapshot.tip->height) {
      VS_TRY_ASSIGN(auto records, store.scan(kBlocksTable, platform::u64_key(height), 256));
      if (records.empty() || get_u64_be(records.front().key.data()) != height) {
        return fail(Error(ErrorCode::kIntegrity, "block is missing from the store")
                        .about("height " + std::to_string(height)));
      }
      for (const platform::Record& record : records) {
        std::uint64_t key = get_u64_be(record.key.data());
        if (key > snapshot.tip->height) break;
        if (key != height) {
          return fail(Error(ErrorCode::kIntegrity, "block is missing from the store")
                          .about("height " + std::to_string(height)));
        }
        if (!follower) {
          auto block = proto::WireCodec::decode_block(record.value);
          if (!block)
            return fail(std::move(block).error().about("height " + std::to_string(height)));
          auto header = proto::WireCodec::decode_block_header(block->header);
          if (!header)
            return fail(std::move(header).error().about("height " + std::to_string(height)));
          auto previous =
              to_array<32>(header->previous_hash, "block header previous hash is not 32 bytes");
          if (!previous)
            return fail(std::move(previous).error().about("height " + std::to_string(height)));
          // Keys rotated in this block come after the one that signed it.
          if (start_keys.size() > header->key_index + 1ULL)
            start_keys.resize(header->key_index + 1);
          Result<chain::ChainVerifier> started =
              height == 0 ? chain::ChainVerifier::from_genesis(sha, keys, snapshot.first_public_key)
                          : chain::ChainVerifier::resume(
                                sha, keys, start_keys,
                                chain::ChainTip{height - 1, *previous, header->first_seq - 1});
          if (!started) return std::move(started).error();
          follower.emplace(std::move(started).value());
        }
        auto verified = follower->append(record.value);
        if (!verified) return fail(std::move(verified).error());
        if (pinned && key == pinned->height) {
          if (verified->hash != pinned->hash) {
            return fail(Error(ErrorCode::kIntegrity, "block changed since the earlier audit")
                            .about("height " + std::to_string(key)));
          }
        } else {  // the pinned block is already counted in `earlier`
          report.blocks += 1;
          report.entries_in_blocks += verified->entries.size();
        }
        ++height;
        if (progress && report.blocks % 1000 == 0) progress(report.blocks, total);
      }
    }
    const chain::ChainTip& reached = *follower->tip();
    if (reached.hash != snapshot.tip->hash || reached.last_seq != snapshot.tip->last_seq) {
      return fail(Error(ErrorCode::kIntegrity, "the tip recorded in metadata is not the last block")
                      .about("height " + std::to_string(snapshot.tip->height)));
    }
    if (progress) progress(report.blocks, total);
    report.public_keys = follower->public_keys();
    next_unsealed = snapshot.tip->last_seq + 1;
  }

  // Committed entries not yet sealed: consecutive, decodable, signed as stored.
  auto device_key = keys.make_verifier(snapshot.first_public_key);
  if (!device_key) return std::move(device_key).error().about("device key");
  for (;;) {
    VS_TRY_ASSIGN(auto pending, DeviceChain::read_pending(store, next_unsealed, 1024));
    if (pending.empty()) break;
    for (const chain::PendingEntry& entry : pending) {
      std::string where = "pending seq " + std::to_string(next_unsealed);
      if (entry.seq != next_unsealed) {
        return fail(Error(ErrorCode::kIntegrity, "committed entries skip a seq").about(where));
      }
      auto decoded = proto::WireCodec::decode_entry(entry.bytes);
      if (!decoded) return fail(std::move(decoded).error().about(where));
      if (decoded->seq != entry.seq) {
        return fail(Error(ErrorCode::kIntegrity, "entry's seq is not the seq it is stored under")
                        .about(where));
      }
      if (!entry.signature.empty() &&
          !(*device_key)->verify(sha.digest(entry.bytes), ByteView(entry.signature))) {
        return fail(Error(ErrorCode::kIntegrity, "entry signature does not verify").about(where));
      }
      report.pending_entries += 1;
      ++next_unsealed;
    }
  }
  if (next_unsealed != snapshot.next_seq) {
    return fail(Error(ErrorCode::kIntegrity,
                      "next seq in metadata does not follow the last committed entry")
                    .about("seq " + std::to_string(next_unsealed)));
  }
  return report;
}

}  // namespace vs::agent
