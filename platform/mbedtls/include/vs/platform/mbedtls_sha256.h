#pragma once

#include "vs/platform/sha256.h"

namespace vs::platform {

// The device's SHA-256 (Mbed TLS 2.28, no SHA-NI path).
class MbedtlsSha256 final : public Sha256 {
 public:
  Digest digest_parts(std::span<const ByteView> parts) const override;
};

}  // namespace vs::platform
