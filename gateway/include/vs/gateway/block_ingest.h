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

#include "vs/platform/sha256.h"
#include "vs/platform/staged_writes.h"
#include "vs/platform/store.h"
#include "vs/platform/verifier.h"

namespace vs::gateway {

// The gateway's tables in its Store.
enum GatewayTable : platform::TableId {
  kDevicesTable = 0,   // device id -> registry record (keys, revoked)
  kTipsTable = 1,      // device id -> chain tip
  kBlocksTable = 2,    // device id | height -> accepted block
  kHeldTable = 3,      // device id | height -> block past a gap, verified on its own
  kEvidenceTable = 4,  // device id | height | hash -> the second block at a height
  kLedgerTable = 5,    // index -> local ledger entry (LocalLedger)
  // arrival ms | device id | height -> block hash: accepted, not yet in an
  // anchored batch, oldest first (a batch takes the blocks that waited
  // longest, whatever their device). Written in the transaction that accepts
  // the block, erased in the one that stores its receipt: each accepted
  // block is anchored exactly once.
  kUnanchoredTable = 6,
  kReceiptsTable = 7,  // device id | height -> the latest receipt, as published
  kMetaTable = 8,      // gateway-wide counters (next batch id)
  // batch id -> root and block keys, while its anchor is not final (ledgers
  // that can reorganise only).
  kBatchesTable = 9,
  kCertificatesTable = 10,  // device id -> its TLS certificate (DER), when it uses one
  kAnchorsTable = 11,       // batch id -> what its anchor was and cost (AnchorRecord)
  kAccessTable = 12,        // time | queue height -> an export's AccessRecord text
};
inline const std::vector<std::string> kGatewayTableNames{
    "devices",  "tips", "blocks",  "held",         "evidence", "ledger", "unanchored",
    "receipts", "meta", "batches", "certificates", "anchors",  "access"};

// Keys of the per-device tables.
Bytes device_key(const chain::DeviceId& device);
Bytes height_key(const chain::DeviceId& device, std::uint64_t height);
// The unanchored table's key: arrival time (ms) then the height key.
Bytes queue_key(std::uint64_t arrival_ms, ByteView height_key);

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
  struct DeviceRecord {
    bool revoked = false;
    bool equivocated = false;  // signed two blocks at one height: evidence kept
    std::vector<Bytes> public_keys;
  };

  BlockIngest(platform::Store& store, const platform::Sha256& sha,
              const platform::VerifierFactory& keys)
      : store_(store), sha_(sha), keys_(keys) {}

  // Registry. enrol: kConflict when already enrolled with another key.
  Result<chain::DeviceId> enrol(ByteView public_key_der);
  Status revoke(const chain::DeviceId& device);
  Result<bool> is_revoked(const chain::DeviceId& device) const;
  // The device's TLS certificate, kept with its registry entry (the broker
  // checks it; the registry records which one belongs to whom).
  Status set_certificate(const chain::DeviceId& device, ByteView certificate_der);
  Result<std::optional<Bytes>> certificate(const chain::DeviceId& device) const;

  // `topic_device` is the id in the topic the block arrived on.
  Result<IngestResult> ingest(std::string_view topic_device, ByteView block_bytes);

  struct BlockMessage {
    std::string_view topic_device;
    ByteView block_bytes;
  };
  // Several blocks in one store transaction (what arrived together), each
  // seeing the ones before it. Results in order. A store error fails them
  // all: none was accepted, the devices send them again.
  Result<std::vector<IngestResult>> ingest_all(std::span<const BlockMessage> messages);
  // How full the gateway's store is, against its ceiling or its filesystem.
  Result<platform::StoreUsage> store_usage() const { return store_.usage(); }

  Result<std::optional<chain::ChainTip>> tip(const chain::DeviceId& device) const;
  Result<std::optional<DeviceRecord>> load(const chain::DeviceId& device) const;
  // Every enrolled device, in id order.
  Result<std::vector<std::pair<chain::DeviceId, DeviceRecord>>> devices() const;

 private:
  Result<std::optional<DeviceRecord>> load(const chain::DeviceId& device,
                                           const platform::StagedWrites& writes) const;
  Result<std::optional<chain::ChainTip>> tip(const chain::DeviceId& device,
                                             const platform::StagedWrites& writes) const;
  Status save(const chain::DeviceId& device, const DeviceRecord& record,
              platform::StagedWrites& writes) const;
  Result<IngestResult> ingest_one(std::string_view topic_device, ByteView block_bytes,
                                  platform::StagedWrites& writes);
  Result<IngestResult> accept_in_order(IngestResult result, const DeviceRecord& record,
                                       std::optional<chain::ChainTip> tip,
                                       const proto::Block& block, proto::BlockHeader header,
                                       ByteView block_bytes, platform::StagedWrites& writes);

  platform::Store& store_;
  const platform::Sha256& sha_;
  const platform::VerifierFactory& keys_;
};

}  // namespace vs::gateway
