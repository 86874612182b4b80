#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <span>

#include "vs/chain/block_fault.h"
#include "vs/chain/block_verifier.h"
#include "vs/chain/chain_verifier.h"
#include "vs/chain/device_id.h"
#include "vs/chain/receipt_verifier.h"
#include "vs/gateway/device_registry.h"
#include "vs/gateway/gateway_state.h"
#include "vs/platform/clock.h"
#include "vs/platform/sha256.h"
#include "vs/platform/verifier.h"

namespace vs::gateway {

// What anchoring one accepted block writes at most, in practice: its
// receipt (a 20-hash path, a ledger reference), its batch membership and
// page overhead. New blocks are refused while this much per queued block
// would not fit under the store's limit.
inline constexpr std::uint64_t kAnchorRoomPerBlockBytes = 1536;

// Why a block was not accepted: what the gateway counts and logs.
enum class Rejection : std::uint8_t {
  kUnknownDevice,
  kRevokedDevice,
  kTopicMismatch,  // the block names another device than its topic
  kMalformed,
  kBadSignature,
  kBadContent,
  kBadLink,
  // The store is within its reserve of its limit: new blocks wait at their
  // devices, what was accepted is still anchored and answered.
  kStoreFull,
};
const char* to_string(Rejection rejection);

struct IngestResult {
  enum class Kind { kAccepted, kDuplicate, kHeld, kEquivocation, kRejected };
  Kind kind = Kind::kRejected;
  chain::DeviceId device;
  std::uint64_t height = 0;
  // Accepted: this block and any held ones it released, in height order.
  std::vector<chain::VerifiedBlock> accepted;
  // Of those, the ones that came with an anchored receipt this gateway
  // issued before (sent again after a restore): kept, not queued again.
  std::size_t kept_anchored = 0;
  // A receipt sent with the block that is not one this gateway issued for
  // it: the block is taken as if it came alone (queued), this says why.
  std::string receipt_refused;
  // Held: the heights to ask the device for again (inclusive).
  std::optional<std::pair<std::uint64_t, std::uint64_t>> resend;
  Rejection rejection = Rejection::kMalformed;
  std::string detail;  // the verifier's message, for the log
};

// Ingest and verification: every block from outside is checked against the
// device registry, its topic and the device's chain before it counts. A gap
// holds later blocks and asks for the missing ones; a block seen before is a
// duplicate (idempotent); a different, validly signed block at a height
// already taken is equivocation, kept as evidence. Nothing throws, nothing
// from a bad block is stored as accepted. Not thread-safe: one owner.
class BlockIngest {
 public:
  // The clock stamps each accepted block's arrival, which orders the queue.
  // `own_receipts` checks receipts this gateway issued, which devices send
  // back with a block asked for again (none: such receipts are ignored).
  BlockIngest(GatewayState& state, const platform::Sha256& sha,
              const platform::VerifierFactory& keys, const platform::Clock& clock,
              const chain::ReceiptVerifier* own_receipts = nullptr)
      : state_(state), sha_(sha), keys_(keys), clock_(clock), own_receipts_(own_receipts) {}

  // `topic_device` is the id in the topic the block arrived on.
  Result<IngestResult> ingest(std::string_view topic_device, ByteView block_bytes);

  struct BlockMessage {
    std::string_view topic_device;
    ByteView block_bytes;
    ByteView receipt{};  // a resent block's receipt (proto::ResentBlock), or empty
  };
  // Several blocks in one transaction (what arrived together), each seeing
  // the ones before it. Results in order. A store error fails them all: none
  // was accepted, the devices send them again.
  Result<std::vector<IngestResult>> ingest_all(std::span<const BlockMessage> messages);
  // How full the gateway's store is, against its ceiling or its filesystem.
  Result<platform::StoreUsage> store_usage() const { return state_.usage(); }

  Result<std::optional<chain::ChainTip>> tip(const chain::DeviceId& device) const {
    return state_.tip(device);
  }

 private:
  Result<std::vector<IngestResult>> ingest_once(std::span<const BlockMessage> messages);
  Result<IngestResult> ingest_one(const BlockMessage& message, GatewayTransaction& changes);
  Result<IngestResult> accept_in_order(IngestResult result, const DeviceRecord& record,
                                       std::optional<chain::ChainTip> tip,
                                       const proto::Block& block, proto::BlockHeader header,
                                       ByteView block_bytes, ByteView anchored_receipt,
                                       GatewayTransaction& changes);
  // Whether `receipt` is an anchored (or final) receipt this gateway issued
  // for the block at `height` with `block_hash`; empty `why` when it is.
  // On the local ledger, `view`'s log must hold its batch.
  bool anchored_by_us(const GatewayStateReader& view, const chain::DeviceId& device,
                      std::uint64_t height, const Digest& block_hash, ByteView receipt,
                      std::string& why) const;
  // Refuses what this transaction would accept when the store could not
  // also hold what anchoring every queued block writes.
  Result<bool> over_reserve(const GatewayTransaction& changes,
                            std::vector<IngestResult>& results) const;

  GatewayState& state_;
  const platform::Sha256& sha_;
  const platform::VerifierFactory& keys_;
  const platform::Clock& clock_;
  const chain::ReceiptVerifier* own_receipts_;
};

}  // namespace vs::gateway
