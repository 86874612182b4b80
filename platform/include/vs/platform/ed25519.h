#pragma once

#include <memory>

#include "vs/platform/bytes.h"
#include "vs/platform/result.h"

namespace vs::platform {

// Ed25519 (RFC 8032) for signed notes (C2SP signed-note): the local
// ledger's checkpoints and witnesses' cosignatures, which the tools of the
// transparency-log ecosystem verify. Keys are 32-byte seeds; public keys
// and signatures are the RFC's 32 and 64 bytes.
class Ed25519Signer {
 public:
  virtual ~Ed25519Signer() = default;
  // Signs the message itself (pure Ed25519: no pre-hash).
  virtual Result<Bytes> sign(ByteView message) const = 0;
  virtual ByteView public_key() const = 0;  // 32 bytes
};

class Ed25519 {
 public:
  virtual ~Ed25519() = default;
  virtual bool verify(ByteView public_key, ByteView message, ByteView signature) const = 0;
  // kInvalidArgument unless the seed is 32 bytes.
  virtual Result<std::unique_ptr<Ed25519Signer>> signer(ByteView seed) const = 0;
};

}  // namespace vs::platform
