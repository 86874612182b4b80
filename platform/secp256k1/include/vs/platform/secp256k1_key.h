#pragma once

#include <filesystem>
#include <memory>

#include "vs/platform/ethereum_key.h"
#include "vs/platform/keccak256.h"

namespace vs::platform {

// An Ethereum account key on libsecp256k1: RFC 6979 recoverable signatures
// with low S, address = last 20 bytes of Keccak-256 of the public point.
class Secp256k1Key final : public EthereumKey {
 public:
  static Result<std::unique_ptr<Secp256k1Key>> from_private_key(ByteView secret,
                                                                const Keccak256& keccak);
  // A file holding the key as hex (with or without 0x), as `cast wallet`
  // prints it. Refused when group or others can read it.
  static Result<std::unique_ptr<Secp256k1Key>> load(const std::filesystem::path& path,
                                                    const Keccak256& keccak);
  ~Secp256k1Key() override;

  EvmAddress address() const override { return address_; }
  Result<RecoverableSignature> sign(const Digest& hash) const override;

 private:
  Secp256k1Key() = default;
  struct Context;
  std::unique_ptr<Context> context_;
  std::array<std::uint8_t, 32> secret_{};
  EvmAddress address_{};
};

}  // namespace vs::platform
