#pragma once

#include "vs/platform/random.h"

namespace vs::platform {

// OpenSSL's RAND_bytes (its DRBG, seeded by the system): the gateway's
// nonces, without pulling Mbed TLS into the gateway.
class OpensslRandom final : public Random {
 public:
  void fill(std::span<std::uint8_t> out) override;
};

}  // namespace vs::platform
