#pragma once

#include <array>
#include <compare>
#include <string>
#include <string_view>

#include "vs/platform/bytes.h"
#include "vs/platform/result.h"
#include "vs/platform/sha256.h"

namespace vs::chain {

// A device's id: the first 16 bytes of SHA-256 over its first public key's
// SubjectPublicKeyInfo (DER), so a topic, a block and a key can be checked
// against each other. It survives key rotation.
class DeviceId {
 public:
  static constexpr std::size_t kSize = 16;

  DeviceId() = default;
  static DeviceId from_public_key(const platform::Sha256& sha, ByteView public_key_der);
  static Result<DeviceId> from_bytes(ByteView bytes);
  static Result<DeviceId> from_hex(std::string_view hex);

  ByteView bytes() const { return bytes_; }
  std::string hex() const { return to_hex(bytes_); }

  auto operator<=>(const DeviceId&) const = default;

 private:
  std::array<std::uint8_t, kSize> bytes_{};
};

}  // namespace vs::chain
