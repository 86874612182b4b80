#include "vs/chain/device_id.h"

#include <algorithm>

namespace vs::chain {

DeviceId DeviceId::from_public_key(const platform::Sha256& sha, ByteView public_key_der) {
  Digest digest = sha.digest(public_key_der);
  DeviceId id;
  std::copy_n(digest.begin(), kSize, id.bytes_.begin());
  return id;
}

Result<DeviceId> DeviceId::from_bytes(ByteView bytes) {
  if (bytes.size() != kSize) return Error(ErrorCode::kMalformed, "device id is not 16 bytes");
  DeviceId id;
  std::copy(bytes.begin(), bytes.end(), id.bytes_.begin());
  return id;
}

Result<DeviceId> DeviceId::from_hex(std::string_view hex) {
  if (hex.size() != 2 * kSize) {
    return Error(ErrorCode::kMalformed, "device id is not 32 hex digits");
  }
  VS_TRY_ASSIGN(Bytes bytes, vs::from_hex(hex));
  return from_bytes(bytes);
}

}  // namespace vs::chain
