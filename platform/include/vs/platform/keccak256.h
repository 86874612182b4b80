#pragma once

#include "vs/platform/bytes.h"

namespace vs::platform {

// Keccak-256 as Ethereum uses it (the original padding, not SHA3-256):
// addresses and transaction hashes. Only the EVM ledger needs it.
class Keccak256 {
 public:
  virtual ~Keccak256() = default;
  virtual Digest digest(ByteView data) const = 0;
};

}  // namespace vs::platform
