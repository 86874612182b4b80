#pragma once

#include "vs/platform/sha256.h"

namespace vs::platform {

// SHA-256 on OpenSSL libcrypto (uses SHA-NI where the CPU has it).
class OpensslSha256 final : public Sha256 {
 public:
  Digest digest_parts(std::span<const ByteView> parts) const override;
};

}  // namespace vs::platform
