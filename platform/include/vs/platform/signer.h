#pragma once

#include <array>

#include "vs/platform/bytes.h"
#include "vs/platform/result.h"

namespace vs::platform {

// ECDSA P-256 signature as r || s, 32 bytes each, big-endian (IEEE P1363).
using Signature = std::array<std::uint8_t, 64>;

// Signs SHA-256 digests with one private key. Not thread-safe: give each
// thread its own, or hold a lock.
class Signer {
 public:
  virtual ~Signer() = default;
  virtual Result<Signature> sign(const Digest& digest) = 0;
  // The key's SubjectPublicKeyInfo, DER.
  virtual ByteView public_key() const = 0;
};

}  // namespace vs::platform
