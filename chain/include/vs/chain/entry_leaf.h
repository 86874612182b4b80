#pragma once

#include <cstdint>

#include "vs/platform/bytes.h"
#include "vs/platform/sha256.h"

namespace vs::chain {

// An entry's leaf in its block's tree covers a blinding value as well as the
// entry bytes: leaf = SHA-256(0x00 || blinding || entry). A proof for one
// reading then carries sibling hashes that cannot be opened by trying the
// few plausible values of a neighbouring reading.
class EntryLeaf {
 public:
  static constexpr std::size_t kBlindingSize = 32;

  // blinding = HMAC-SHA256(device_secret, "vitalsign/v1/blinding" || seq as
  // 8 bytes big-endian): reproducible on the device, unguessable elsewhere.
  static Digest blinding(const platform::Sha256& sha, ByteView device_secret, std::uint64_t seq);
  static Digest hash(const platform::Sha256& sha, ByteView blinding, ByteView entry);
};

}  // namespace vs::chain
