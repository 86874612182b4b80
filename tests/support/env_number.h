// A number from the environment, for test and benchmark knobs (trial
// counts, seeds, sizes), or the fallback when it is not set.
#pragma once

#include <cstdint>
#include <cstdlib>

namespace vs::testing {

inline std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::strtoull(value, nullptr, 10) : fallback;
}

}  // namespace vs::testing
