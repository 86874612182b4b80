#pragma once

#include <cstdint>
#include <span>

namespace vs::platform {

// Cryptographically strong random bytes (device secrets, nonces).
class Random {
 public:
  virtual ~Random() = default;
  virtual void fill(std::span<std::uint8_t> out) = 0;
};

}  // namespace vs::platform
