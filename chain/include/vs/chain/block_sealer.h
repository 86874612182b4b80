#pragma once

#include <optional>
#include <span>

#include "vs/chain/device_id.h"
#include "vs/platform/bytes.h"
#include "vs/platform/result.h"
#include "vs/platform/sha256.h"
#include "vs/platform/signer.h"
#include "vs/proto/block.h"

namespace vs::chain {

// One committed entry waiting to be sealed, as stored on the device.
struct PendingEntry {
  Bytes bytes;  // the exact encoded Entry
  std::uint64_t seq = 0;
  std::uint64_t time_ms = 0;
  Digest blinding{};
  Bytes signature;  // 64 bytes, or empty when this kind is not signed per entry
};

// Where the new block goes in the chain and why it is sealed now.
struct SealPosition {
  DeviceId device_id;
  std::uint64_t height = 0;
  Digest previous_hash{};  // zeros at height 0
  std::uint32_t key_index = 0;
  std::uint64_t sealed_time_ms = 0;
  std::uint64_t anchor_batch_id = 0;  // newest batch with a verified receipt; 0 = none
  std::optional<Digest> anchor_batch_root;
  proto::SealReason reason = proto::SealReason::kCount;
};

struct SealedBlock {
  proto::BlockHeader header;
  proto::Block block;  // header bytes, signature and entries exactly as they travel
  Bytes encoded;       // the Block message
  Digest hash{};       // SHA-256 of the header bytes: the next block's previous_hash
};

// Builds and signs blocks on the device. Pure: the caller supplies the time
// and the chain position.
class BlockSealer {
 public:
  BlockSealer(const platform::Sha256& sha, platform::Signer& signer) : sha_(sha), signer_(signer) {}

  // kInvalidArgument for an empty or out-of-order set of entries.
  Result<SealedBlock> seal(const SealPosition& position, std::span<const PendingEntry> entries);

  // Signature of one entry: over SHA-256 of its exact bytes.
  Result<Bytes> sign_entry(ByteView entry);

 private:
  const platform::Sha256& sha_;
  platform::Signer& signer_;
};

}  // namespace vs::chain
