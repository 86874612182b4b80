#pragma once

#include <vector>

#include "vs/chain/block_fault.h"
#include "vs/chain/device_id.h"
#include "vs/platform/bytes.h"
#include "vs/platform/result.h"
#include "vs/platform/sha256.h"
#include "vs/platform/verifier.h"
#include "vs/proto/block.h"
#include "vs/proto/entry.h"

namespace vs::chain {

struct VerifiedBlock {
  proto::BlockHeader header;
  Digest hash{};  // SHA-256 of the header bytes
  std::vector<proto::Entry> entries;
};

// Everything one block proves on its own, given the key that should have
// signed it: format, device, signature, entries root, seq and time ranges,
// per-entry signatures. Links to the previous block are ChainVerifier's.
// Never re-encodes to verify; never asserts on what it is given.
class BlockVerifier {
 public:
  explicit BlockVerifier(const platform::Sha256& sha) : sha_(sha) {}

  // On error, `fault` (when given) says which rule the block broke.
  Result<VerifiedBlock> verify(const proto::Block& block, const DeviceId& device,
                               const platform::Verifier& device_key,
                               BlockFault* fault = nullptr) const;
  Result<VerifiedBlock> verify(ByteView encoded_block, const DeviceId& device,
                               const platform::Verifier& device_key,
                               BlockFault* fault = nullptr) const;
  // For a caller that has decoded block.header already (the gateway reads
  // the height and device first): `header` must be that decoding, so the
  // header is decoded once per block, not once per reader.
  Result<VerifiedBlock> verify(const proto::Block& block, proto::BlockHeader header,
                               const DeviceId& device, const platform::Verifier& device_key,
                               BlockFault* fault = nullptr) const;

 private:
  Result<VerifiedBlock> check(const proto::Block& block, proto::BlockHeader header,
                              const DeviceId& device, const platform::Verifier& device_key,
                              BlockFault& stage) const;

  const platform::Sha256& sha_;
};

}  // namespace vs::chain
