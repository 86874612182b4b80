#pragma once

#include <array>

#include "vs/platform/bytes.h"
#include "vs/platform/result.h"

namespace vs::platform {

using EvmAddress = std::array<std::uint8_t, 20>;

struct RecoverableSignature {
  std::array<std::uint8_t, 32> r{};
  std::array<std::uint8_t, 32> s{};  // low-S
  std::uint8_t recovery_id = 0;      // EIP-1559's y parity
};

// A secp256k1 account key for signing ledger transactions locally (the
// gateway's `raw` EVM mode). Not a device key: devices sign with P-256.
class EthereumKey {
 public:
  virtual ~EthereumKey() = default;
  virtual EvmAddress address() const = 0;
  // Deterministic (RFC 6979) signature over a 32-byte hash.
  virtual Result<RecoverableSignature> sign(const Digest& hash) const = 0;
};

}  // namespace vs::platform
