#pragma once

#include "vs/platform/random.h"

namespace vs::platform {

// Mbed TLS CTR_DRBG seeded from the system's entropy, one per process.
class MbedtlsRandom final : public Random {
 public:
  void fill(std::span<std::uint8_t> out) override;
};

}  // namespace vs::platform
