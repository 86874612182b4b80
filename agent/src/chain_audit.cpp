#include "vs/agent/chain_audit.h"
#include "vs/chain/opened_block.h"

#include <string>

#include "vs/agent/agent_store.h"
#include "vs/chain/chain_verifier.h"
#include "vs/proto/wire_codec.h"

namespace vs::agent {
namespace {

std::string at_height(std::uint64_t height) {
  return "height " + std::to_string(height);
}

// One audit of one snapshot: the blocks, then the committed entries not yet
// sealed. A problem found in the chain ends it as the report's failure; an
// error of the store or the keys is returned as an error.
class Audit {
 public:
  Audit(const platform::StoreReader& store, const platform::Sha256& sha,
        const platform::VerifierFactory& keys,
        const std::function<void(std::uint64_t, std::uint64_t)>& progress)
      : store_(store), sha_(sha), keys_(keys), progress_(progress) {}

  Result<ChainAuditReport> run(const ChainAuditReport* earlier) {
    VS_TRY_ASSIGN(snapshot_, DeviceChain::inspect(store_));
    if (snapshot_.first_public_key.empty()) {
      return Error(ErrorCode::kNotFound,
                   "the store holds no device chain (never opened by an agent)");
    }
    report_.device = chain::DeviceId::from_public_key(sha_, snapshot_.first_public_key);
    report_.first_height = snapshot_.pruned_below;
    report_.next_seq = snapshot_.next_seq;
    report_.tip = snapshot_.tip;
    std::uint64_t next_unsealed = 0;
    if (snapshot_.tip) {
      VS_TRY_ASSIGN(bool intact, walk_blocks(earlier));
      if (!intact) return report_;
      next_unsealed = snapshot_.tip->last_seq + 1;
    }
    VS_TRY(check_pending(next_unsealed));
    return report_;
  }

 private:
  Result<bool> fail(Error error) {
    report_.failure = std::move(error);
    return false;
  }

  // The walk starts at its first block from the link that block claims,
  // with the keys the device had before it: blocks below are pruned, or
  // were verified by `earlier`, whose tip block is walked again in full and
  // must keep its hash (it pins every block below it).
  Result<bool> walk_blocks(const ChainAuditReport* earlier) {
    const chain::ChainTip& tip = *snapshot_.tip;
    std::uint64_t total = tip.height + 1 - snapshot_.pruned_below;
    std::uint64_t height = snapshot_.pruned_below;
    start_keys_ = {snapshot_.first_public_key};
    if (earlier != nullptr && !earlier->failure && earlier->tip && !earlier->public_keys.empty() &&
        earlier->device == report_.device && earlier->first_height == snapshot_.pruned_below &&
        earlier->tip->height <= tip.height) {
      pinned_ = earlier->tip;
      start_keys_ = earlier->public_keys;
      report_.blocks = earlier->blocks;
      report_.entries_in_blocks = earlier->entries_in_blocks;
      height = pinned_->height;
    }
    while (height <= tip.height) {
      VS_TRY_ASSIGN(auto blocks, stored_blocks(store_, height, kBlocksPerRead));
      if (blocks.empty() || blocks.front().first != height)
        return fail(Error(ErrorCode::kIntegrity, "block is missing from the store")
                        .about(at_height(height)));
      for (const auto& [stored_height, bytes] : blocks) {
        if (stored_height > tip.height) break;
        if (stored_height != height)
          return fail(Error(ErrorCode::kIntegrity, "block is missing from the store")
                          .about(at_height(height)));
        VS_TRY_ASSIGN(bool linked, follow(height, bytes));
        if (!linked) return false;
        ++height;
        if (progress_ && report_.blocks % 1000 == 0) progress_(report_.blocks, total);
      }
    }
    const chain::ChainTip& reached = *follower_->tip();
    if (reached.hash != tip.hash || reached.last_seq != tip.last_seq)
      return fail(Error(ErrorCode::kIntegrity, "the tip recorded in metadata is not the last block")
                      .about(at_height(tip.height)));
    if (progress_) progress_(report_.blocks, total);
    report_.public_keys = follower_->public_keys();
    return true;
  }

