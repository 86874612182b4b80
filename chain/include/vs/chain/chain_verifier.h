#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "vs/chain/block_verifier.h"
#include "vs/chain/device_id.h"
#include "vs/platform/verifier.h"

namespace vs::chain {

// What a follower must remember about a device's chain to verify the next
// block: the gateway persists it per device.
struct ChainTip {
  std::uint64_t height = 0;
  Digest hash{};
  std::uint64_t last_seq = 0;

  // As stored: height | hash | last seq, 48 bytes.
  Bytes encode() const;
  static Result<ChainTip> decode(ByteView stored);
};

// Follows one device's chain block by block: each block on its own
// (BlockVerifier), then its link to the tip (height, previous hash, seq) and
// the device's key history (a key rotation event, signed by the old key,
// brings in the key for the next index).
class ChainVerifier {
 public:
  // Starts at the first block (height 0, seq 0) with the device's first key.
  static Result<ChainVerifier> from_genesis(const platform::Sha256& sha,
                                            const platform::VerifierFactory& keys,
                                            ByteView first_public_key);
  // Resumes after `tip`, with the device's known keys in index order.
  static Result<ChainVerifier> resume(const platform::Sha256& sha,
                                      const platform::VerifierFactory& keys,
                                      std::span<const Bytes> public_keys, const ChainTip& tip);

  // Verifies the next block. On error, the message names the block's height
  // and what is wrong, `fault` (when given) the rule it broke, and the
  // verifier's state is unchanged.
  Result<VerifiedBlock> append(const proto::Block& block, BlockFault* fault = nullptr);
  Result<VerifiedBlock> append(ByteView encoded_block, BlockFault* fault = nullptr);
  // `header` is block.header as the caller decoded it (see BlockVerifier).
  Result<VerifiedBlock> append(const proto::Block& block, proto::BlockHeader header,
                               BlockFault* fault = nullptr);

  const DeviceId& device() const { return device_; }
  const std::optional<ChainTip>& tip() const { return tip_; }
  std::uint32_t key_index() const { return static_cast<std::uint32_t>(keys_.size() - 1); }
  // Every key the device has used, in index order (to persist and resume).
  const std::vector<Bytes>& public_keys() const { return public_keys_; }

 private:
  ChainVerifier(const platform::Sha256& sha, const platform::VerifierFactory& keys)
      : sha_(&sha), factory_(&keys) {}
  struct RotatedKey {
    std::unique_ptr<platform::Verifier> verifier;
    Bytes public_key;
  };
  Status check_link(const proto::BlockHeader& header) const;
  Status adopt_rotations(const VerifiedBlock& block, std::vector<RotatedKey>& added) const;

  const platform::Sha256* sha_;
  const platform::VerifierFactory* factory_;
  DeviceId device_;
  std::vector<std::unique_ptr<platform::Verifier>> keys_;
  std::vector<Bytes> public_keys_;
  std::optional<ChainTip> tip_;
};

}  // namespace vs::chain
