#pragma once

#include "vs/platform/keccak256.h"

namespace vs::platform {

// Keccak-256 from Crypto++ (Debian's libcrypto++; OpenSSL 3.0 and Mbed TLS
// 2.28 have none).
class CryptoppKeccak256 final : public Keccak256 {
 public:
  Digest digest(ByteView data) const override;
};

}  // namespace vs::platform