  // One block onto the chain followed so far (started at the first block).
  Result<bool> follow(std::uint64_t height, const Bytes& bytes) {
    if (!follower_) {
      VS_TRY_ASSIGN(bool started, start_at(height, bytes));
      if (!started) return false;
    }
    auto verified = follower_->append(bytes);
    if (!verified) return fail(std::move(verified).error());
    if (pinned_ && height == pinned_->height) {
      if (verified->hash != pinned_->hash)
        return fail(Error(ErrorCode::kIntegrity, "block changed since the earlier audit")
                        .about(at_height(height)));
      return true;  // already counted in `earlier`
    }
    report_.blocks += 1;
    report_.entries_in_blocks += verified->entries.size();
    return true;
  }

  Result<bool> start_at(std::uint64_t height, const Bytes& bytes) {
    auto opened = chain::OpenedBlock::open(sha_, bytes);
    if (!opened) return fail(std::move(opened).error().about(at_height(height)));
    const proto::BlockHeader* header = &opened->header;
    auto previous =
        to_array<32>(header->previous_hash, "block header previous hash is not 32 bytes");
    if (!previous) return fail(std::move(previous).error().about(at_height(height)));
    // Keys rotated in this block come after the one that signed it.
    if (start_keys_.size() > header->key_index + 1ULL) start_keys_.resize(header->key_index + 1);
    Result<chain::ChainVerifier> started =
        height == 0 ? chain::ChainVerifier::from_genesis(sha_, keys_, snapshot_.first_public_key)
                    : chain::ChainVerifier::resume(
                          sha_, keys_, start_keys_,
                          chain::ChainTip{height - 1, *previous, header->first_seq - 1});
    if (!started) return std::move(started).error();
    follower_.emplace(std::move(started).value());
    return true;
  }

  // Committed entries not yet sealed: consecutive, decodable, signed as stored.
  Status check_pending(std::uint64_t next_unsealed) {
    auto device_key = keys_.make_verifier(snapshot_.first_public_key);
    if (!device_key) return std::move(device_key).error().about("device key");
    for (;;) {
      VS_TRY_ASSIGN(auto pending, DeviceChain::read_pending(store_, next_unsealed, 1024));
      if (pending.empty()) break;
      for (const chain::PendingEntry& entry : pending) {
        std::string where = "pending seq " + std::to_string(next_unsealed);
        if (entry.seq != next_unsealed) {
          return failed(Error(ErrorCode::kIntegrity, "committed entries skip a seq").about(where));
        }
        auto decoded = proto::WireCodec::decode_entry(entry.bytes);
        if (!decoded) return failed(std::move(decoded).error().about(where));
        if (decoded->seq != entry.seq) {
          return failed(
              Error(ErrorCode::kIntegrity, "entry's seq is not the seq it is stored under")
                  .about(where));
        }
        if (!entry.signature.empty() &&
            !(*device_key)->verify(sha_.digest(entry.bytes), ByteView(entry.signature))) {
          return failed(
              Error(ErrorCode::kIntegrity, "entry signature does not verify").about(where));
        }
        report_.pending_entries += 1;
        ++next_unsealed;
      }
    }
    if (next_unsealed != snapshot_.next_seq) {
      return failed(Error(ErrorCode::kIntegrity,
                          "next seq in metadata does not follow the last committed entry")
                        .about("seq " + std::to_string(next_unsealed)));
    }
    return {};
  }
  Status failed(Error error) {
    report_.failure = std::move(error);
    return {};
  }

  static constexpr std::size_t kBlocksPerRead = 256;
  const platform::StoreReader& store_;
  const platform::Sha256& sha_;
  const platform::VerifierFactory& keys_;
  const std::function<void(std::uint64_t, std::uint64_t)>& progress_;
  ChainSnapshot snapshot_;
  ChainAuditReport report_;
  std::vector<Bytes> start_keys_;
  std::optional<chain::ChainTip> pinned_;
  std::optional<chain::ChainVerifier> follower_;
};

}  // namespace

Result<ChainAuditReport> audit_chain(
    const platform::Store& live_store, const platform::Sha256& sha,
    const platform::VerifierFactory& keys,
    const std::function<void(std::uint64_t, std::uint64_t)>& progress,
    const ChainAuditReport* earlier) {
  // One consistent view: the agent may be committing while we read.
  VS_TRY_ASSIGN(auto view, live_store.snapshot());
  return Audit(*view, sha, keys, progress).run(earlier);
}

}  // namespace vs::agent
