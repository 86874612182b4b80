#pragma once

#include <cstdint>

namespace vs::chain {

// Which rule a rejected block broke: what a gateway counts rejections by.
enum class BlockFault : std::uint8_t {
  kNone = 0,
  kFormat,     // does not decode, or breaks the format's rules
  kDevice,     // names another device than the one it came from
  kSignature,  // not signed by the device's current key
  kContent,    // signed, but its entries do not match what the header says
  kLink,       // does not follow the chain's tip (gap, replay, fork, seq)
};

const char* to_string(BlockFault fault);

}  // namespace vs::chain
